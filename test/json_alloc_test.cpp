// Tokenizing, validating and looking up allocate nothing: this binary replaces every form of
// the global operator new with a counting one (the library reaches the heap only through it).
#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {

std::atomic<std::size_t> allocations{0};

void* counted_allocation(std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

void* counted_aligned_allocation(std::size_t size, std::align_val_t alignment) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  return std::aligned_alloc(align, (size + align - 1) / align * align);
}

void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return or_throw(counted_allocation(size)); }
void* operator new[](std::size_t size) { return or_throw(counted_allocation(size)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_allocation(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_allocation(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return or_throw(counted_aligned_allocation(size, alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return or_throw(counted_aligned_allocation(size, alignment));
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counted_aligned_allocation(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counted_aligned_allocation(size, alignment);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

namespace json = lambda::json;

std::size_t allocations_during(const auto& work) {
  const std::size_t before = allocations.load();
  work();
  return allocations.load() - before;
}

// About 1 MB of varied JSON: nesting, escapes, UTF-8, numbers, literals.
std::string one_megabyte_document() {
  std::string doc;
  json::writer w(doc);
  w.begin_object().key("records").begin_array();
  for (int i = 0; doc.size() < (1u << 20); ++i) {
    w.begin_object()
        .key("id").value(i)
        .key("price").value(i * 0.25)
        .key("name").value("caf\xC3\xA9 \"q\" \\ \n \xF0\x9F\x98\x80 #" + std::to_string(i))
        .key("flags").begin_array().value(true).value(false).null().end_array()
        .key("nested").begin_object().key("deep").begin_array().value(-i).end_array().end_object()
        .end_object();
  }
  w.end_array().key("last").value("found me").key("count").value(7).end_object();
  return doc;
}

TEST(Allocations, CounterSeesAllocations) {
  EXPECT_GE(allocations_during([] { std::vector<int> v(100); }), 1u);
}

TEST(Allocations, NoneWhileTokenizingValidatingOrLookingUpAMegabyte) {
  const std::string doc = one_megabyte_document();
  ASSERT_GE(doc.size(), 1u << 20);
  std::string scratch;
  scratch.reserve(64);
  std::vector<char> unescaped(doc.size());
  bool valid = false;
  std::size_t tokens = 0;
  std::size_t incremental_tokens = 0;
  std::string_view last;
  std::int64_t count = 0;

  const std::size_t n = allocations_during([&] {
    valid = json::is_valid(doc);

    json::tokenizer whole(doc);
    for (json::token t = whole.next(); t.kind != json::token_kind::end; t = whole.next()) {
      if (t.kind == json::token_kind::error) return;
      if (t.kind == json::token_kind::string) json::unescape(t.text, unescaped.data());
      ++tokens;
    }

    json::tokenizer pieces;
    for (std::size_t fed = 0; fed < doc.size();) {
      fed = std::min(doc.size(), fed + 4096);
      pieces.feed(std::string_view(doc).substr(0, fed));
      if (fed == doc.size()) pieces.finish();
      for (json::token t = pieces.next(); t.kind != json::token_kind::need_more;
           t = pieces.next()) {
        if (t.kind == json::token_kind::end || t.kind == json::token_kind::error) break;
        ++incremental_tokens;
      }
    }

    last = json::find_string(doc, "/last", scratch).value;
    count = json::find_int(doc, "/count").value;
    json::find_bool(doc, "/records/3/flags/0");
    json::find_double(doc, "/records/3/price");
    json::find(doc, "/records/1000/nested/deep/0");
  });

  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(valid);
  EXPECT_GT(tokens, 100000u);
  EXPECT_EQ(incremental_tokens, tokens);
  EXPECT_EQ(last, "found me");
  EXPECT_EQ(count, 7);
}

TEST(Allocations, NoneWhenWritingIntoAStringWithRoom) {
  std::string out;
  out.reserve(4096);
  const std::size_t n = allocations_during([&] {
    json::writer w(out);
    w.begin_object().key("level").value("INFO").key("n").value(42).key("ok").value(true)
        .key("list").begin_array().value(1.5).null().end_array()
        .key("text").value("tab\there \xC3\xA9").end_object();
  });
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(json::is_valid(out));
}

}  // namespace
