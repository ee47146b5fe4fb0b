// Values on demand: unescaping string tokens and converting number tokens.
#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace {

namespace json = lambda::json;
using json::status;
using lambda::test::guarded_bytes;

std::string unescaped(std::string_view text) {
  guarded_bytes input(text);
  std::vector<char> out(text.size());
  const std::size_t n = json::unescape(input.view(), out.data());
  EXPECT_LE(n, text.size());
  std::string appended = "x";
  json::append_unescaped(appended, input.view());
  EXPECT_EQ(appended.substr(1), std::string(out.data(), n));
  return std::string(out.data(), n);
}

TEST(Unescape, TextWithoutEscapesIsCopied) {
  EXPECT_EQ(unescaped(""), "");
  EXPECT_EQ(unescaped("plain caf\xC3\xA9 text"), "plain caf\xC3\xA9 text");
}

TEST(Unescape, ShortEscapes) {
  EXPECT_EQ(unescaped(R"(\"\\\/\b\f\n\r\t)"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(unescaped(R"(a\nb\tc)"), "a\nb\tc");
}

TEST(Unescape, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(unescaped(R"(\u0041)"), "A");
  EXPECT_EQ(unescaped(R"(\u0000)"), std::string(1, '\0'));
  EXPECT_EQ(unescaped(R"(\u00e9\u00E9)"), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(unescaped(R"(\u07FF\u0800)"), "\xDF\xBF\xE0\xA0\x80");
  EXPECT_EQ(unescaped(R"(\u20AC)"), "\xE2\x82\xAC");
  EXPECT_EQ(unescaped(R"(\uFFFF)"), "\xEF\xBF\xBF");
}

TEST(Unescape, SurrogatePairsBecomeOneCodePoint) {
  EXPECT_EQ(unescaped(R"(\uD83D\uDE00)"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(unescaped(R"(\ud800\udc00)"), "\xF0\x90\x80\x80");
  EXPECT_EQ(unescaped(R"(\uDBFF\uDFFF)"), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(unescaped(R"(x\uD834\uDD1Ey)"), "x\xF0\x9D\x84\x9Ey");
}

TEST(Unescape, TextNoTokenizerCheckedIsCopiedThroughSafely) {
  EXPECT_EQ(unescaped(R"(\)"), "\\");
  EXPECT_EQ(unescaped(R"(\q)"), "\\q");
  EXPECT_EQ(unescaped(R"(\u12)"), "\\u12");
  EXPECT_EQ(unescaped(R"(\uD800)"), "\xEF\xBF\xBD");
  EXPECT_EQ(unescaped(R"(\uDC00x)"), "\xEF\xBF\xBDx");
}

// The same flaws wherever they fall in a long text, last bytes included: the in-place stretches,
// the last stretch read from the end, and the padded copy must all copy them through alike.
TEST(Unescape, FlawsInLongTextAreCopiedThroughAtEveryOffset) {
  const std::pair<std::string_view, std::string_view> flaws[] = {
      {"\\", "\\"}, {"\\q", "\\q"}, {"\\u12", "\\u12"}, {"\\uD800", "\xEF\xBF\xBD"}};
  for (const auto& [flaw, copied] : flaws) {
    for (std::size_t pad = 0; pad < 200; ++pad) {
      for (std::size_t after : {std::size_t{0}, std::size_t{1}, std::size_t{70}}) {
        const std::string text = std::string(pad, 'x') + "\\\"" + std::string(flaw) + std::string(after, 'y');
        const std::string want = std::string(pad, 'x') + "\"" + std::string(copied) + std::string(after, 'y');
        EXPECT_EQ(unescaped(text), want) << text;
      }
    }
  }
}

TEST(Unescape, NeverLengthens) {
  // Each escape form decodes to fewer bytes than it is written with.
  for (const char* text : {R"(\n)", R"(\u0041)", R"(\u07FF)", R"(\uFFFF)", R"(\uD83D\uDE00)"}) {
    EXPECT_LT(unescaped(text).size(), std::string_view(text).size()) << text;
  }
}

TEST(Numbers, Int64FromIntegerText) {
  EXPECT_EQ(*json::to_int64("0"), 0);
  EXPECT_EQ(*json::to_int64("-0"), 0);
  EXPECT_EQ(*json::to_int64("42"), 42);
  EXPECT_EQ(*json::to_int64("-42"), -42);
  EXPECT_EQ(*json::to_int64("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(*json::to_int64("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
}

TEST(Numbers, Int64OutOfRangeIsAnErrorNotAWrap) {
  for (const char* text : {"9223372036854775808", "-9223372036854775809",
                           "18446744073709551616", "123456789012345678901234567890"}) {
    const auto r = json::to_int64(text);
    EXPECT_EQ(r.state, status::out_of_range) << text;
    EXPECT_FALSE(r);
  }
}

TEST(Numbers, Int64RefusesWhatIsNotWrittenAsAnInteger) {
  for (const char* text : {"1.0", "1e2", "1E2", "-1.5", "", "-", "true", "\"1\"", "1x", " 1"}) {
    EXPECT_EQ(json::to_int64(text).state, status::wrong_type) << text;
  }
}

TEST(Numbers, DoubleIsCorrectlyRounded) {
  EXPECT_EQ(*json::to_double("0.1"), 0.1);
  EXPECT_EQ(*json::to_double("-0"), 0.0);
  EXPECT_TRUE(std::signbit(*json::to_double("-0")));
  EXPECT_EQ(*json::to_double("1e308"), 1e308);
  EXPECT_EQ(*json::to_double("2.2250738585072014E-308"), 2.2250738585072014e-308);
  EXPECT_EQ(*json::to_double("4.9e-324"), 5e-324);
  EXPECT_EQ(*json::to_double("9007199254740993"), 9007199254740992.0);  // ties to even
  EXPECT_EQ(*json::to_double("17976931348623157e292"), std::numeric_limits<double>::max());
}

TEST(Numbers, DoubleRangeAndType) {
  EXPECT_EQ(json::to_double("1e309").state, status::out_of_range);
  EXPECT_EQ(json::to_double("-1e309").state, status::out_of_range);
  EXPECT_EQ(json::to_double("1e-400").state, status::out_of_range);
  for (const char* text : {"", "-", "inf", "-inf", "nan", "NaN", "Infinity", ".5", "1.5x",
                           "\"1\"", "null"}) {
    EXPECT_EQ(json::to_double(text).state, status::wrong_type) << text;
  }
}

TEST(Numbers, TokensConvertInPlace) {
  guarded_bytes input(R"([12,-3.5e2,18446744073709551615])");
  json::tokenizer reader(input.view());
  reader.next();
  EXPECT_EQ(*json::to_int64(reader.next().text), 12);
  EXPECT_EQ(*json::to_double(reader.next().text), -350.0);
  EXPECT_EQ(json::to_int64(reader.next().text).state, status::out_of_range);
}

TEST(Result, ValueOrAndBoolConversion) {
  const json::result<int> found{7, status::ok, {}};
  const json::result<int> missing{0, status::missing, {}};
  EXPECT_TRUE(found);
  EXPECT_FALSE(missing);
  EXPECT_EQ(found.value_or(1), 7);
  EXPECT_EQ(missing.value_or(1), 1);
}

}  // namespace
