// Answers how many heap allocations the process has made so far, so a test can check that the
// runtime allocates nothing per invocation once warm. The answer fits std::string's small
// buffer and the handler allocates nothing itself. COUNTING_MODE=concurrent uses run_concurrent.
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <lambda/runtime.hpp>

namespace {
std::atomic<unsigned long> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

int main() {
  auto count = [](std::string_view, const lambda::context&) {
    return lambda::response(std::to_string(allocations.load(std::memory_order_relaxed)));
  };
  const char* mode = std::getenv("COUNTING_MODE");
  if (mode && std::string_view(mode) == "concurrent") return lambda::run_concurrent(count);
  return lambda::run(count);
}
