#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace {

using lambda::json::error_code;
using lambda::json::is_valid;
using lambda::json::parse_error;
using lambda::json::token;
using lambda::json::token_kind;
using lambda::json::tokenizer;
using lambda::test::guarded_bytes;

// A token with its text copied, to outlive the buffer it was read from.
struct seen_token {
  token_kind kind;
  bool escaped;
  std::string text;
  std::size_t offset;
  bool operator==(const seen_token& o) const {
    return kind == o.kind && escaped == o.escaped && text == o.text && offset == o.offset;
  }
};

std::ostream& operator<<(std::ostream& os, const seen_token& t) {
  return os << "{kind " << static_cast<int>(t.kind) << ", escaped " << t.escaped << ", \""
            << t.text << "\" at " << t.offset << "}";
}

struct run {
  std::vector<seen_token> tokens;
  bool valid = false;
  parse_error error;
};

// Pulls tokens until need_more, end or error; true once the run is over.
bool pull(tokenizer& reader, run& r) {
  for (;;) {
    const token t = reader.next();
    if (t.kind == token_kind::need_more) return false;
    if (t.kind == token_kind::end) {
      r.valid = true;
      r.error = reader.error();
      return true;
    }
    if (t.kind == token_kind::error) {
      r.error = reader.error();
      return true;
    }
    r.tokens.push_back({t.kind, t.escaped, std::string(t.text), t.offset});
  }
}

run read_whole(std::string_view json) {
  guarded_bytes input(json);
  tokenizer reader(input.view());
  run r;
  EXPECT_TRUE(pull(reader, r)) << "need_more from a finished document";
  return r;
}

// Each step hands the tokenizer a fresh copy one byte longer, ending at a guard page: a read
// past what was fed faults, and a pointer kept into an old buffer is caught by ASan.
run read_byte_by_byte(std::string_view json) {
  tokenizer reader;
  run r;
  for (std::size_t n = 0; n <= json.size(); ++n) {
    const auto input = std::make_unique<guarded_bytes>(json.substr(0, n));
    reader.feed(input->view());
    if (n == json.size()) reader.finish();
    if (pull(reader, r)) {
      if (r.valid) {
        EXPECT_EQ(n, json.size()) << "valid before the input was finished";
      }
      return r;
    }
  }
  ADD_FAILURE() << "need_more after finish()";
  return r;
}

run check_both_ways(std::string_view json) {
  const run whole = read_whole(json);
  const run bytewise = read_byte_by_byte(json);
  EXPECT_EQ(whole.valid, bytewise.valid);
  EXPECT_EQ(whole.tokens, bytewise.tokens);
  EXPECT_EQ(whole.error.code, bytewise.error.code);
  EXPECT_EQ(whole.error.offset, bytewise.error.offset);
  guarded_bytes input(json);
  EXPECT_EQ(is_valid(input.view()), whole.valid);
  return whole;
}

struct rfc_case {
  std::string json;
  error_code expected;  // none: accepted
  std::size_t offset = 0;  // of the error
};

std::ostream& operator<<(std::ostream& os, const rfc_case& c) {
  os << "input \"";
  for (const char ch : c.json) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte >= 0x7F) {
      const char* hex = "0123456789ABCDEF";
      os << "\\x" << hex[byte >> 4] << hex[byte & 0xF];
    } else {
      os << ch;
    }
  }
  return os << "\"";
}

class RfcCase : public testing::TestWithParam<rfc_case> {};

TEST_P(RfcCase, SameVerdictWholeAndByteByByte) {
  const rfc_case& c = GetParam();
  const run r = check_both_ways(c.json);
  if (c.expected == error_code::none) {
    EXPECT_TRUE(r.valid) << r.error.reason() << " at " << r.error.offset;
    EXPECT_EQ(r.error.code, error_code::none);
  } else {
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.error.code, c.expected) << "got: " << r.error.reason();
    EXPECT_EQ(r.error.offset, c.offset);
    EXPECT_STRNE(r.error.reason(), "");
  }
}

const error_code ok = error_code::none;

