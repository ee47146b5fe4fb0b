#include "log/timestamp.hpp"

#include <cstdint>
#include <cstring>

namespace lambda::log::detail {
namespace {

void put_digits(char* at, unsigned value, int count) noexcept {
  for (int i = count - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// The calendar part changes once a second, so each thread keeps the last one it formatted.
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
