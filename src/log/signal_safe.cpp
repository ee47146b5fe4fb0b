#include "log/signal_safe.hpp"

#include <unistd.h>

#include <chrono>

#include "log/format.hpp"
#include "log/settings.hpp"

namespace lambda::log::detail {
namespace {

// A record built in place in a caller's buffer; what does not fit is dropped.
class fixed_line {
 public:
  explicit fixed_line(std::span<char> buffer) noexcept
      : text_(buffer.data()), capacity_(buffer.size()), limit_(buffer.size()) {}

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
  void reserve_tail(std::size_t bytes) noexcept { limit_ = capacity_ - bytes; }
  void finish(std::string_view tail) noexcept {
    limit_ = capacity_;
    append(tail);
  }
  bool room(std::size_t bytes) const noexcept { return limit_ - size_ >= bytes; }
  const char* data() const noexcept { return text_; }
  std::size_t size() const noexcept { return size_; }

 private:
  char* text_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::size_t limit_;
};

void append_number(fixed_line& line, unsigned n) noexcept {
  char digits[12];
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (count > 0) line.push(digits[--count]);
}

void append_timestamp(fixed_line& line) noexcept {
  char text[timestamp_size];
  format_timestamp(text, std::chrono::system_clock::now());  // clock_gettime: async-signal-safe
  line.append({text, sizeof text});
}

}  // namespace

void write_signal_safe(level l, std::string_view message) noexcept {
  char buffer[1280];
  write_signal_safe(l, message, {}, 0, {}, buffer);
}

void write_signal_safe(level l, std::string_view message, std::string_view request_id, unsigned ric,
                       std::string_view fields, std::span<char> buffer) noexcept {
  // The settings are atomics: reading them is safe here. Before any configuration, Text to stdout.
  const int threshold_now = threshold.load(std::memory_order_acquire);
  if (threshold_now != unconfigured && static_cast<int>(l) < threshold_now) return;
  const bool json = threshold_now != unconfigured && current_settings().format == format::json;
  const int fd = threshold_now != unconfigured ? current_settings().fd : 1;

  // Fields that cannot fit whole are left out rather than cut into invalid JSON.
  if (fields.size() + 256 > buffer.size()) fields = {};
  fixed_line line(buffer);
  if (json) {
    line.append("{\"timestamp\":\"");
    append_timestamp(line);
    line.append("\",\"level\":\"");
    line.append(level_name(l));
    line.push('"');
    if (!request_id.empty()) {
      line.append(",\"requestId\":\"");
      line.append_escaped(request_id);
      line.push('"');
    }
    if (ric != 0) {
      line.append(",\"ric\":");
      append_number(line, ric);
    }
    line.append(",\"message\":\"");
    line.reserve_tail(3 + fields.size() + 1);
    line.append_escaped(message);
    line.finish("\"");
    if (!fields.empty()) {
      line.push(',');
      line.append(fields);
    }
    line.append("}\n");
  } else {
    append_timestamp(line);
    line.push('\t');
    for (char c : request_id) line.push(c == '\n' || c == '\t' ? ' ' : c);
    line.push('\t');
    line.append(level_name(l));
    line.push('\t');
    line.reserve_tail(1 + (fields.empty() ? 0 : fields.size() + 3));
    for (char c : message) line.push(c == '\n' ? '\r' : c);
    line.finish(fields.empty() ? "" : "\t{");
    if (!fields.empty()) {
      line.append(fields);
      line.push('}');
    }
    line.push('\n');
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