// RFC 8259 section 2: the grammar, whitespace and one value per text.
INSTANTIATE_TEST_SUITE_P(Structure, RfcCase, testing::Values(
    rfc_case{"[]", ok}, rfc_case{"{}", ok}, rfc_case{"[1,2,3]", ok},
    rfc_case{R"({"a":1})", ok}, rfc_case{R"({"a":1,"b":[true,false,null]})", ok},
    rfc_case{"[[[]]]", ok}, rfc_case{"[{}]", ok}, rfc_case{R"({"":0})", ok},
    rfc_case{R"({"a":{"b":{"c":[]}}})", ok}, rfc_case{" [ 1 , 2 ] ", ok},
    rfc_case{"{ \"a\" : 1 }", ok}, rfc_case{"\t\n\r [\t\n\r 1\t\n\r ]\t\n\r ", ok},
    rfc_case{R"({"a":1,"a":2})", ok},  // names SHOULD be unique; parsers accept duplicates
    rfc_case{R"([ "a" , {"b" : [ ] } ])", ok}, rfc_case{"[[],[[]],{}]", ok},
    rfc_case{"", error_code::empty_document, 0}, rfc_case{" ", error_code::empty_document, 1},
    rfc_case{"\n\t\r ", error_code::empty_document, 4},
    rfc_case{"[", error_code::unexpected_end, 1}, rfc_case{"{", error_code::unexpected_end, 1},
    rfc_case{"]", error_code::expected_value, 0}, rfc_case{"}", error_code::expected_value, 0},
    rfc_case{"[1,]", error_code::trailing_comma, 3},
    rfc_case{R"({"a":1,})", error_code::trailing_comma, 7},
    rfc_case{"[1 2]", error_code::expected_comma_or_end, 3},
    rfc_case{R"({"a" 1})", error_code::expected_colon, 5},
    rfc_case{R"({"a":1 "b":2})", error_code::expected_comma_or_end, 7},
    rfc_case{"{a:1}", error_code::expected_key, 1},
    rfc_case{"{'a':1}", error_code::expected_key, 1},
    rfc_case{"['a']", error_code::expected_value, 1},
    rfc_case{"{1:1}", error_code::expected_key, 1},
    rfc_case{"{null:1}", error_code::expected_key, 1},
    rfc_case{R"({"a"})", error_code::expected_colon, 4},
    rfc_case{R"({"a":})", error_code::expected_value, 5},
    rfc_case{"[,]", error_code::expected_value, 1}, rfc_case{"[,1]", error_code::expected_value, 1},
    rfc_case{"{,}", error_code::expected_key, 1},
    rfc_case{"[1,,2]", error_code::expected_value, 3},
    rfc_case{"[1:2]", error_code::expected_comma_or_end, 2},
    rfc_case{R"({"a",1})", error_code::expected_colon, 4},
    rfc_case{R"({"a"::1})", error_code::expected_value, 5},
    rfc_case{"[}", error_code::expected_value, 1}, rfc_case{"{]", error_code::expected_key, 1},
    rfc_case{"[1}", error_code::expected_comma_or_end, 2},
    rfc_case{R"({"a":1])", error_code::expected_comma_or_end, 6},
    rfc_case{"[[]", error_code::unexpected_end, 3},
    rfc_case{"[]]", error_code::trailing_characters, 2},
    rfc_case{"1 2", error_code::trailing_characters, 2},
    rfc_case{"{} {}", error_code::trailing_characters, 3},
    rfc_case{"[] x", error_code::trailing_characters, 3},
    rfc_case{R"("a" "b")", error_code::trailing_characters, 4},
    rfc_case{R"({"a":1}})", error_code::trailing_characters, 7},
    rfc_case{"/* c */ 1", error_code::expected_value, 0},
    rfc_case{"1 // c", error_code::trailing_characters, 2},
    rfc_case{"# c\n1", error_code::expected_value, 0},
    rfc_case{"[1]/**/", error_code::trailing_characters, 3},
    rfc_case{"\f[]", error_code::expected_value, 0},      // form feed is not JSON whitespace
    rfc_case{"[\v]", error_code::expected_value, 1},      // nor is vertical tab
    rfc_case{"[\xC2\xA0]", error_code::expected_value, 1},  // nor U+00A0
    rfc_case{"\xEF\xBB\xBF{}", error_code::expected_value, 0},  // RFC 8259 8.1: no BOM
    rfc_case{"{\"a\":[1,{\"b\":[2,", error_code::unexpected_end, 16},
    rfc_case{"[1,", error_code::unexpected_end, 3},
    rfc_case{R"({"a")", error_code::unexpected_end, 4},
    rfc_case{R"({"a":)", error_code::unexpected_end, 5}));

