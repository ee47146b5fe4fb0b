// Counts heap allocations: replaces every form of the global operator new and delete with ones
// that count, then use malloc. The library reaches the heap only through them, so the count is
// how tests and benchmarks prove a path allocates nothing.
//
// Include it in exactly ONE file of a program: its definitions are the program's replacements.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace lambda::test {

inline std::atomic<std::size_t> allocation_count{0};

// Allocations the whole process has made so far.
inline std::size_t allocations() noexcept { return allocation_count.load(std::memory_order_relaxed); }

namespace counting_new {

inline void* counted(std::size_t size) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

inline void* counted_aligned(std::size_t size, std::align_val_t alignment) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  return std::aligned_alloc(align, (size + align - 1) / align * align);
}

inline void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace counting_new
}  // namespace lambda::test

// Not inlined: GCC would see malloc() and free() meet new and delete and warn of a mismatch.
// Clang may then elide a new/delete pair whose memory never escapes, as the standard allows.
[[gnu::noinline]] void* operator new(std::size_t size) {
  return lambda::test::counting_new::or_throw(lambda::test::counting_new::counted(size));
}
[[gnu::noinline]] void* operator new[](std::size_t size) {
  return lambda::test::counting_new::or_throw(lambda::test::counting_new::counted(size));
}
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return lambda::test::counting_new::counted(size);
}
[[gnu::noinline]] void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return lambda::test::counting_new::counted(size);
}
[[gnu::noinline]] void* operator new(std::size_t size, std::align_val_t alignment) {
  return lambda::test::counting_new::or_throw(lambda::test::counting_new::counted_aligned(size, alignment));
}
[[gnu::noinline]] void* operator new[](std::size_t size, std::align_val_t alignment) {
  return lambda::test::counting_new::or_throw(lambda::test::counting_new::counted_aligned(size, alignment));
}
[[gnu::noinline]] void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return lambda::test::counting_new::counted_aligned(size, alignment);
}
[[gnu::noinline]] void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return lambda::test::counting_new::counted_aligned(size, alignment);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
