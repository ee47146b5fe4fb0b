// Writer → tokenizer round trips over generated documents: what the writer was given is what
// the tokenizer and the lookups give back.
#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "support/guarded_bytes.hpp"
#include "support/random_source.hpp"

namespace {

namespace json = lambda::json;
using json::token;
using json::token_kind;
using lambda::test::guarded_bytes;

using lambda::test::random_source;

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Valid UTF-8 heavy in what needs care: every control character, quotes, backslashes, the
// edges of each UTF-8 length, astral code points, and runs long enough for the 8-byte scan.
std::string random_text(random_source& rng) {
  const char32_t edges[] = {0x7F,   0x80,    0x7FF,   0x800,   0xD7FF,  0xE000,  0xFFFD,
                            0xFFFF, 0x10000, 0x1F600, 0x10FFFF, 0xE9,   0x20AC,  0x6771};
  std::string s;
  const std::size_t length = rng.below(40);
  for (std::size_t i = 0; i < length; ++i) {
    switch (rng.below(6)) {
      case 0: append_utf8(s, static_cast<char32_t>(rng.below(0x20))); break;
      case 1: s += "\"\\/"[rng.below(3)]; break;
      case 2: append_utf8(s, edges[rng.below(std::size(edges))]); break;
      case 3: s += "plain text run "; break;
      default: s += static_cast<char>('a' + rng.below(26)); break;
    }
  }
  return s;
}

std::string pointer_escaped(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// What the tokenizer should give back for one token, and, for scalars, where lookups find it.
struct expected_token {
  token_kind kind;
  std::string text;  // decoded string, or the integer's digits
  double number = 0;
  bool is_double = false;
  std::string pointer;
};

class generator {
 public:
  generator(std::uint64_t seed, std::string& out) : rng_(seed), w_(out) {}

  // A container at the top, so that every document has some structure to it.
  std::vector<expected_token> document() {
    if (rng_.below(2) == 0) {
      object("", 0);
    } else {
      array("", 0);
    }
    return expected_;
  }

 private:
  void value(const std::string& pointer, int depth) {
    const std::size_t choice = rng_.below(depth > 5 ? 6 : 8);
    switch (choice) {
      case 0: scalar_string(pointer); break;
      case 1: integer(pointer); break;
      case 2: floating(pointer); break;
      case 3:
        w_.value(true);
        expected_.push_back({token_kind::true_value, "true", 0, false, pointer});
        break;
      case 4:
        w_.value(false);
        expected_.push_back({token_kind::false_value, "false", 0, false, pointer});
        break;
      case 5:
        w_.null();
        expected_.push_back({token_kind::null_value, "null", 0, false, pointer});
        break;
      case 6: array(pointer, depth); break;
      default: object(pointer, depth); break;
    }
  }

  void scalar_string(const std::string& pointer) {
    const std::string s = random_text(rng_);
    w_.value(s);
    expected_.push_back({token_kind::string, s, 0, false, pointer});
  }

  void integer(const std::string& pointer) {
    const std::int64_t extremes[] = {0, -1, 1, std::numeric_limits<std::int64_t>::min(),
                                     std::numeric_limits<std::int64_t>::max()};
    const std::int64_t i = rng_.below(3) == 0 ? extremes[rng_.below(std::size(extremes))]
                                              : static_cast<std::int64_t>(rng_.next());
    w_.value(i);
    expected_.push_back({token_kind::number, std::to_string(i), 0, false, pointer});
  }

  void floating(const std::string& pointer) {
    const double extremes[] = {0.0, -0.0, 5e-324, 2.2250738585072014e-308,
                               std::numeric_limits<double>::max(),
                               -std::numeric_limits<double>::max(), 0.1, 1e21, 123456.789e-300};
    double d = extremes[rng_.below(std::size(extremes))];
    if (rng_.below(2) == 0) {
      const std::uint64_t bits = rng_.next();
      std::memcpy(&d, &bits, sizeof d);
      if (!std::isfinite(d)) d = 1.5;
    }
    w_.value(d);
    expected_.push_back({token_kind::number, "", d, true, pointer});
  }

  void array(const std::string& pointer, int depth) {
    w_.begin_array();
    expected_.push_back({token_kind::array_begin, "[", 0, false, pointer});
    const std::size_t n = rng_.below(7);
    for (std::size_t i = 0; i < n; ++i) value(pointer + "/" + std::to_string(i), depth + 1);
    w_.end_array();
    expected_.push_back({token_kind::array_end, "]", 0, false, ""});
  }

  void object(const std::string& pointer, int depth) {
    w_.begin_object();
    expected_.push_back({token_kind::object_begin, "{", 0, false, pointer});
    const std::size_t n = rng_.below(7);
    for (std::size_t i = 0; i < n; ++i) {
      // Names unique within the object, so a lookup finds this member and not a namesake.
      const std::string name = random_text(rng_) + (rng_.below(3) == 0 ? "/~" : "") + "#" +
                               std::to_string(i);
      w_.key(name);
      expected_.push_back({token_kind::key, name, 0, false, ""});
      value(pointer + "/" + pointer_escaped(name), depth + 1);
    }
    w_.end_object();
    expected_.push_back({token_kind::object_end, "}", 0, false, ""});
  }

  random_source rng_;
  json::writer w_;
  std::vector<expected_token> expected_;
};

void expect_token_matches(const token& t, const expected_token& e, std::size_t index) {
  ASSERT_EQ(t.kind, e.kind) << "token " << index;
  if (t.kind == token_kind::string || t.kind == token_kind::key) {
    std::string decoded;
    json::append_unescaped(decoded, t.text);
    EXPECT_EQ(decoded, e.text) << "token " << index;
    std::vector<char> buffer(t.text.size() + 1);
    EXPECT_EQ(json::unescape(t.text, buffer.data()), e.text.size());
  } else if (t.kind == token_kind::number && e.is_double) {
    const auto d = json::to_double(t.text);
    ASSERT_TRUE(d) << t.text;
    EXPECT_EQ(std::memcmp(&*d, &e.number, sizeof(double)), 0) << t.text;  // -0 too
  } else if (t.kind == token_kind::number) {
    EXPECT_EQ(t.text, e.text);
    EXPECT_EQ(std::to_string(*json::to_int64(t.text)), e.text);
  } else {
    EXPECT_EQ(t.text, e.text);
  }
}

void expect_tokens(json::tokenizer& reader, const std::vector<expected_token>& expected,
                   std::size_t& index, bool& ended) {
  for (token t = reader.next(); t.kind != token_kind::need_more; t = reader.next()) {
    ASSERT_NE(t.kind, token_kind::error)
        << reader.error().reason() << " at " << reader.error().offset;
    if (t.kind == token_kind::end) {
      ended = true;
      return;
    }
    ASSERT_LT(index, expected.size());
    expect_token_matches(t, expected[index], index);
    ++index;
  }
}

TEST(RoundTrip, GeneratedDocumentsReadBackWholeAndInRandomPieces) {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::string doc;
    generator g(seed, doc);
    const std::vector<expected_token> expected = g.document();
    guarded_bytes whole(doc);
    ASSERT_TRUE(json::is_valid(whole.view())) << doc;

    json::tokenizer reader(whole.view());
    std::size_t index = 0;
    bool ended = false;
    expect_tokens(reader, expected, index, ended);
    EXPECT_TRUE(ended);
    EXPECT_EQ(index, expected.size());

    random_source cuts(seed * 7919);
    json::tokenizer pieces;
    index = 0;
    ended = false;
    for (std::size_t fed = 0; !ended;) {
      fed = std::min(doc.size(), fed + 1 + cuts.below(64));
      const auto input = std::make_unique<guarded_bytes>(std::string_view(doc).substr(0, fed));
      pieces.feed(input->view());
      if (fed == doc.size()) pieces.finish();
      expect_tokens(pieces, expected, index, ended);
      ASSERT_TRUE(ended || fed < doc.size());
    }
    EXPECT_EQ(index, expected.size());
  }
}

TEST(RoundTrip, LookupsFindEveryScalarTheWriterWrote) {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::string doc;
    generator g(seed, doc);
    const std::vector<expected_token> expected = g.document();
    guarded_bytes input(doc);
    for (const expected_token& e : expected) {
      switch (e.kind) {
        case token_kind::string:
          EXPECT_EQ(json::find_string(input.view(), e.pointer).value, e.text) << e.pointer;
          break;
        case token_kind::number:
          if (e.is_double) {
            EXPECT_EQ(json::find_double(input.view(), e.pointer).value, e.number) << e.pointer;
          } else {
            EXPECT_EQ(std::to_string(json::find_int(input.view(), e.pointer).value), e.text);
          }
          break;
        case token_kind::true_value:
        case token_kind::false_value:
          EXPECT_EQ(json::find_bool(input.view(), e.pointer).value,
                    e.kind == token_kind::true_value);
          break;
        case token_kind::null_value:
          EXPECT_EQ(json::find(input.view(), e.pointer).value, "null") << e.pointer;
          break;
        default:
          break;
      }
    }
  }
}