// RFC 8259 section 6: numbers.
INSTANTIATE_TEST_SUITE_P(Numbers, RfcCase, testing::Values(
    rfc_case{"0", ok}, rfc_case{"-0", ok}, rfc_case{"1", ok}, rfc_case{"-1", ok},
    rfc_case{"123", ok}, rfc_case{"0.5", ok}, rfc_case{"-0.5", ok}, rfc_case{"1e5", ok},
    rfc_case{"1E5", ok}, rfc_case{"1e+5", ok}, rfc_case{"1e-5", ok}, rfc_case{"0e0", ok},
    rfc_case{"1.5e10", ok}, rfc_case{"-1.25E-3", ok}, rfc_case{"9007199254740993", ok},
    rfc_case{"1e400", ok},  // syntax only: range is the reader's business
    rfc_case{"123456789012345678901234567890", ok}, rfc_case{"[0,-0,0.0,-0.0e-0]", ok},
    rfc_case{"01", error_code::leading_zero, 1}, rfc_case{"-01", error_code::leading_zero, 2},
    rfc_case{"00", error_code::leading_zero, 1}, rfc_case{"[01]", error_code::leading_zero, 2},
    rfc_case{"+1", error_code::expected_value, 0}, rfc_case{".5", error_code::expected_value, 0},
    rfc_case{"[.1]", error_code::expected_value, 1},
    rfc_case{"1.", error_code::unexpected_end, 2}, rfc_case{"[1.]", error_code::invalid_number, 3},
    rfc_case{"1.e5", error_code::invalid_number, 2},
    rfc_case{"2.e3", error_code::invalid_number, 2},
    rfc_case{"1e", error_code::unexpected_end, 2}, rfc_case{"[1e]", error_code::invalid_number, 3},
    rfc_case{"1e+", error_code::unexpected_end, 3}, rfc_case{"1E-", error_code::unexpected_end, 3},
    rfc_case{"[1e+]", error_code::invalid_number, 4},
    rfc_case{"1.5e", error_code::unexpected_end, 4}, rfc_case{"-", error_code::unexpected_end, 1},
    rfc_case{"[-]", error_code::invalid_number, 2}, rfc_case{"--1", error_code::invalid_number, 1},
    rfc_case{"- 1", error_code::invalid_number, 1}, rfc_case{"-.5", error_code::invalid_number, 1},
    rfc_case{"0x10", error_code::trailing_characters, 1},
    rfc_case{"1e5.5", error_code::trailing_characters, 3},
    rfc_case{"1.5.3", error_code::trailing_characters, 3},
    rfc_case{"NaN", error_code::expected_value, 0},
    rfc_case{"Infinity", error_code::expected_value, 0},
    rfc_case{"-Infinity", error_code::invalid_number, 1},
    rfc_case{"[1,NaN]", error_code::expected_value, 3},
    rfc_case{"1_000", error_code::trailing_characters, 1}));

// RFC 8259 section 3: the three literals, lowercase, exactly.
INSTANTIATE_TEST_SUITE_P(Literals, RfcCase, testing::Values(
    rfc_case{"true", ok}, rfc_case{"false", ok}, rfc_case{"null", ok},
    rfc_case{"[true,false,null]", ok},
    rfc_case{"tru", error_code::unexpected_end, 3}, rfc_case{"fals", error_code::unexpected_end, 4},
    rfc_case{"nul", error_code::unexpected_end, 3},
    rfc_case{"True", error_code::expected_value, 0},
    rfc_case{"NULL", error_code::expected_value, 0},
    rfc_case{"truth", error_code::invalid_literal, 3},
    rfc_case{"nulll", error_code::trailing_characters, 4},
    rfc_case{"falsee", error_code::trailing_characters, 5},
    rfc_case{"[t]", error_code::invalid_literal, 2},
    rfc_case{"[nil]", error_code::invalid_literal, 2},
    rfc_case{"undefined", error_code::expected_value, 0}));

