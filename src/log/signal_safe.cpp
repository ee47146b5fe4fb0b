#include "log/signal_safe.hpp"

#include <unistd.h>

#include <chrono>

#include "log/format.hpp"
#include "log/settings.hpp"

namespace lambda::log::detail {
namespace {

// A record built in place on the stack; what does not fit is dropped.
class fixed_line {
 public:
  void append(std::string_view text) noexcept {
    for (char c : text) push(c);
  }
  void push(char c) noexcept {
    if (size_ < limit_) text_[size_++] = c;
  }
  // A JSON string's contents: quotes, backslashes and control characters escaped.
  void append_escaped(std::string_view text) noexcept {
    for (char c : text) {
      if (c == '"' || c == '\\') {
        if (!room(2)) return;
        push('\\');
        push(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        if (!room(6)) return;
        append("\\u00");
        push("0123456789abcdef"[(c >> 4) & 0xf]);
        push("0123456789abcdef"[c & 0xf]);
      } else {
        push(c);
      }
    }
  }
  // Room for the closing characters is kept back, so a cut record still ends well-formed
  // (escapes are never cut in two).
  void reserve_tail(std::size_t bytes) noexcept { limit_ = sizeof text_ - bytes; }
  void finish(std::string_view tail) noexcept {
    limit_ = sizeof text_;
    append(tail);
  }
  bool room(std::size_t bytes) const noexcept { return limit_ - size_ >= bytes; }
  const char* data() const noexcept { return text_; }
  std::size_t size() const noexcept { return size_; }

 private:
  char text_[1280];
  std::size_t size_ = 0;
  std::size_t limit_ = sizeof text_;
};

void append_timestamp(fixed_line& line) noexcept {
  char text[timestamp_size];
  format_timestamp(text, std::chrono::system_clock::now());  // clock_gettime: async-signal-safe
  line.append({text, sizeof text});
}

}  // namespace

void write_signal_safe(level l, std::string_view message) noexcept {
  // The settings are atomics: reading them is safe here. Before any configuration, Text to stdout.
  const int threshold_now = threshold.load(std::memory_order_acquire);
  if (threshold_now != unconfigured && static_cast<int>(l) < threshold_now) return;
  const bool json = threshold_now != unconfigured && current_settings().format == format::json;
  const int fd = threshold_now != unconfigured ? current_settings().fd : 1;

  fixed_line line;
  if (json) {
    line.append("{\"timestamp\":\"");
    append_timestamp(line);
    line.append("\",\"level\":\"");
    line.append(level_name(l));
    line.append("\",\"message\":\"");
    line.reserve_tail(3);
    line.append_escaped(message);
    line.finish("\"}\n");
  } else {
    append_timestamp(line);
    line.append("\t\t");
    line.append(level_name(l));
    line.push('\t');
    line.reserve_tail(1);
    for (char c : message) line.push(c == '\n' ? '\r' : c);
    line.finish("\n");
  }
  const char* at = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, at, left);
    if (written < 0) return;  // EINTR included: a signal handler must not spin
    at += written;
    left -= static_cast<std::size_t>(written);
  }
}

}  // namespace lambda::log::detail
