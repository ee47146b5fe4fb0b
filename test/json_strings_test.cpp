// Strings whose escapes, backslash runs and non-ASCII bytes fall anywhere across the scanners'
// blocks and words: the tokenizer's verdict, a document's walk and unescaping must read them
// as a byte-at-a-time reading would. Inputs end at a guard page.
#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "json/drop_bytes.hpp"
#include "json/string_blocks.hpp"
#include "support/guarded_bytes.hpp"
#include "support/random_source.hpp"

namespace {

namespace json = lambda::json;
using lambda::test::guarded_bytes;
using lambda::test::random_source;

// A piece of a string's JSON text and what it decodes to.
struct piece {
  std::string_view json;
  std::string_view text;
};

constexpr piece pieces[] = {
    {"a", "a"},
    {"xyz", "xyz"},
    {"\\\"", "\""},
    {"\\\\", "\\"},
    {"\\\\\\\"", "\\\""},
    {"\\\\\\\\", "\\\\"},
    {"\\/", "/"},
    {"\\n", "\n"},
    {"\\t", "\t"},
    {"\\u00e9", "\xC3\xA9"},
    {"\\ud83d\\ude00", "\xF0\x9F\x98\x80"},
    {"\xC3\xA0", "\xC3\xA0"},
    {"\xE2\x82\xAC", "\xE2\x82\xAC"},
    {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
};

std::string read_string(json::value v) {
  std::string scratch;
  const json::result<std::string_view> s = v.get_string(scratch);
  EXPECT_TRUE(s.ok());
  return std::string(s.value);
}

TEST(JsonStrings, RandomEscapesAcrossBlocksReadBackExactly) {
  random_source rng(7);
  for (int round = 0; round < 4000; ++round) {
    std::string escaped_text, text;
    for (std::size_t n = rng.below(60); n > 0; --n) {
      const piece& p = rng.pick(pieces);
      escaped_text += p.json;
      text += p.text;
    }
    const std::string in_array = std::string(rng.below(20), ' ') + "[\"" + escaped_text + "\",1]";
    const guarded_bytes array_bytes(in_array);
    const json::document doc(array_bytes.view());
    ASSERT_TRUE(doc) << in_array << ": " << doc.error().reason();
    EXPECT_EQ(read_string(doc.root()[0]), text) << in_array;
    EXPECT_EQ(doc.root()[1].json(), "1") << in_array;

    const guarded_bytes alone("\"" + escaped_text + "\"");
    json::tokenizer reader(alone.view());
    const json::token t = reader.next();
    ASSERT_EQ(t.kind, json::token_kind::string) << escaped_text;
    EXPECT_EQ(t.text, escaped_text);
    EXPECT_EQ(t.escaped, escaped_text.find('\\') != std::string::npos) << escaped_text;
    EXPECT_EQ(reader.next().kind, json::token_kind::end);
    EXPECT_EQ(read_string(json::document(alone.view()).root()), text);

    const guarded_bytes raw(escaped_text);
    std::string out(escaped_text.size(), '\0');
    out.resize(json::unescape(raw.view(), out.data()));
    EXPECT_EQ(out, text) << escaped_text;
  }
}

// Text as encoders write it, \" and \\ and \/ only, is unescaped by dropping backslashes, a
// stretch of 64 bytes at a time; now and then an escape that stands for something else sends its
// stretch down the slower path. Either way, and wherever the escapes fall, the text is the same.
void drop_escapes_that_stand_for_themselves() {
  constexpr piece encoded[] = {{"a", "a"}, {"xyz", "xyz"}, {"\\\"", "\""},  {"\\\\", "\\"},
                               {"\\/", "/"}, {"\\\\\\\"", "\\\""}, {"[}", "[}"}, {"\xC3\xA9", "\xC3\xA9"}};
  constexpr piece others[] = {{"\\n", "\n"}, {"\\u00e9", "\xC3\xA9"}, {"\\ud83d\\ude00", "\xF0\x9F\x98\x80"}};
  random_source rng(17);
  for (int round = 0; round < 3000; ++round) {
    std::string escaped_text, text;
    for (std::size_t n = rng.below(300); n > 0; --n) {
      const piece& p = rng.below(40) == 0 ? rng.pick(others) : rng.pick(encoded);
      escaped_text += p.json;
      text += p.text;
    }
    const guarded_bytes raw(escaped_text);
    std::string out(escaped_text.size(), '\0');
    out.resize(json::unescape(raw.view(), out.data()));
    ASSERT_EQ(out, text) << escaped_text;

    const guarded_bytes alone("[\"" + escaped_text + "\"]");
    const json::document doc(alone.view());
    ASSERT_TRUE(doc) << escaped_text;
    EXPECT_EQ(read_string(doc.root()[0]), text) << escaped_text;
  }
}

TEST(JsonStrings, EscapesThatStandForThemselvesAreDroppedAcrossStretches) { drop_escapes_that_stand_for_themselves(); }

// The same where the CPU has no SSSE3, arm64 among them: a run copied for each escape.
TEST(JsonStrings, EscapesThatStandForThemselvesAreDroppedOneByOne) {
#if defined(__x86_64__)
  struct without_ssse3 {
    bool had = lambda::json::detail::has_ssse3;
    without_ssse3() { lambda::json::detail::has_ssse3 = false; }
    ~without_ssse3() { lambda::json::detail::has_ssse3 = had; }
  } portable;
#endif
  drop_escapes_that_stand_for_themselves();
}

// A random value whose strings hold brackets, quotes and backslash runs, for the container skip.
std::string random_value(random_source& rng, int depth) {
  constexpr std::string_view string_pieces[] = {"a", "[", "]", "{", "}", "\\\"", "\\\\", "\\\\\\\"", ",", ":", "\xC3\xA9"};
  const std::size_t kind = depth == 0 ? rng.below(2) : rng.below(4);
  if (kind == 0) return std::to_string(rng.below(1000));
  if (kind == 1) {
    std::string s = "\"";
    for (std::size_t n = rng.below(40); n > 0; --n) s += rng.pick(string_pieces);
    return s + "\"";
  }
  std::string out(1, kind == 2 ? '[' : '{');
  for (std::size_t n = rng.below(5), i = 0; i < n; ++i) {
    if (i != 0) out += rng.below(2) ? ", " : ",";
    if (kind == 3) out += rng.below(2) ? "\"k\\\"]\": " : "\"k\":";
    out += random_value(rng, depth - 1);
  }
  return out + (kind == 2 ? ']' : '}');
}

// Skipping a container finds its end wherever its brackets, strings and escapes fall across
// stretches, and at the end of the document, whose last bytes are read through a padded copy.
TEST(JsonStrings, ContainersAreSkippedWhereverTheirBracketsFall) {
  random_source rng(23);
  for (int round = 0; round < 3000; ++round) {
    std::string container;
    while (container.size() < 2 || (container.front() != '[' && container.front() != '{')) container = random_value(rng, 4);
    const std::string in_array = "[" + std::string(rng.below(70), ' ') + container + " ,\"after\"]";
    const guarded_bytes array_bytes(in_array);
    const json::document doc(array_bytes.view());
    ASSERT_TRUE(doc) << in_array << ": " << doc.error().reason();
    EXPECT_EQ(doc.root()[0].json(), container);
    EXPECT_EQ(doc.root()[1].json(), "\"after\"");

    const guarded_bytes last_bytes("{\"v\":" + container + "}");
    const json::document last(last_bytes.view());
    ASSERT_TRUE(last);
    EXPECT_EQ(last["v"].json(), container);
  }
}

// An even run of backslashes is that many escaped backslashes; an odd one escapes the quote.
TEST(JsonStrings, BackslashRunsBeforeAQuoteAtEveryOffset) {
  for (std::size_t pad = 0; pad < 100; ++pad) {
    for (std::size_t run = 1; run <= 40; ++run) {
      const std::string body = std::string(pad, 'x') + std::string(run, '\\');
      const std::string in_array = "[\"" + body + "\", \"after\"]";
      const guarded_bytes array_bytes(in_array);
      const json::document doc(array_bytes.view());
      const guarded_bytes alone("\"" + body + "\"");
      const json::document top(alone.view());
      if (run % 2 == 1) {
        EXPECT_EQ(doc.error().code, json::error_code::expected_comma_or_end) << in_array;
        EXPECT_EQ(doc.error().offset, pad + run + 6) << in_array;
        EXPECT_EQ(top.error().code, json::error_code::unexpected_end) << body;
        continue;
      }
      ASSERT_TRUE(doc) << in_array << ": " << doc.error().reason();
      const std::string text = std::string(pad, 'x') + std::string(run / 2, '\\');
      EXPECT_EQ(read_string(doc.root()[0]), text);
      EXPECT_EQ(read_string(doc.root()[1]), "after");
      ASSERT_TRUE(top) << body;
      EXPECT_EQ(read_string(top.root()), text);
    }
  }
}

TEST(JsonStrings, FlawsAreFoundAtTheirOffsetWhereverTheyFall) {
  struct flaw {
    std::string_view bytes;
    json::error_code code;
  };
  const flaw flaws[] = {
      {"\\x", json::error_code::invalid_escape},
      {"\\\xC3\xA9", json::error_code::invalid_escape},
      {"\\\x01", json::error_code::invalid_escape},
      {"\x01", json::error_code::control_character},
      {"\x1F", json::error_code::control_character},
      {"\xC0\x80", json::error_code::invalid_utf8},
      {"\xED\xA0\x80", json::error_code::invalid_utf8},
      {"\xFF", json::error_code::invalid_utf8},
      {"\\u12\\\"", json::error_code::invalid_unicode_escape},
      {"\\udc00", json::error_code::lone_surrogate},
  };
  const std::string_view before[] = {"", "\\\"", "\\\\", "\\\\\\\"", "\xC3\xA0"};
  for (const flaw& f : flaws) {
    for (std::string_view last : before) {
      for (std::size_t pad = 0; pad < 100; ++pad) {
        const std::string prefix = std::string(pad, 'x') + std::string(last);
        const std::string in_array = "[\"" + prefix + std::string(f.bytes) + "tail\\\"\"]";
        const guarded_bytes bytes(in_array);
        const json::document doc(bytes.view());
        EXPECT_EQ(doc.error().code, f.code) << in_array;
        EXPECT_EQ(doc.error().offset, 2 + prefix.size()) << in_array;
      }
    }
  }
}

// What escaped_bytes<Width> must answer, a byte at a time.
std::uint64_t escaped_one_by_one(std::uint64_t backslashes, unsigned width, bool& escaping) {
  std::uint64_t expected = 0;
  for (unsigned i = 0; i < width; ++i) {
    if (escaping) {
      expected |= std::uint64_t{1} << i;
      escaping = false;
    } else {
      escaping = ((backslashes >> i) & 1) != 0;
    }
  }
  return expected;
}

TEST(JsonStrings, EscapedBytesFollowOddBackslashRunsAcrossBlocks) {
  namespace detail = lambda::json::detail;
  for (std::uint64_t carry_in = 0; carry_in < 2; ++carry_in) {
    for (std::uint64_t backslashes = 0; backslashes < (std::uint64_t{1} << detail::block_size); ++backslashes) {
      bool escaping = carry_in != 0;
      const std::uint64_t expected = escaped_one_by_one(backslashes, detail::block_size, escaping);
      std::uint64_t carry = carry_in;
      ASSERT_EQ(detail::escaped_bytes<detail::block_size>(backslashes, carry), expected) << backslashes;
      ASSERT_EQ(carry, escaping ? 1u : 0u) << backslashes;
    }
  }
}

// Stretches: random backslashes, dense and sparse, and runs that reach the last bit.
TEST(JsonStrings, EscapedBytesFollowOddBackslashRunsAcrossStretches) {
  namespace detail = lambda::json::detail;
  random_source rng(13);
  for (int round = 0; round < 200000; ++round) {
    std::uint64_t backslashes = 0;
    const std::size_t density = 1 + rng.below(8);
    for (unsigned i = 0; i < detail::stretch_size; ++i) {
      if (rng.below(8) < density) backslashes |= std::uint64_t{1} << i;
    }
    if (rng.below(4) == 0) backslashes |= ~std::uint64_t{0} << rng.below(64);
    const std::uint64_t carry_in = rng.below(2);
    bool escaping = carry_in != 0;
    const std::uint64_t expected = escaped_one_by_one(backslashes, detail::stretch_size, escaping);
    std::uint64_t carry = carry_in;
    ASSERT_EQ(detail::escaped_bytes<detail::stretch_size>(backslashes, carry), expected) << backslashes;
    ASSERT_EQ(carry, escaping ? 1u : 0u) << backslashes;
  }
}

#if defined(__SSE2__)
TEST(JsonStrings, SwarAndSse2BlocksAgree) {
  namespace detail = lambda::json::detail;
  random_source rng(11);
  const char interesting[] = {'\\', '"', '\0', '\x1F', ' ', '\x7F', '\x80', '\xFF', 'a', '[', ']', '{', '}', '\xDB', '\xFD'};
  char block[detail::block_size];
  for (int round = 0; round < 100000; ++round) {
    for (char& c : block) c = rng.below(2) ? rng.pick(interesting) : static_cast<char>(rng.below(256));
    const detail::block_bits swar = detail::string_block_swar(block, true);
    const detail::block_bits sse2 = detail::string_block_sse2(block, true);
    ASSERT_EQ(swar.backslashes, sse2.backslashes);
    ASSERT_EQ(swar.quotes, sse2.quotes);
    ASSERT_EQ(swar.others, sse2.others);
    const detail::bracket_bits swar_brackets = detail::bracket_block_swar(block);
    const detail::bracket_bits sse2_brackets = detail::bracket_block_sse2(block);
    ASSERT_EQ(swar_brackets.opens, sse2_brackets.opens);
    ASSERT_EQ(swar_brackets.closes, sse2_brackets.closes);
  }
}
#endif

// Both ways of dropping bytes from a stretch keep exactly the others, in order, whatever the mask
// (from none to all); the SSSE3 one where this CPU has it, as the unescape fast path uses it.
TEST(JsonStrings, DroppedBytesLeaveTheOthersInOrder) {
  namespace detail = lambda::json::detail;
  random_source rng(29);
  char stretch[2 * detail::stretch_size];
  for (int round = 0; round < 20000; ++round) {
    for (char& c : stretch) c = static_cast<char>(rng.below(256));
    std::uint64_t drops = 0;
    const std::size_t density = rng.below(65);
    for (unsigned i = 0; i < detail::stretch_size; ++i) drops |= std::uint64_t{rng.below(64) < density} << i;
    std::string kept;
    for (unsigned i = 0; i < detail::stretch_size; ++i) {
      if (((drops >> i) & 1) == 0) kept += stretch[i];
    }
    char out[2 * detail::stretch_size];
    const char* end = detail::drop_bytes_one_by_one(stretch, drops, out);
    ASSERT_EQ(std::string(out, static_cast<std::size_t>(end - out)), kept);
#if defined(__x86_64__)
    if (detail::has_ssse3) {
      end = detail::drop_bytes_ssse3(stretch, drops, out);
      ASSERT_EQ(std::string(out, static_cast<std::size_t>(end - out)), kept);
    }
#endif
  }
}

TEST(JsonStrings, ValuesFoundByLookupReadAsTheirWholeText) {
  const std::string text = "  {\"a\" : [1, {\"b\": \"x\\\"]}\"}, -2.5e3 ] , \"n\":null,\"c\" :\"\\\\\"  , \"t\":true}\n ";
  const json::document doc(text);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc.root().json(), text.substr(2, text.size() - 4));
  EXPECT_EQ(doc["a"].json(), "[1, {\"b\": \"x\\\"]}\"}, -2.5e3 ]");
  EXPECT_EQ(doc["a"][1].json(), "{\"b\": \"x\\\"]}\"}");
  EXPECT_EQ(doc["a"][1]["b"].json(), "\"x\\\"]}\"");
  EXPECT_EQ(doc["a"][2].get_double().value, -2500);
  EXPECT_EQ(doc["a"].size(), 3u);
  EXPECT_TRUE(doc["n"].is_null());
  EXPECT_EQ(doc["n"].json(), "null");
  EXPECT_EQ(doc["c"].json(), "\"\\\\\"");
  EXPECT_TRUE(doc["t"].get_bool().value);
  EXPECT_FALSE(doc["missing"]);
  EXPECT_EQ(doc.at("/a/1/b").json(), "\"x\\\"]}\"");
}

}  // namespace