// RFC 8259 section 7: strings and escapes.
INSTANTIATE_TEST_SUITE_P(Strings, RfcCase, testing::Values(
    rfc_case{R"("")", ok}, rfc_case{R"("a")", ok}, rfc_case{R"("\"\\\/\b\f\n\r\t")", ok},
    rfc_case{R"("\u0000")", ok}, rfc_case{R"("\u00e9\u00E9")", ok},
    rfc_case{R"("\uD83D\uDE00")", ok},
    rfc_case{R"("\ud83d\ude00")", ok}, rfc_case{R"("\uDBFF\uDFFF")", ok},
    rfc_case{R"("\uD800\uDC00")", ok}, rfc_case{R"("\uFFFF")", ok}, rfc_case{R"("\uFDD0")", ok},
    rfc_case{R"("\u20AC and \uabcd")", ok}, rfc_case{R"("0123456789abcdef\"0123456789")", ok},
    rfc_case{R"("1234567\\12345678\"")", ok}, rfc_case{"\"tab\\tstop\"", ok},
    rfc_case{R"("/ is fine, \/ too")", ok}, rfc_case{R"(["a\\","b"])", ok},
    rfc_case{"\"abc", error_code::unexpected_end, 4}, rfc_case{"\"", error_code::unexpected_end, 1},
    rfc_case{"[\"abcdefghijklmnop", error_code::unexpected_end, 18},
    rfc_case{std::string("\"\0\"", 3), error_code::control_character, 1},
    rfc_case{"\"\x01\"", error_code::control_character, 1},
    rfc_case{"\"abcdefgh\x1F\"", error_code::control_character, 9},
    rfc_case{"\"\t\"", error_code::control_character, 1},
    rfc_case{"\"line\nbreak\"", error_code::control_character, 5},
    rfc_case{"\"\r\"", error_code::control_character, 1},
    rfc_case{R"("\x")", error_code::invalid_escape, 1},
    rfc_case{R"("\a")", error_code::invalid_escape, 1},
    rfc_case{R"("\'")", error_code::invalid_escape, 1},
    rfc_case{R"("\0")", error_code::invalid_escape, 1},
    rfc_case{R"("\U0041")", error_code::invalid_escape, 1},
    rfc_case{R"("\ ")", error_code::invalid_escape, 1},
    rfc_case{"\"\\\xC3\xA9\"", error_code::invalid_escape, 1},
    rfc_case{R"("\u12")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u12G4")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u-123")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u+123")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u 123")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\u0x12")", error_code::invalid_unicode_escape, 1},
    rfc_case{R"("\")", error_code::unexpected_end, 3},
    rfc_case{R"("\)", error_code::unexpected_end, 2},
    rfc_case{R"("\u00)", error_code::unexpected_end, 5},
    rfc_case{"'a'", error_code::expected_value, 0}));

// RFC 8259 section 7 and 8.2: \u escapes of UTF-16 surrogates come in pairs.
INSTANTIATE_TEST_SUITE_P(Surrogates, RfcCase, testing::Values(
    rfc_case{R"("\uD800")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uDBFF")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uDC00")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uDFFF")", error_code::lone_surrogate, 1},
    rfc_case{R"("ab\uD800\u0041")", error_code::lone_surrogate, 3},
    rfc_case{R"("\uD800\uD800")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uDC00\uD800")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uD800x")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uD800\n")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uD800\uE000")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uD800\uDBFF")", error_code::lone_surrogate, 1},
    rfc_case{R"("\uD800\uZZZZ")", error_code::invalid_unicode_escape, 7},
    rfc_case{R"("\uD800\u)", error_code::unexpected_end, 9},
    rfc_case{R"("\uD800)", error_code::unexpected_end, 7}));

