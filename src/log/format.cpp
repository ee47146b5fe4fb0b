#include "log/format.hpp"

#include <lambda/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace lambda::log::detail {
namespace {

template <class Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void put_digits(char* at, unsigned value, int count) noexcept {
  for (int i = count - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// The calendar part changes once a second, so each thread keeps the last one it formatted.
// Trivially destructible, so records logged while the thread or process ends may use it.
struct second_cache {
  std::int64_t second = -1;
  char text[19];  // YYYY-MM-DDTHH:MM:SS
};

thread_local second_cache cache;

// YYYY-MM-DDTHH:MM:SS, the 19 characters of the calendar part.
void put_calendar(char* at, std::chrono::sys_seconds s) noexcept {
  using namespace std::chrono;
  const auto day = floor<days>(s);
  const year_month_day date(day);
  const hh_mm_ss time(s - day);
  put_digits(at, static_cast<unsigned>(static_cast<int>(date.year())), 4);
  at[4] = '-';
  put_digits(at + 5, static_cast<unsigned>(date.month()), 2);
  at[7] = '-';
  put_digits(at + 8, static_cast<unsigned>(date.day()), 2);
  at[10] = 'T';
  put_digits(at + 11, static_cast<unsigned>(time.hours().count()), 2);
  at[13] = ':';
  put_digits(at + 14, static_cast<unsigned>(time.minutes().count()), 2);
  at[16] = ':';
  put_digits(at + 17, static_cast<unsigned>(time.seconds().count()), 2);
}

// .mmmZ, the 5 characters after the calendar part.
void put_fraction(char* at, std::chrono::milliseconds ms) noexcept {
  at[0] = '.';
  put_digits(at + 1, static_cast<unsigned>(ms.count()), 3);
  at[4] = 'Z';
}

}  // namespace

// Reached only through argument's floating-point constructor, so with --gc-sections only
// programs that log floating point keep std::to_chars(double) and its tables.
void append_floating(std::string& out, double value) {
  char digits[32];  // the shortest round-trip form of any double takes at most 24
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void argument_access::append_text(std::string& out, const argument& a) {
  switch (a.kind_) {
    case argument::kind::text: out.append(a.text_.data, a.text_.size); return;
    case argument::kind::character: out += a.character_; return;
    case argument::kind::boolean: out += a.boolean_ ? "true" : "false"; return;
    case argument::kind::signed_integer: append_integer(out, a.signed_); return;
    case argument::kind::unsigned_integer: append_integer(out, a.unsigned_); return;
    case argument::kind::floating: a.floating_.append(out, a.floating_.value); return;
  }
}

void argument_access::append_json(std::string& out, const argument& a) {
  switch (a.kind_) {
    case argument::kind::text:
      json::append_quoted(out, std::string_view(a.text_.data, a.text_.size));
      return;
    case argument::kind::character:
      json::append_quoted(out, std::string_view(&a.character_, 1));
      return;
    case argument::kind::floating:
      if (!std::isfinite(a.floating_.value)) {
        out += '"';
        a.floating_.append(out, a.floating_.value);
        out += '"';
        return;
      }
      break;
    default: break;
  }
  append_text(out, a);
}

void append_message(std::string& out, std::string_view format, std::initializer_list<argument> args) {
  const argument* next = args.begin();
  while (next != args.end()) {
    const auto placeholder = format.find("{}");
    if (placeholder == std::string_view::npos) break;
    out.append(format.data(), placeholder);
    argument_access::append_text(out, *next++);
    format.remove_prefix(placeholder + 2);
  }
  out.append(format.data(), format.size());
  for (; next != args.end(); ++next) {
    out += ' ';
    argument_access::append_text(out, *next);
  }
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto s = floor<seconds>(ms);
  if (s.time_since_epoch().count() != cache.second) {
    put_calendar(cache.text, s);
    cache.second = s.time_since_epoch().count();
  }
  char text[timestamp_size];
  std::memcpy(text, cache.text, sizeof cache.text);
  put_fraction(text + 19, ms - s);
  out.append(text, sizeof text);
}

void format_timestamp(char (&out)[timestamp_size], std::chrono::system_clock::time_point t) noexcept {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto s = floor<seconds>(ms);
  put_calendar(out, s);
  put_fraction(out + 19, ms - s);
}

}  // namespace lambda::log::detail
