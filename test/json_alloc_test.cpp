// Tokenizing, validating and looking up allocate nothing: this binary counts every allocation
// (support/counting_new.hpp).
#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/counting_new.hpp"

namespace {

namespace json = lambda::json;

std::size_t allocations_during(const auto& work) {
  const std::size_t before = lambda::test::allocations();
  work();
  return lambda::test::allocations() - before;
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
  EXPECT_GE(allocations_during([] {
              std::vector<int> v(100);
              asm volatile("" : : "r"(v.data()) : "memory");  // escapes, so the allocation is not elided
            }),
            1u);
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