// RFC 3629 section 4 (and Unicode table 3-7): well-formed UTF-8 only.
INSTANTIATE_TEST_SUITE_P(Utf8, RfcCase, testing::Values(
    rfc_case{"\"caf\xC3\xA9\"", ok}, rfc_case{"\"\xE2\x82\xAC\"", ok},
    rfc_case{"\"\xF0\x9F\x98\x80\"", ok}, rfc_case{"\"\xF4\x8F\xBF\xBF\"", ok},  // U+10FFFF
    rfc_case{"\"\xEF\xBF\xBF\"", ok}, rfc_case{"\"\xED\x9F\xBF\"", ok},  // U+FFFF, U+D7FF
    rfc_case{"\"\xEE\x80\x80\"", ok}, rfc_case{"\"\xC2\x80\xDF\xBF\"", ok},         // U+E000
    rfc_case{"\"\xE0\xA0\x80\"", ok}, rfc_case{"\"\xF0\x90\x80\x80\"", ok},  // U+0800, U+10000
    rfc_case{"\"\x7F\"", ok}, rfc_case{"{\"\xC3\xA9\":\"\xE6\x97\xA5\xE6\x9C\xAC\"}", ok},
    rfc_case{"\"\x80\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xBF\"", error_code::invalid_utf8, 1},
    rfc_case{"\"abcdefg\xC0\x80\"", error_code::invalid_utf8, 8},  // overlong NUL
    rfc_case{"\"\xC1\xBF\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xE0\x80\x80\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xE0\x9F\xBF\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xF0\x80\x80\x80\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xF0\x8F\xBF\xBF\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xED\xA0\x80\"", error_code::invalid_utf8, 1},  // U+D800 encoded
    rfc_case{"\"\xED\xBF\xBF\"", error_code::invalid_utf8, 1},  // U+DFFF encoded
    rfc_case{"\"\xF4\x90\x80\x80\"", error_code::invalid_utf8, 1},  // U+110000
    rfc_case{"\"\xF5\x80\x80\x80\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xF8\x88\x80\x80\x80\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xFF\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xFE\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xC3\"", error_code::invalid_utf8, 1},            // cut short by the quote
    rfc_case{"\"\xE2\x82\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xF0\x9F\x98x\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xC3\xC3\xA9\"", error_code::invalid_utf8, 1},
    rfc_case{"\"\xC3", error_code::unexpected_end, 2},            // cut short by the input
    rfc_case{"\"\xF0\x9F\x98", error_code::unexpected_end, 4},
    rfc_case{"\xC3\xA9", error_code::expected_value, 0}));

std::string nested(std::size_t depth, const std::string& open, const std::string& inner,
                   const std::string& close) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += open;
  s += inner;
  for (std::size_t i = 0; i < depth; ++i) s += close;
  return s;
}

// RFC 8259 section 9: a parser may limit nesting; ours stops at 512 by default.
INSTANTIATE_TEST_SUITE_P(Depth, RfcCase, testing::Values(
    rfc_case{nested(512, "[", "", "]"), ok}, rfc_case{nested(512, "{\"k\":", "1", "}"), ok},
    rfc_case{nested(513, "[", "", "]"), error_code::too_deep, 512},
    rfc_case{nested(513, "{\"a\":", "1", "}"), error_code::too_deep, 512 * 5},
    rfc_case{nested(100000, "[", "", ""), error_code::too_deep, 512}));

// Reads `json` fed in random pieces (each a fresh buffer ending at a guard page).
run read_in_pieces(std::string_view json, std::uint64_t& seed) {
  tokenizer reader;
  run r;
  for (std::size_t fed = 0;;) {
    seed = seed * 6364136223846793005 + 1442695040888963407;
    fed = std::min(json.size(), fed + 1 + static_cast<std::size_t>((seed >> 33) % 9));
    const auto input = std::make_unique<guarded_bytes>(json.substr(0, fed));
    reader.feed(input->view());
    if (fed == json.size()) reader.finish();
    if (pull(reader, r)) return r;
    if (fed == json.size()) {
      ADD_FAILURE() << "need_more after finish()";
      return r;
    }
  }
}

