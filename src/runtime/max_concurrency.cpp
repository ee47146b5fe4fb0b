#include "runtime/max_concurrency.hpp"

#include <charconv>
#include <cstdint>

namespace lambda::detail {

concurrency_setting parse_max_concurrency(const char* value) {
  if (value == nullptr || *value == '\0') return {};
  const std::string_view text(value);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string quoted = "AWS_LAMBDA_MAX_CONCURRENCY=\"" + std::string(text) + "\"";
  if (end != text.data() + text.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return {1, quoted + " is not a number; running 1 RIC"};
  }
  if (ec == std::errc() && n < 1) return {1, quoted + " is below 1; running 1 RIC"};
  if (ec == std::errc::result_out_of_range || n > max_rics) {
    return {max_rics, quoted + " is above the platform's maximum; running " + std::to_string(max_rics) + " RICs"};
  }
  return {static_cast<unsigned>(n), {}};
}

}  // namespace lambda::detail
