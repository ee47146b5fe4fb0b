// The environment a bootstrap finds on Lambda, rebuilt for a local run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli_options.hpp"

namespace lambda::emulator {

// `inherited` ("NAME=value" strings, e.g. from environ) passes through, so the function can
// use the caller's credentials and region, except the variables the platform owns: those are
// set from `options` (AWS_LAMBDA_MAX_CONCURRENCY only on Managed Instances).
std::vector<std::string> lambda_environment(const cli_options& options, std::string_view runtime_api,
                                            const std::vector<std::string>& inherited);

}  // namespace lambda::emulator