// Random damage to valid documents: whatever the verdict, it is the same fed whole or in
// pieces, and it never reads out of bounds.
TEST(Tokenizer, DamagedDocumentsReadTheSameWholeAndInPieces) {
  const std::string originals[] = {
      R"({"a":[1,-2.5e+3,true,false,null],"b\u00e9\n":"x\"y\\z\uD83D\uDE00","c":{}})",
      "[\"caf\xC3\xA9 \xE6\x9D\xB1 \xF0\x9F\x98\x80\",0,1E-7,[[]],{\"\":\"\"}]",
      R"({"requestContext":{"http":{"method":"POST","path":"/a/b"}},"body":"{\"k\":[1,2]}"})",
  };
  std::uint64_t seed = 12345;
  const auto random_below = [&seed](std::size_t n) {
    seed = seed * 6364136223846793005 + 1442695040888963407;
    return static_cast<std::size_t>((seed >> 33) % n);
  };
  const char interesting[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '.', 'u',
                              'D', '\x80', '\xC3', '\xED', '\xF4', '\x00', '\n', ' ', 't'};
  std::size_t rejected = 0;
  for (int i = 0; i < 600; ++i) {
    std::string json = originals[i % 3];
    for (std::size_t edits = 1 + random_below(3); edits > 0 && !json.empty(); --edits) {
      const std::size_t at = random_below(json.size());
      const char byte = interesting[random_below(sizeof interesting)];
      switch (random_below(4)) {
        case 0: json[at] = byte; break;
        case 1: json.insert(json.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
        case 2: json.erase(at, 1); break;
        default: json.resize(at); break;
      }
    }
    const run whole = read_whole(json);
    const run pieces = read_in_pieces(json, seed);
    EXPECT_EQ(whole.valid, pieces.valid) << json;
    EXPECT_EQ(whole.tokens, pieces.tokens) << json;
    EXPECT_EQ(whole.error.code, pieces.error.code) << json;
    EXPECT_EQ(whole.error.offset, pieces.error.offset) << json;
    EXPECT_EQ(is_valid(json), whole.valid) << json;
    if (!whole.valid) ++rejected;
  }
  EXPECT_GT(rejected, 300u);  // the damage mostly breaks the documents, as it should
}

TEST(Tokenizer, YieldsEveryKindWithItsTextAndOffset) {
  const run r = check_both_ways(R"( {"a":[1,"x\n",true,false,null,{}],"b":-2.5e3} )");
  ASSERT_TRUE(r.valid);
  const std::vector<seen_token> expected = {
      {token_kind::object_begin, false, "{", 1}, {token_kind::key, false, "a", 2},
      {token_kind::array_begin, false, "[", 6},  {token_kind::number, false, "1", 7},
      {token_kind::string, true, "x\\n", 9},     {token_kind::true_value, false, "true", 15},
      {token_kind::false_value, false, "false", 20}, {token_kind::null_value, false, "null", 26},
      {token_kind::object_begin, false, "{", 31}, {token_kind::object_end, false, "}", 32},
      {token_kind::array_end, false, "]", 33},   {token_kind::key, false, "b", 35},
      {token_kind::number, false, "-2.5e3", 39}, {token_kind::object_end, false, "}", 45}};
  EXPECT_EQ(r.tokens, expected);
}

TEST(Tokenizer, TokensAreViewsIntoTheInput) {
  const std::string json = R"(["abc",12,{"k":null}])";
  tokenizer reader(json);
  for (token t = reader.next(); t.kind != token_kind::end; t = reader.next()) {
    ASSERT_NE(t.kind, token_kind::error);
    EXPECT_GE(t.text.data(), json.data());
    EXPECT_LE(t.text.data() + t.text.size(), json.data() + json.size());
  }
}

TEST(Tokenizer, ReportsDepthAsContainersOpenAndClose) {
  tokenizer reader(R"([{"a":[]}])");
  const std::size_t depths[] = {1, 2, 2, 3, 2, 1, 0};
  for (const std::size_t expected : depths) {
    reader.next();
    EXPECT_EQ(reader.depth(), expected);
  }
  EXPECT_EQ(reader.next().kind, token_kind::end);
}

TEST(Tokenizer, EndAndErrorAreSticky) {
  tokenizer good("1");
  EXPECT_EQ(good.next().kind, token_kind::number);
  EXPECT_EQ(good.next().kind, token_kind::end);
  EXPECT_EQ(good.next().kind, token_kind::end);
  tokenizer bad("[1,]");
  bad.next();
  bad.next();
  EXPECT_EQ(bad.next().kind, token_kind::error);
  EXPECT_EQ(bad.next().kind, token_kind::error);
  EXPECT_EQ(bad.error().code, error_code::trailing_comma);
  EXPECT_STREQ(bad.error().reason(), "trailing comma");
}

