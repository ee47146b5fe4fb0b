// Apart from the other readers so that only binaries that read a double link the tables
// behind std::from_chars(double).
#include <lambda/json.hpp>

#include <charconv>

namespace lambda::json {

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
