#include <lambda/json.hpp>

#include <algorithm>
#include <charconv>

namespace lambda::json {
namespace {

// The same outcome with another type: for a lookup that found no value to convert.
template <class T, class U>
result<T> without_value(const result<U>& r) {
  return {T{}, r.state, r.error};
}

bool is_quoted(std::string_view json) { return !json.empty() && json.front() == '"'; }

std::string_view quoted_text(std::string_view json) { return json.substr(1, json.size() - 2); }

}  // namespace

result<std::int64_t> to_int64(std::string_view number) noexcept {
  const std::string_view digits = number.substr(!number.empty() && number.front() == '-');
  const bool integer_syntax =
      !digits.empty() &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!integer_syntax) return {0, status::wrong_type, {}};
  result<std::int64_t> r;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), r.value);
  if (ec == std::errc::result_out_of_range) return {0, status::out_of_range, {}};
  return r;
}

result<std::int64_t> find_int(std::string_view document, std::string_view pointer) {
  const result<std::string_view> json = find(document, pointer);
  if (!json) return without_value<std::int64_t>(json);
  return to_int64(*json);
}

result<bool> find_bool(std::string_view document, std::string_view pointer) {
  const result<std::string_view> json = find(document, pointer);
  if (!json) return without_value<bool>(json);
  if (*json == "true") return {true, status::ok, {}};
  if (*json == "false") return {false, status::ok, {}};
  return {false, status::wrong_type, {}};
}

result<std::string> find_string(std::string_view document, std::string_view pointer) {
  const result<std::string_view> json = find(document, pointer);
  if (!json) return without_value<std::string>(json);
  if (!is_quoted(*json)) return {{}, status::wrong_type, {}};
  result<std::string> r;
  append_unescaped(r.value, quoted_text(*json));
  return r;
}

result<std::string_view> find_string(std::string_view document, std::string_view pointer,
                                     std::string& scratch) {
  const result<std::string_view> json = find(document, pointer);
  if (!json) return json;
  if (!is_quoted(*json)) return {{}, status::wrong_type, {}};
  const std::string_view text = quoted_text(*json);
  if (text.find('\\') == std::string_view::npos) return {text, status::ok, {}};
  scratch.clear();
  append_unescaped(scratch, text);
  return {scratch, status::ok, {}};
}


result<double> to_double(std::string_view number) noexcept {
  // from_chars also reads "inf" and "nan", which JSON lacks: a JSON number has a digit after
  // its optional sign.
  const std::string_view unsigned_part = number.substr(!number.empty() && number.front() == '-');
  if (unsigned_part.empty() || unsigned_part.front() < '0' || unsigned_part.front() > '9') {
    return {0, status::wrong_type, {}};
  }
  result<double> r;
  const char* const end = number.data() + number.size();
  const auto [stop, ec] = std::from_chars(number.data(), end, r.value);
  if (ec == std::errc::result_out_of_range) return {0, status::out_of_range, {}};
  if (ec != std::errc() || stop != end) return {0, status::wrong_type, {}};
  return r;
}

result<double> find_double(std::string_view document, std::string_view pointer) {
  const result<std::string_view> json = find(document, pointer);
  if (!json) return {0, json.state, json.error};
  return to_double(*json);
}

}  // namespace lambda::json