TEST(RoundTrip, InvalidUtf8IsReplacedSoTheOutputStaysValid) {
  random_source rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes;
    const std::size_t length = rng.below(24);
    for (std::size_t j = 0; j < length; ++j) bytes += static_cast<char>(rng.next());
    std::string doc;
    json::writer(doc).begin_array().value(bytes).end_array();
    ASSERT_TRUE(json::is_valid(doc)) << doc;
  }
}

TEST(RoundTrip, EveryControlCharacterAndAstralCodePoint) {
  std::string all;
  for (char32_t c = 0; c < 0x20; ++c) append_utf8(all, c);
  for (const char32_t c : {char32_t{0x10000}, char32_t{0x1F600}, char32_t{0x10FFFF}}) {
    append_utf8(all, c);
  }
  std::string doc;
  json::writer(doc).begin_object().key(all).value(all).end_object();
  guarded_bytes input(doc);
  json::tokenizer reader(input.view());
  EXPECT_EQ(reader.next().kind, token_kind::object_begin);
  for (const token_kind kind : {token_kind::key, token_kind::string}) {
    const token t = reader.next();
    ASSERT_EQ(t.kind, kind);
    std::string decoded;
    json::append_unescaped(decoded, t.text);
    EXPECT_EQ(decoded, all);
  }
  EXPECT_EQ(reader.next().kind, token_kind::object_end);
  EXPECT_EQ(reader.next().kind, token_kind::end);
}

}  // namespace
