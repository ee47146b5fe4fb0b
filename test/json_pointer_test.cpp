#include <lambda/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "support/guarded_bytes.hpp"

namespace {

using lambda::json::error_code;
using lambda::json::find;
using lambda::json::find_bool;
using lambda::json::find_double;
using lambda::json::find_int;
using lambda::json::find_string;
using lambda::json::status;
using lambda::test::guarded_bytes;

// RFC 6901 section 5, verbatim.
constexpr std::string_view rfc6901_document = R"({
      "foo": ["bar", "baz"],
      "": 0,
      "a/b": 1,
      "c%d": 2,
      "e^f": 3,
      "g|h": 4,
      "i\\j": 5,
      "k\"l": 6,
      " ": 7,
      "m~n": 8
   })";

std::string_view found(std::string_view document, std::string_view pointer) {
  const auto r = find(document, pointer);
  EXPECT_EQ(r.state, status::ok) << pointer;
  return r.value;
}

TEST(JsonPointer, Rfc6901Examples) {
  guarded_bytes input(rfc6901_document);
  const std::string_view doc = input.view();
  EXPECT_EQ(found(doc, ""), doc.substr(doc.find('{')));
  EXPECT_EQ(found(doc, "/foo"), R"(["bar", "baz"])");
  EXPECT_EQ(found(doc, "/foo/0"), R"("bar")");
  EXPECT_EQ(found(doc, "/"), "0");
  EXPECT_EQ(found(doc, "/a~1b"), "1");
  EXPECT_EQ(found(doc, "/c%d"), "2");
  EXPECT_EQ(found(doc, "/e^f"), "3");
  EXPECT_EQ(found(doc, "/g|h"), "4");
  EXPECT_EQ(found(doc, "/i\\j"), "5");
  EXPECT_EQ(found(doc, "/k\"l"), "6");
  EXPECT_EQ(found(doc, "/ "), "7");
  EXPECT_EQ(found(doc, "/m~0n"), "8");
}

TEST(JsonPointer, FoundValuesAreViewsIntoTheDocument) {
  guarded_bytes input(R"({"a":{"b":[10,{"c":"x"}]}})");
  const auto r = find(input.view(), "/a/b/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, R"({"c":"x"})");
  EXPECT_GE(r->data(), input.view().data());
  EXPECT_LE(r->data() + r->size(), input.view().data() + input.size());
}

TEST(JsonPointer, MatchesNamesWrittenWithEscapes) {
  guarded_bytes input(R"({"a\/b":1,"\u0063af\u00e9":2,"\uD83D\uDE00":3,"x\"y":4,"t~":5})");
  EXPECT_EQ(found(input.view(), "/a~1b"), "1");
  EXPECT_EQ(found(input.view(), "/caf\xC3\xA9"), "2");
  EXPECT_EQ(found(input.view(), "/\xF0\x9F\x98\x80"), "3");
  EXPECT_EQ(found(input.view(), "/x\"y"), "4");
  EXPECT_EQ(found(input.view(), "/t~0"), "5");
  EXPECT_EQ(find(input.view(), "/caf").state, status::missing);
  EXPECT_EQ(find(input.view(), "/caf\xC3\xA9!").state, status::missing);
  EXPECT_EQ(find(input.view(), "/t~1").state, status::missing);
}

TEST(JsonPointer, FirstOfDuplicateNamesWins) {
  guarded_bytes input(R"({"a":1,"a":2})");
  EXPECT_EQ(found(input.view(), "/a"), "1");
}

TEST(JsonPointer, MissingPaths) {
  guarded_bytes input(R"({"foo":["bar","baz"],"n":null,"o":{"p":1}})");
  const std::string_view doc = input.view();
  for (const char* pointer : {"/nope", "/foo/2", "/foo/-", "/foo/01", "/foo/x", "/foo/0/x",
                              "/n/x", "/o/q", "/o/p/q", "/foo/", "/foo/18446744073709551616",
                              "/o/p/0", "//"}) {
    const auto r = find(doc, pointer);
    EXPECT_EQ(r.state, status::missing) << pointer;
    EXPECT_EQ(r.error.code, error_code::none) << pointer;
  }
}

TEST(JsonPointer, EmptyNamesAreNames) {
  guarded_bytes input(R"({"":{"":[7]}})");
  EXPECT_EQ(found(input.view(), "//"), "[7]");
  EXPECT_EQ(found(input.view(), "///0"), "7");
}

TEST(JsonPointer, AMalformedDocumentIsMalformedWhereverTheFlawIs) {
  const char* documents[] = {
      R"({"a":1,"b":2,})",     // after the value
      R"({"b":[1,2,],"a":1})",  // before it
      R"({"a":[1,2,]})",        // inside it
      R"({"x":[1,2,] , "y": 1})",
      R"({"a":1} x)",
      R"({"a":1)",
  };
  for (const char* pointer : {"/a", "/missing", "/a/0", ""}) {
    for (const char* document : documents) {
      guarded_bytes input(document);
      const auto r = find(input.view(), pointer);
      EXPECT_EQ(r.state, status::malformed) << document << " " << pointer;
      EXPECT_NE(r.error.code, error_code::none) << document;
      EXPECT_EQ(find_int(input.view(), pointer).state, status::malformed) << document;
    }
  }
  guarded_bytes bad(R"({"a":1,"b":tru})");
  const auto r = find(bad.view(), "/a");
  EXPECT_EQ(r.error.code, error_code::invalid_literal);
  EXPECT_EQ(r.error.offset, 14u);
}