TEST(Tokenizer, ANumberAtTheEndOfTheInputWaitsForFinish) {
  const std::string json = "[12";
  tokenizer reader;
  reader.feed(std::string_view(json).substr(0, 3));
  EXPECT_EQ(reader.next().kind, token_kind::array_begin);
  EXPECT_EQ(reader.next().kind, token_kind::need_more);
  const std::string more = "[123]";
  reader.feed(more);
  const token number = reader.next();
  EXPECT_EQ(number.kind, token_kind::number);
  EXPECT_EQ(number.text, "123");
  EXPECT_EQ(reader.next().kind, token_kind::array_end);
  EXPECT_EQ(reader.next().kind, token_kind::need_more);  // whitespace or junk may follow
  reader.finish();
  EXPECT_EQ(reader.next().kind, token_kind::end);
}

TEST(Tokenizer, FinishCompletesATopLevelNumber) {
  tokenizer reader;
  reader.feed("-7");
  EXPECT_EQ(reader.next().kind, token_kind::need_more);
  reader.finish();
  EXPECT_EQ(reader.next().text, "-7");
  EXPECT_EQ(reader.next().kind, token_kind::end);
}

TEST(Tokenizer, ResumesAStringCutAnywhereIntoAMovedBuffer) {
  const std::string json = R"(["0123456789\u00e9\uD83D\uDE00abcdefghij\"k", "caf)"
                           "\xC3\xA9\"]";
  const run whole = read_whole(json);
  ASSERT_TRUE(whole.valid);
  for (std::size_t cut = 1; cut < json.size(); ++cut) {
    tokenizer reader;
    run r;
    auto first = std::make_unique<guarded_bytes>(json.substr(0, cut));
    reader.feed(first->view());
    ASSERT_FALSE(pull(reader, r));
    auto second = std::make_unique<guarded_bytes>(json);
    first.reset();  // the old buffer is gone, as when a std::string grows
    reader.feed(second->view());
    reader.finish();
    ASSERT_TRUE(pull(reader, r));
    EXPECT_EQ(r.tokens, whole.tokens) << "cut at " << cut;
  }
}

TEST(Tokenizer, SettableDepthLimit) {
  EXPECT_EQ(check_both_ways("[[1]]").tokens.size(), 5u);
  tokenizer two("[[1]]", 2);
  for (int i = 0; i < 5; ++i) EXPECT_NE(two.next().kind, token_kind::error);
  EXPECT_EQ(two.next().kind, token_kind::end);
  tokenizer also_two("[[[1]]]", 2);
  also_two.next();
  also_two.next();
  EXPECT_EQ(also_two.next().kind, token_kind::error);
  EXPECT_EQ(also_two.error().code, error_code::too_deep);
  EXPECT_EQ(also_two.error().offset, 2u);
  tokenizer scalars_only("[]", 0);
  EXPECT_EQ(scalars_only.next().kind, token_kind::error);
  const std::string deepest_json = nested(lambda::json::max_nesting, "[", "", "]");
  tokenizer deepest(deepest_json, lambda::json::max_nesting);
  token t;
  do {
    t = deepest.next();
  } while (t.kind != token_kind::end && t.kind != token_kind::error);
  EXPECT_EQ(t.kind, token_kind::end);
}

TEST(Tokenizer, RejectsMisuse) {
  EXPECT_THROW(tokenizer(lambda::json::max_nesting + 1), std::invalid_argument);
  tokenizer reader;
  reader.feed("[1,2");
  EXPECT_THROW(reader.feed("[1"), std::logic_error);
  reader.finish();
  EXPECT_THROW(reader.feed("[1,2]"), std::logic_error);
}

TEST(Tokenizer, EveryErrorCodeHasAReason) {
  for (int code = 1; code <= static_cast<int>(error_code::too_deep); ++code) {
    const parse_error e{static_cast<error_code>(code), 0};
    EXPECT_STRNE(e.reason(), "") << code;
  }
  EXPECT_STREQ(parse_error{}.reason(), "");
}

}  // namespace
