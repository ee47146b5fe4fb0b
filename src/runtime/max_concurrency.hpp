// How many RICs to run: AWS_LAMBDA_MAX_CONCURRENCY, read leniently.
#pragma once

#include <string>
#include <string_view>

namespace lambda::detail {

// The platform allows 1..1600; more than that is clamped, so a typo cannot start 10^6 threads.
inline constexpr unsigned max_rics = 1600;

struct concurrency_setting {
  unsigned rics = 1;
  std::string warning;  // non-empty when the value was unusable or clamped
};

// Missing or empty → 1 silently; invalid (not a plain decimal number) or < 1 → 1 with a
// warning; above max_rics → max_rics with a warning.
concurrency_setting parse_max_concurrency(const char* value);

}  // namespace lambda::detail