TEST(JsonPointer, MalformedPointersAreMisuse) {
  const std::string_view doc = R"({"a":1})";
  for (const char* pointer : {"a", "a/b", "/~", "/a~", "/~2", "/~a", " /a"}) {
    EXPECT_THROW(find(doc, pointer), std::invalid_argument) << pointer;
    EXPECT_THROW(find_int(doc, pointer), std::invalid_argument) << pointer;
  }
}

TEST(TypedGetters, Integers) {
  guarded_bytes input(R"({"sleep_ms":250,"neg":-9223372036854775808,"max":9223372036854775807,
      "big":9223372036854775808,"small":-9223372036854775809,"f":1.5,"e":1e2,"z":-0,
      "s":"12","b":true,"n":null})");
  const std::string_view doc = input.view();
  EXPECT_EQ(find_int(doc, "/sleep_ms").value, 250);
  EXPECT_TRUE(find_int(doc, "/sleep_ms"));
  EXPECT_EQ(*find_int(doc, "/neg"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(*find_int(doc, "/max"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(*find_int(doc, "/z"), 0);
  EXPECT_EQ(find_int(doc, "/big").state, status::out_of_range);
  EXPECT_EQ(find_int(doc, "/small").state, status::out_of_range);
  for (const char* wrong : {"/f", "/e", "/s", "/b", "/n", ""}) {
    EXPECT_EQ(find_int(doc, wrong).state, status::wrong_type) << wrong;
  }
  EXPECT_EQ(find_int(doc, "/absent").state, status::missing);
  EXPECT_EQ(find_int(doc, "/absent").value_or(42), 42);
}

TEST(TypedGetters, Doubles) {
  guarded_bytes input(R"({"d":0.1,"i":3,"e":-1.5E-3,"max":1.7976931348623157e308,
      "huge":1e400,"tiny":1e-400,"denormal":5e-324,"s":"1.5","n":null})");
  const std::string_view doc = input.view();
  EXPECT_EQ(*find_double(doc, "/d"), 0.1);
  EXPECT_EQ(*find_double(doc, "/i"), 3.0);
  EXPECT_EQ(*find_double(doc, "/e"), -1.5e-3);
  EXPECT_EQ(*find_double(doc, "/max"), std::numeric_limits<double>::max());
  EXPECT_EQ(*find_double(doc, "/denormal"), 5e-324);
  EXPECT_EQ(find_double(doc, "/huge").state, status::out_of_range);
  EXPECT_EQ(find_double(doc, "/tiny").state, status::out_of_range);
  EXPECT_EQ(find_double(doc, "/s").state, status::wrong_type);
  EXPECT_EQ(find_double(doc, "/n").state, status::wrong_type);
  EXPECT_EQ(find_double(doc, "/x").state, status::missing);
}

TEST(TypedGetters, Bools) {
  guarded_bytes input(R"({"fail":true,"ok":false,"s":"true","n":null,"i":1})");
  const std::string_view doc = input.view();
  EXPECT_TRUE(*find_bool(doc, "/fail"));
  EXPECT_FALSE(*find_bool(doc, "/ok"));
  EXPECT_TRUE(find_bool(doc, "/ok"));  // found, though false
  for (const char* wrong : {"/s", "/n", "/i"}) {
    EXPECT_EQ(find_bool(doc, wrong).state, status::wrong_type) << wrong;
  }
  EXPECT_FALSE(find_bool(doc, "/absent").value_or(false));
}

TEST(TypedGetters, StringsAreUnescaped) {
  guarded_bytes input(
      R"({"requestContext":{"http":{"method":"POST"}},"e":"a\"b\\c\u00e9\uD83D\uDE00\n","n":5})");
  const std::string_view doc = input.view();
  EXPECT_EQ(*find_string(doc, "/requestContext/http/method"), "POST");
  EXPECT_EQ(*find_string(doc, "/e"), "a\"b\\c\xC3\xA9\xF0\x9F\x98\x80\n");
  EXPECT_EQ(find_string(doc, "/n").state, status::wrong_type);
  EXPECT_EQ(find_string(doc, "/requestContext").state, status::wrong_type);
  EXPECT_EQ(find_string(doc, "/zz").state, status::missing);
}

TEST(TypedGetters, StringIntoScratchIsAViewIntoTheDocumentWhenItCanBe) {
  guarded_bytes input(R"({"plain":"POST","escaped":"tab\there"})");
  const std::string_view doc = input.view();
  std::string scratch = "old";
  const auto plain = find_string(doc, "/plain", scratch);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "POST");
  EXPECT_GE(plain->data(), doc.data());
  EXPECT_LT(plain->data(), doc.data() + doc.size());
  const auto escaped = find_string(doc, "/escaped", scratch);
  ASSERT_TRUE(escaped);
  EXPECT_EQ(*escaped, "tab\there");
  EXPECT_EQ(escaped->data(), scratch.data());
  EXPECT_EQ(find_string(doc, "/nope", scratch).state, status::missing);
}

TEST(TypedGetters, EchoStyleEvent) {
  guarded_bytes input(R"({"sleep_ms": 15, "fail": false, "payload": {"x": [1, 2]}})");
  EXPECT_EQ(lambda::json::find_int(input.view(), "/sleep_ms").value_or(0), 15);
  EXPECT_FALSE(lambda::json::find_bool(input.view(), "/fail").value_or(true));
  EXPECT_EQ(found(input.view(), "/payload/x/1"), "2");
}

}  // namespace
