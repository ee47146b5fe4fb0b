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

void format_second(second_cache& c, std::chrono::sys_seconds s) noexcept {
  using namespace std::chrono;
  const auto day = floor<days>(s);
  const year_month_day date(day);
  const hh_mm_ss time(s - day);
  put_digits(c.text, static_cast<unsigned>(static_cast<int>(date.year())), 4);
  c.text[4] = '-';
  put_digits(c.text + 5, static_cast<unsigned>(date.month()), 2);
  c.text[7] = '-';
  put_digits(c.text + 8, static_cast<unsigned>(date.day()), 2);
  c.text[10] = 'T';
  put_digits(c.text + 11, static_cast<unsigned>(time.hours().count()), 2);
  c.text[13] = ':';
  put_digits(c.text + 14, static_cast<unsigned>(time.minutes().count()), 2);
  c.text[16] = ':';
  put_digits(c.text + 17, static_cast<unsigned>(time.seconds().count()), 2);
  c.second = s.time_since_epoch().count();
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
  if (s.time_since_epoch().count() != cache.second) format_second(cache, s);
  char text[24];
  std::memcpy(text, cache.text, sizeof cache.text);
  text[19] = '.';
  put_digits(text + 20, static_cast<unsigned>((ms - s).count()), 3);
  text[23] = 'Z';
  out.append(text, 24);
}

}  // namespace lambda::log::detail
