#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "support/guarded_bytes.hpp"

namespace {

using lambda::json::append_quoted;
using lambda::json::writer;
using lambda::test::guarded_bytes;

std::string quote_of(std::string_view s) {
  guarded_bytes input(s);  // a read past the input faults
  std::string out;
  append_quoted(out, input.view());
  return out;
}

TEST(AppendQuoted, PlainTextIsCopiedBetweenQuotes) {
  EXPECT_EQ(quote_of(""), R"("")");
  EXPECT_EQ(quote_of("hello"), R"("hello")");
  EXPECT_EQ(quote_of("a/b <x> 'y'"), R"("a/b <x> 'y'")");
  EXPECT_EQ(quote_of("exactly8"), R"("exactly8")");
  EXPECT_EQ(quote_of("sixteen bytes!!!"), R"("sixteen bytes!!!")");
}

TEST(AppendQuoted, AppendsWithoutClearing) {
  std::string out = "x=";
  append_quoted(out, "y");
  EXPECT_EQ(out, R"(x="y")");
}

TEST(AppendQuoted, EscapesQuoteAndBackslash) {
  EXPECT_EQ(quote_of(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(quote_of(R"(C:\dir\)"), R"("C:\\dir\\")");
  std::string escaped_quotes;
  for (int i = 0; i < 10; ++i) escaped_quotes += "\\\"";
  EXPECT_EQ(quote_of(std::string(10, '"')), '"' + escaped_quotes + '"');
}

TEST(AppendQuoted, EscapesEveryControlCharacter) {
  const char* expected[32] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
  for (int c = 0; c < 32; ++c) {
    const std::string in = "ab" + std::string(1, static_cast<char>(c)) + "cdefghij";
    EXPECT_EQ(quote_of(in), "\"ab" + std::string(expected[c]) + "cdefghij\"") << "byte " << c;
  }
  EXPECT_EQ(quote_of("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
}

TEST(AppendQuoted, KeepsValidUtf8) {
  const std::string text =
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD";
  EXPECT_EQ(quote_of(text), "\"" + text + "\"");
  const std::string edges = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF0\x90\x80\x80";
  EXPECT_EQ(quote_of(edges), "\"" + edges + "\"");
}

const std::string fffd = "\xEF\xBF\xBD";

TEST(AppendQuoted, ReplacesEachMaximalIllFormedSubpartWithOneReplacementCharacter) {
  EXPECT_EQ(quote_of("a\x80z"), "\"a" + fffd + "z\"");                      // lone continuation
  EXPECT_EQ(quote_of("\xC0\xAF"), "\"" + fffd + fffd + "\"");                // overlong lead
  EXPECT_EQ(quote_of("\xE0\x80\xAF"), "\"" + fffd + fffd + fffd + "\"");     // overlong 3-byte
  EXPECT_EQ(quote_of("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");     // encoded surrogate
  EXPECT_EQ(quote_of("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  EXPECT_EQ(quote_of("\xF5\xFF"), "\"" + fffd + fffd + "\"");
  EXPECT_EQ(quote_of("\xF1\x80\x80" "A"), "\"" + fffd + "A\"");  // truncated 4-byte, then ASCII
  EXPECT_EQ(quote_of("\xE2\x82"), "\"" + fffd + "\"");           // truncated at the very end
  EXPECT_EQ(quote_of("\xC3"), "\"" + fffd + "\"");
  EXPECT_EQ(quote_of("\xE2\x82\xC3\xA9"), "\"" + fffd + "\xC3\xA9\"");  // resumes at a new lead
}

TEST(Writer, WritesNestedContainersWithSeparators) {
  std::string out;
  writer w(out);
  w.begin_object()
      .key("a").value(1)
      .key("b").begin_array().value("x").value(false).null().begin_object().end_object()
      .begin_array().end_array().end_array()
      .key("c").value(true)
      .end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",false,null,{},[]],"c":true})");
  EXPECT_TRUE(w.complete());
}

TEST(Writer, HeaderExampleProducesWhatItSays) {
  std::string out;
  lambda::json::writer w(out);
  w.begin_object()
      .key("statusCode").value(200)
      .key("body").value("caf\xc3\xa9 \"ok\"")
      .key("tags").begin_array().value(true).null().end_array()
      .end_object();
  EXPECT_EQ(out, "{\"statusCode\":200,\"body\":\"caf\xc3\xa9 \\\"ok\\\"\",\"tags\":[true,null]}");
}

TEST(Writer, AppendsToExistingText) {
  std::string out = "prefix ";
  writer(out).value("v");
  EXPECT_EQ(out, R"(prefix "v")");
}

TEST(Writer, EscapesKeysAndStrings) {
  std::string out;
  writer(out).begin_object().key("a\"b\n").value(std::string("\\\x01")).end_object();
  EXPECT_EQ(out, R"({"a\"b\n":"\\\u0001"})");
}

TEST(Writer, WritesExtremeIntegersOfEveryType) {
  std::string out;
  writer w(out);
  w.begin_array()
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::numeric_limits<std::int64_t>::max())
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(0)
      .value(-1)
      .value(42u)
      .value(7L)
      .value(8UL)
      .value(9LL)
      .value(10ULL)
      .value(static_cast<short>(-3))
      .value(std::size_t{11})
      .end_array();
  EXPECT_EQ(out,
            "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1,42,7,8,9,10,-3,"
            "11]");
}

TEST(Writer, WritesDoublesInShortestRoundTripForm) {
  std::string out;
  writer w(out);
  w.begin_array()
      .value(0.1)
      .value(-0.0)
      .value(3.0)
      .value(1e300)
      .value(5e-324)
      .value(std::numeric_limits<double>::max())
      .value(-2.2250738585072014e-308)
      .value(123456.789)
      .end_array();
  EXPECT_EQ(out,
            "[0.1,-0,3,1e+300,5e-324,1.7976931348623157e+308,-2.2250738585072014e-308,"
            "123456.789]");
}

TEST(Writer, WritesRawFragmentsAsValues) {
  std::string out;
  writer(out).begin_object().key("r").raw(R"({"x":[1,2]})").key("n").raw("12").end_object();
  EXPECT_EQ(out, R"({"r":{"x":[1,2]},"n":12})");
}

TEST(Writer, ScalarAtTopLevelIsComplete) {
  std::string out;
  writer w(out);
  EXPECT_FALSE(w.complete());
  w.value(1.5);
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(out, "1.5");
}

TEST(Writer, IsIncompleteWhileAContainerIsOpen) {
  std::string out;
  writer w(out);
  w.begin_object();
  EXPECT_FALSE(w.complete());
  w.key("k");
  EXPECT_FALSE(w.complete());
  w.value(1);
  EXPECT_FALSE(w.complete());
  w.end_object();
  EXPECT_TRUE(w.complete());
}

TEST(Writer, NestsToMaxNestingAndNoDeeper) {
  std::string out;
  writer w(out);
  for (std::size_t i = 0; i < lambda::json::max_nesting; ++i) w.begin_array();
  EXPECT_THROW(w.begin_object(), std::logic_error);
  for (std::size_t i = 0; i < lambda::json::max_nesting; ++i) w.end_array();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(out, std::string(lambda::json::max_nesting, '[') +
                     std::string(lambda::json::max_nesting, ']'));
}

TEST(Writer, DeepMixedNestingClosesInOrder) {
  std::string out;
  writer w(out);
  for (int i = 0; i < 200; ++i) {
    if (i % 3 == 0) {
      w.begin_object().key("k");
    } else {
      w.begin_array();
    }
  }
  w.value(0);
  for (int i = 199; i >= 0; --i) {
    if (i % 3 == 0) {
      EXPECT_THROW(w.end_array(), std::logic_error);
      w.end_object();
    } else {
      EXPECT_THROW(w.end_object(), std::logic_error);
      w.end_array();
    }
  }
  EXPECT_TRUE(w.complete());
}

// Each misuse throws and leaves the output exactly as it was before the call.
template <class Misuse>
void expect_misuse(writer& w, const std::string& out, Misuse misuse) {
  const std::string before = out;
  EXPECT_THROW(misuse(w), std::logic_error);
  EXPECT_EQ(out, before);
}

TEST(Writer, RejectsAValueWhereAKeyIsDue) {
  std::string out;
  writer w(out);
  w.begin_object();
  expect_misuse(w, out, [](writer& x) { x.value(1); });
  expect_misuse(w, out, [](writer& x) { x.value("s"); });
  expect_misuse(w, out, [](writer& x) { x.null(); });
  expect_misuse(w, out, [](writer& x) { x.raw("1"); });
  expect_misuse(w, out, [](writer& x) { x.begin_array(); });
  w.key("a").value(1);
  expect_misuse(w, out, [](writer& x) { x.value(2); });
  EXPECT_EQ(out, R"({"a":1)");
}

TEST(Writer, RejectsAKeyOutsideAnObjectOrTwoKeysInARow) {
  std::string out;
  writer w(out);
  expect_misuse(w, out, [](writer& x) { x.key("k"); });
  w.begin_array();
  expect_misuse(w, out, [](writer& x) { x.key("k"); });
  w.begin_object().key("k");
  expect_misuse(w, out, [](writer& x) { x.key("again"); });
  expect_misuse(w, out, [](writer& x) { x.end_object(); });  // the key has no value
}

TEST(Writer, RejectsUnbalancedEnds) {
  std::string out;
  writer w(out);
  expect_misuse(w, out, [](writer& x) { x.end_object(); });
  expect_misuse(w, out, [](writer& x) { x.end_array(); });
  w.begin_array();
  expect_misuse(w, out, [](writer& x) { x.end_object(); });
  w.end_array();
  expect_misuse(w, out, [](writer& x) { x.end_array(); });
  EXPECT_EQ(out, "[]");
}

TEST(Writer, RejectsASecondTopLevelValue) {
  std::string out;
  writer w(out);
  w.value(1);
  expect_misuse(w, out, [](writer& x) { x.value(2); });
  expect_misuse(w, out, [](writer& x) { x.begin_object(); });
  expect_misuse(w, out, [](writer& x) { x.raw("3"); });
  EXPECT_EQ(out, "1");
}

TEST(Writer, RejectsNonFiniteDoublesAndNullCharPointers) {
  std::string out;
  writer w(out);
  w.begin_array();
  expect_misuse(w, out, [](writer& x) { x.value(std::numeric_limits<double>::quiet_NaN()); });
  expect_misuse(w, out, [](writer& x) { x.value(std::numeric_limits<double>::infinity()); });
  expect_misuse(w, out, [](writer& x) { x.value(-std::numeric_limits<double>::infinity()); });
  const char* nothing = nullptr;
  expect_misuse(w, out, [nothing](writer& x) { x.value(nothing); });
  w.value(1.0).end_array();
  EXPECT_EQ(out, "[1]");
}

TEST(Writer, MisuseMessagesSayWhatWentWrong) {
  std::string out;
  writer w(out);
  w.begin_object();
  try {
    w.value(1);
    FAIL() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("key is due"), std::string::npos) << e.what();
  }
}

}  // namespace
