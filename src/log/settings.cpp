#include "log/settings.hpp"

#include <array>
#include <cstddef>
#include <cstdlib>
#include <mutex>

namespace lambda::log {
namespace detail {

std::atomic<int> threshold{unconfigured};

namespace {

constexpr std::array<std::string_view, 6> level_names = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

// The http layer has its own case-insensitive comparison for header names; the log layer may
// not include it (log → json only), and nothing sits below both.
bool equal_ignoring_case(std::string_view name, std::string_view upper) noexcept {
  if (name.size() != upper.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

std::atomic<int> output_format{static_cast<int>(format::text)};
std::atomic<int> output_fd{1};
std::once_flag environment_read;

std::string_view value_of(const char* variable) noexcept {
  return variable ? std::string_view(variable) : std::string_view();
}

}  // namespace

std::string_view level_name(level l) noexcept { return level_names[static_cast<std::size_t>(l)]; }

std::optional<level> parse_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (equal_ignoring_case(name, level_names[i])) return static_cast<level>(i);
  }
  return std::nullopt;
}

std::optional<format> parse_format(std::string_view name) noexcept {
  if (equal_ignoring_case(name, "JSON")) return format::json;
  if (equal_ignoring_case(name, "TEXT")) return format::text;
  return std::nullopt;
}

environment_reading read_environment(const char* log_level, const char* log_format,
                                     const char* initialization_type) noexcept {
  environment_reading reading;
  if (value_of(initialization_type) == "lambda-managed-instances") reading.chosen.format = format::json;

  const std::string_view level_value = value_of(log_level);
  if (auto parsed = parse_level(level_value)) {
    reading.chosen.threshold = *parsed;
  } else if (!level_value.empty()) {
    reading.unknown_level = level_value;
  }

  const std::string_view format_value = value_of(log_format);
  if (auto parsed = parse_format(format_value)) {
    reading.chosen.format = *parsed;
  } else if (!format_value.empty()) {
    reading.unknown_format = format_value;
  }
  return reading;
}

void apply(const environment_reading& reading) {
  configure(reading.chosen);
  if (!reading.unknown_level.empty()) {
    warn("AWS_LAMBDA_LOG_LEVEL={} is not a log level; using {}", reading.unknown_level,
         level_name(reading.chosen.threshold));
  }
  if (!reading.unknown_format.empty()) {
    warn("AWS_LAMBDA_LOG_FORMAT={} is neither JSON nor Text; using {}", reading.unknown_format,
         reading.chosen.format == format::json ? "JSON" : "Text");
  }
}

int configure_on_first_use() noexcept {
  configure_from_environment();
  return threshold.load(std::memory_order_acquire);
}

}  // namespace detail

void configure_from_environment() {
  std::call_once(detail::environment_read, [] {
    if (detail::threshold.load(std::memory_order_acquire) != detail::unconfigured) return;
    detail::apply(detail::read_environment(std::getenv("AWS_LAMBDA_LOG_LEVEL"),
                                           std::getenv("AWS_LAMBDA_LOG_FORMAT"),
                                           std::getenv("AWS_LAMBDA_INITIALIZATION_TYPE")));
  });
}

void configure(const settings& s) noexcept {
  detail::output_format.store(static_cast<int>(s.format), std::memory_order_relaxed);
  detail::output_fd.store(s.fd, std::memory_order_relaxed);
  // Last, so a thread that sees the new threshold also sees the format and descriptor.
  detail::threshold.store(static_cast<int>(s.threshold), std::memory_order_release);
}

settings current_settings() noexcept {
  int threshold = detail::threshold.load(std::memory_order_acquire);
  if (threshold == detail::unconfigured) threshold = detail::configure_on_first_use();
  settings s;
  s.threshold = static_cast<level>(threshold);
  s.format = static_cast<format>(detail::output_format.load(std::memory_order_relaxed));
  s.fd = detail::output_fd.load(std::memory_order_relaxed);
  return s;
}

}  // namespace lambda::log
