// Starting real bootstraps for integration tests: where they are built, and the environment
// Lambda gives them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "../tools/emulator/child_process.hpp"

namespace lambda::test {

using namespace std::chrono_literals;

// Generous bounds that only a hang reaches (sanitizer builds run several times slower).
inline constexpr std::chrono::milliseconds patience = 20s;

// build/examples/<name>/bootstrap, or build/test/functions/<name>/bootstrap for test functions.
inline std::string example(std::string_view name) {
  return std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/" + std::string(name) + "/bootstrap";
}
inline std::string test_function(std::string_view name) {
  return std::string(LAMBDA_TEST_BUILD_DIR) + "/test/functions/" + std::string(name) + "/bootstrap";
}

// Starts `bootstrap` with AWS_LAMBDA_RUNTIME_API=api (unless api is empty) and `env` added.
inline emulator::child_process start_function(const std::string& bootstrap, const std::string& api,
                                              std::vector<std::string> env = {}) {
  if (!api.empty()) env.push_back("AWS_LAMBDA_RUNTIME_API=" + api);
  env.push_back("AWS_LAMBDA_FUNCTION_NAME=test-function");
  return emulator::child_process({.argv = {bootstrap}, .env = std::move(env)});
}

}  // namespace lambda::test
