#include <lambda/log.hpp>

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "log/format.hpp"

namespace {

using lambda::log::argument;
using lambda::log::detail::append_message;
using lambda::log::detail::argument_access;

template <class... Args>
std::string message(std::string_view format, const Args&... args) {
  std::string out;
  append_message(out, format, {argument(args)...});
  return out;
}

std::string as_text(const argument& a) {
  std::string out;
  argument_access::append_text(out, a);
  return out;
}

std::string as_json(const argument& a) {
  std::string out;
  argument_access::append_json(out, a);
  return out;
}

TEST(LogMessage, ReplacesPlaceholdersInOrder) {
  EXPECT_EQ(message("connected to {}", "127.0.0.1:9001"), "connected to 127.0.0.1:9001");
  EXPECT_EQ(message("{} + {} = {}", 1, 2, 3), "1 + 2 = 3");
  EXPECT_EQ(message("{}{}", "a", "b"), "ab");
  EXPECT_EQ(message("{}", ""), "");
}

TEST(LogMessage, WithoutArgumentsTheFormatIsTheMessage) {
  EXPECT_EQ(message("plain"), "plain");
  EXPECT_EQ(message(""), "");
  EXPECT_EQ(message("an empty object: {}"), "an empty object: {}");
}

TEST(LogMessage, PlaceholdersWithoutArgumentsStayAsWritten) {
  EXPECT_EQ(message("{} and {} and {}", 1), "1 and {} and {}");
}

TEST(LogMessage, ArgumentsWithoutPlaceholdersAreAppendedAfterSpaces) {
  EXPECT_EQ(message("count", 3), "count 3");
  EXPECT_EQ(message("{} of", 1, 2, "more"), "1 of 2 more");
  EXPECT_EQ(message("", "x"), " x");
}

TEST(LogMessage, OnlyAnAdjacentPairOfBracesIsAPlaceholder) {
  EXPECT_EQ(message("{\"a\":{}}", 1), "{\"a\":1}");
  EXPECT_EQ(message("{ } {x} }{ {}", 7), "{ } {x} }{ 7");
  EXPECT_EQ(message("{{}}", 5), "{5}");
}

TEST(LogMessage, ArgumentTextIsNotScannedForPlaceholders) {
  EXPECT_EQ(message("{} {}", "{}", "b"), "{} b");
}

TEST(LogArgument, StringsOfEveryKind) {
  const std::string owned = "owned";
  const char* c_string = "c string";
  char mutable_chars[] = "mutable";
  const char* null_string = nullptr;
  EXPECT_EQ(as_text(owned), "owned");
  EXPECT_EQ(as_text(std::string_view("view")), "view");
  EXPECT_EQ(as_text("literal"), "literal");
  EXPECT_EQ(as_text(c_string), "c string");
  EXPECT_EQ(as_text(static_cast<char*>(mutable_chars)), "mutable");
  EXPECT_EQ(as_text(null_string), "(null)");
  EXPECT_EQ(as_text(std::string_view("nul\0inside", 10)), std::string("nul\0inside", 10));
}

TEST(LogArgument, CharactersAreText) {
  EXPECT_EQ(as_text('x'), "x");
  EXPECT_EQ(as_json('"'), R"("\"")");
}

TEST(LogArgument, IntegersInDecimal) {
  EXPECT_EQ(as_text(0), "0");
  EXPECT_EQ(as_text(-42), "-42");
  EXPECT_EQ(as_text(static_cast<short>(-7)), "-7");
  EXPECT_EQ(as_text(static_cast<signed char>(-1)), "-1");
  EXPECT_EQ(as_text(static_cast<unsigned char>(200)), "200");
  EXPECT_EQ(as_text(std::numeric_limits<long long>::min()), "-9223372036854775808");
  EXPECT_EQ(as_text(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(as_text(std::numeric_limits<unsigned long long>::max()), "18446744073709551615");
  EXPECT_EQ(as_text(std::size_t{4096}), "4096");
  EXPECT_EQ(as_json(-3), "-3");
}

TEST(LogArgument, BooleansAsWords) {
  EXPECT_EQ(as_text(true), "true");
  EXPECT_EQ(as_text(false), "false");
  EXPECT_EQ(as_json(true), "true");
}

TEST(LogArgument, FloatingPointInShortestRoundTripForm) {
  EXPECT_EQ(as_text(2.5), "2.5");
  EXPECT_EQ(as_text(0.1), "0.1");
  EXPECT_EQ(as_text(1.5f), "1.5");
  EXPECT_EQ(as_text(-0.0), "-0");
  EXPECT_EQ(as_text(1e300), "1e+300");
  EXPECT_EQ(as_json(0.25), "0.25");
}

TEST(LogArgument, NonFiniteNumbersBecomeJsonStrings) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(as_text(inf), "inf");
  EXPECT_EQ(as_json(inf), R"("inf")");
  EXPECT_EQ(as_json(-inf), R"("-inf")");
  EXPECT_EQ(as_json(std::numeric_limits<double>::quiet_NaN()), R"("nan")");
}

TEST(LogArgument, JsonStringsAreQuotedAndEscaped) {
  EXPECT_EQ(as_json("say \"hi\"\n"), R"("say \"hi\"\n")");
  EXPECT_EQ(as_json(std::string("\x01\x1f")), R"("\u0001\u001f")");
}

}  // namespace
