// Answers how many heap allocations the process has made so far, so a test can check that the
// runtime allocates nothing per invocation once warm. The answer fits std::string's small
// buffer and the handler allocates nothing itself. COUNTING_MODE=concurrent uses run_concurrent.
#include <cstdlib>
#include <string>

#include <lambda/runtime.hpp>

#include "../../support/counting_new.hpp"

int main() {
  auto count = [](std::string_view, const lambda::context&) {
    return lambda::response(std::to_string(lambda::test::allocations()));
  };
  const char* mode = std::getenv("COUNTING_MODE");
  if (mode && std::string_view(mode) == "concurrent") return lambda::run_concurrent(count);
  return lambda::run(count);
}
