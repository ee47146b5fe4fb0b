// Structured logging that fits Lambda: one record is one stdout line written with one write(2),
// Text or JSON as AWS_LAMBDA_LOG_FORMAT asks, filtered by AWS_LAMBDA_LOG_LEVEL, and tagged with
// the request id of the invocation running on the calling thread.
//
//   #include <lambda/log.hpp>
//
//   void report(int records, double seconds) {
//     lambda::log::info("processed {} records in {} s", records, seconds);
//     lambda::log::error("payment declined").field("orderId", "A-17").field("amount", 1250);
//   }
//
// Formatting: each "{}" in the format takes the next argument (strings, characters, integers,
// bool, floating point). There are no format specs and no escapes. Count mismatches lose
// nothing: a "{}" without an argument is written as "{}", and arguments without a "{}" are
// appended to the message, each after a space.
//
// A record is written when the object the call returns is destroyed, at the end of the full
// expression, so fields chain onto the call. A filtered call returns an empty record at the
// cost of one relaxed atomic load. Logging never throws: a record that cannot get memory is
// dropped. Logging works until the process ends: in global destructors, atexit handlers, after
// exit(), and in thread_local destructors as a thread ends.
//
// JSON records (requestId, tenantId, traceId and ric appear inside an invocation only; fields
// follow the message):
//   {"timestamp":"2025-11-30T08:15:42.137Z","level":"INFO","requestId":"8f5d...","ric":2,"message":"..."}
// Text records: timestamp, request id (empty outside an invocation), level and message, split
// by tabs; '\n' in the message becomes '\r' so that it stays one record; fields follow as one
// JSON object after another tab.
//
// Each thread builds its records in a buffer it reuses (no allocation up to 4 KiB) and writes
// each with one write(2), without locks. A pipe takes a write of up to PIPE_BUF (4096) bytes
// whole, so concurrent records that size never tear; a longer one may be split by the kernel
// and interleaved with other threads' records.
//
// A record takes at most max_record_bytes (64 KiB), its newline included: AWS's emulator stops
// reading stdout at a longer line. A longer record is cut, and says so: its fields are kept, in
// order, up to half the cap (a field that would go past it is left out whole), each invocation
// tag up to 1 KiB, and the message is cut on a whole UTF-8 character and ends with the mark
// "…[truncated N bytes]", N being the bytes of message and fields left out (as they would have
// been written). The record stays valid JSON, or one Text line.
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace lambda::log {

// The longest record written, in bytes, its newline included; see above for how a longer
// one is cut.
inline constexpr std::size_t max_record_bytes = 64 * 1024;

enum class level : int { trace, debug, info, warn, error, fatal };

enum class format { text, json };

struct settings {
  level threshold = level::info;  // records below it are dropped
  log::format format = log::format::text;
  int fd = 1;  // where records are written; tests point it at a pipe
};

// Reads AWS_LAMBDA_LOG_LEVEL (unknown values mean INFO, with one warning record) and
// AWS_LAMBDA_LOG_FORMAT ("JSON" or "Text", any case; unset means Text, or JSON under
// AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances, where the platform expects JSON).
// The runtime calls it at start-up; the first record logged before then calls it too. Only the
// first configuration counts: later calls do nothing, and after configure() they do nothing.
void configure_from_environment();

// Replaces the configuration at once (tests, or output to another descriptor). Call it while
// no other thread logs.
void configure(const settings& s) noexcept;

settings current_settings() noexcept;

namespace detail {
// Below every level until the logger is configured, so the first check configures it.
inline constexpr int unconfigured = -1;
extern std::atomic<int> threshold;
int configure_on_first_use() noexcept;
void append_floating(std::string& out, double value);
struct argument_access;
struct record_buffer;
}  // namespace detail

// Whether a record at `l` would be written. Worth calling before costly work done only to log.
inline bool enabled(level l) noexcept {
  int threshold = detail::threshold.load(std::memory_order_relaxed);
  if (threshold == detail::unconfigured) threshold = detail::configure_on_first_use();
  return static_cast<int>(l) >= threshold;
}

// One value to format into a message or a field: a view of the caller's value, valid for the
// call only.
class argument {
 public:
  argument(std::string_view s) noexcept : kind_(kind::text), text_{s.data(), s.size()} {}
  argument(const std::string& s) noexcept : argument(std::string_view(s)) {}
  argument(const char* s) noexcept : argument(s ? std::string_view(s) : std::string_view("(null)")) {}
  argument(char* s) noexcept : argument(static_cast<const char*>(s)) {}
  argument(char c) noexcept : kind_(kind::character), character_(c) {}
  argument(bool b) noexcept : kind_(kind::boolean), boolean_(b) {}

  template <class T, std::enable_if_t<std::is_integral_v<T> && std::is_signed_v<T>, int> = 0>
  argument(T i) noexcept : kind_(kind::signed_integer), signed_(i) {}

  template <class T, std::enable_if_t<std::is_integral_v<T> && std::is_unsigned_v<T>, int> = 0>
  argument(T u) noexcept : kind_(kind::unsigned_integer), unsigned_(u) {}

  // The formatter travels with the value so that only programs that log floating point link
  // std::to_chars(double) and its tables (about 130 KB in a static binary).
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  argument(T d) noexcept
      : kind_(kind::floating), floating_{static_cast<double>(d), &detail::append_floating} {}

  // Pointers other than C strings would otherwise print as "true".
  template <class T>
  argument(T*) = delete;

 private:
  friend struct detail::argument_access;
  enum class kind : unsigned char { text, character, boolean, signed_integer, unsigned_integer, floating };

  struct text_view {
    const char* data;
    std::size_t size;
  };
  struct floating_value {
    double value;
    void (*append)(std::string&, double);
  };

  kind kind_;
  union {
    text_view text_;
    char character_;
    bool boolean_;
    long long signed_;
    unsigned long long unsigned_;
    floating_value floating_;
  };
};

// One log record being built. It is written as one line when destroyed; a default-constructed
// (filtered) record writes nothing and ignores its fields. Use it on the thread that made it.
// A record kept alive (`auto r = log::info(...)`) while the same thread logs another makes that
// other one allocate a buffer of its own.
class record {
 public:
  record() noexcept = default;
  record(level l, std::string_view format, std::initializer_list<argument> args) noexcept;
  ~record();
  record(const record&) = delete;
  record& operator=(const record&) = delete;

  // Adds a key/value pair: a JSON member in JSON format; in Text format the fields follow the
  // message, after a tab, as one JSON object. Keys are not checked against the record's own
  // keys (timestamp, level, message, ...); avoid those names.
  record& field(std::string_view key, const argument& value) noexcept;

 private:
  detail::record_buffer* buffer_ = nullptr;
};

// A record at a level chosen at run time.
template <class... Args>
record at(level l, std::string_view format, const Args&... args) {
  if (!enabled(l)) return record();
  return record(l, format, {argument(args)...});
}

template <class... Args>
record trace(std::string_view format, const Args&... args) {
  return at(level::trace, format, args...);
}

template <class... Args>
record debug(std::string_view format, const Args&... args) {
  return at(level::debug, format, args...);
}

template <class... Args>
record info(std::string_view format, const Args&... args) {
  return at(level::info, format, args...);
}

template <class... Args>
record warn(std::string_view format, const Args&... args) {
  return at(level::warn, format, args...);
}

template <class... Args>
record error(std::string_view format, const Args&... args) {
  return at(level::error, format, args...);
}

// Logs at FATAL; it does not end the process.
template <class... Args>
record fatal(std::string_view format, const Args&... args) {
  return at(level::fatal, format, args...);
}

}  // namespace lambda::log
