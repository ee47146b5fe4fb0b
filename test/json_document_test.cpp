// lambda::json::document: validated once, then values by name, index and pointer, typed reads,
// and iteration over elements and members.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <lambda/json.hpp>

namespace {

using lambda::json::document;
using lambda::json::error_code;
using lambda::json::member;
using lambda::json::status;
using lambda::json::value;
using lambda::json::value_kind;

TEST(JsonDocument, ReadsValuesByNameIndexAndPointer) {
  const std::string text = R"( {"a": {"b": [10, 20, {"c": "deep"}]}, "s": "plain", "n": -1.5e3, "t": true,
                               "f": false, "z": null, "i": 9223372036854775807} )";
  document doc(text);
  ASSERT_TRUE(doc) << doc.error().reason();
  EXPECT_EQ(doc.root().kind(), value_kind::object);
  EXPECT_EQ(doc["a"]["b"][1].get_int().value_or(0), 20);
  EXPECT_EQ(doc["a"]["b"][2]["c"].get_string().value_or(""), "deep");
  EXPECT_EQ(doc.at("/a/b/2/c").json(), "\"deep\"");
  EXPECT_EQ(doc.at("").json(), doc.root().json());
  EXPECT_EQ(doc["a"].at("/b/0").get_int().value_or(0), 10);
  EXPECT_EQ(doc["n"].get_double().value_or(0), -1500.0);
  EXPECT_EQ(doc["n"].get_int().state, status::wrong_type);
  EXPECT_EQ(doc["i"].get_int().value_or(0), 9223372036854775807);
  EXPECT_EQ(doc["t"].get_bool().value_or(false), true);
  EXPECT_EQ(doc["f"].get_bool().value_or(true), false);
  EXPECT_TRUE(doc["z"].is_null());
  EXPECT_EQ(doc["z"].kind(), value_kind::null);
  EXPECT_EQ(doc["a"]["b"].kind(), value_kind::array);
  EXPECT_EQ(doc["n"].kind(), value_kind::number);
  EXPECT_EQ(doc["s"].kind(), value_kind::string);
  EXPECT_EQ(doc["t"].kind(), value_kind::boolean);
  EXPECT_THROW(doc.at("no-slash"), std::invalid_argument);
}

TEST(JsonDocument, AbsentAndMistypedValuesAreAnswersNotErrors) {
  document doc(R"({"s":"x","a":[1],"o":{}})");
  ASSERT_TRUE(doc);
  EXPECT_FALSE(doc["missing"]);
  EXPECT_FALSE(doc["missing"]["deeper"][3]);
  EXPECT_FALSE(doc["a"][1]);
  EXPECT_FALSE(doc["a"][-1]);
  EXPECT_FALSE(doc["s"]["x"]) << "a member of a string";
  EXPECT_FALSE(doc["o"][0]) << "an element of an object";
  EXPECT_FALSE(doc.at("/a/01")) << "RFC 6901 indexes have no leading zero";
  EXPECT_FALSE(doc.at("/a/-"));
  EXPECT_EQ(doc["missing"].get_string().state, status::missing);
  EXPECT_EQ(doc["a"].get_string().state, status::wrong_type);
  EXPECT_EQ(doc["s"].get_int().state, status::wrong_type);
  EXPECT_EQ(doc["s"].get_bool().state, status::wrong_type);
  EXPECT_EQ(doc["missing"].get_double().state, status::missing);
  EXPECT_TRUE(doc["s"].elements().empty());
  EXPECT_TRUE(doc["missing"].members().empty());
  EXPECT_EQ(doc["s"].size(), 0u);
}

TEST(JsonDocument, EscapedKeysAndStringsAreMatchedAndReadUnescaped) {
  const std::string text = R"({"caf\u00e9": "cr\u00e8me \"br\u00fbl\u00e9e\"", "a/b": 1, "t~": 2, "plain": "view",
                               "sl\\ash": "x\ny"})";
  document doc(text);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc["caf\xc3\xa9"].get_string().value_or(""), "cr\xc3\xa8me \"br\xc3\xbbl\xc3\xa9" "e\"");
  EXPECT_EQ(doc.at("/a~1b").get_int().value_or(0), 1);
  EXPECT_EQ(doc.at("/t~0").get_int().value_or(0), 2);
  EXPECT_EQ(doc["sl\\ash"].get_string().value_or(""), "x\ny");
  std::string scratch = "old";
  auto plain = doc["plain"].get_string(scratch);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "view");
  EXPECT_GE(plain->data(), text.data()) << "no escape: a view of the document";
  EXPECT_LT(plain->data(), text.data() + text.size());
  auto escaped = doc["sl\\ash"].get_string(scratch);
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->data(), scratch.data()) << "escaped: unescaped into the scratch";
  std::vector<std::string> keys;
  for (const member& m : doc.root().members()) keys.push_back(m.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"caf\xc3\xa9", "a/b", "t~", "plain", "sl\\ash"}));
  EXPECT_TRUE(doc.root().members().begin()->key_is("caf\xc3\xa9"));
  EXPECT_FALSE(doc.root().members().begin()->key_is("cafe"));
}

TEST(JsonDocument, IteratesEmptyContainersAndEveryValueKind) {
  document doc(R"({"e":[],"o":{},"ws":[ ] ,"wo":{ },"mixed":[ 1 , "two,]" , [3,[4]] , {"k":"}\"]"} , true , null , -0.5 , "\\\"\\" ]})");
  ASSERT_TRUE(doc);
  for (const char* empty : {"e", "o", "ws", "wo"}) {
    EXPECT_TRUE(doc[empty].elements().empty()) << empty;
    EXPECT_TRUE(doc[empty].members().empty()) << empty;
    EXPECT_EQ(doc[empty].size(), 0u) << empty;
  }
  std::vector<std::string> seen;
  for (value v : doc["mixed"].elements()) seen.emplace_back(v.json());
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "\"two,]\"", "[3,[4]]", R"({"k":"}\"]"})", "true", "null", "-0.5",
                                            R"("\\\"\\")"}));
  EXPECT_EQ(doc["mixed"].size(), 8u);
  EXPECT_EQ(doc.root().size(), 5u);
}

TEST(JsonDocument, TopLevelScalarsAndWhitespace) {
  document number(" \n 42 \t");
  ASSERT_TRUE(number);
  EXPECT_EQ(number.root().json(), "42");
  EXPECT_EQ(number.root().get_int().value_or(0), 42);
  document text(R"("just text")");
  EXPECT_EQ(text.root().get_string().value_or(""), "just text");
}

TEST(JsonDocument, MalformedTextIsReportedOnceAndReadsAsAbsent) {
  for (const std::string bad : {"", "[1,]", "{\"a\":1} x", "{\"a\":\"\x01\"}", "[\"\xff\"]", "{", "nul"}) {
    document doc(bad);
    EXPECT_FALSE(doc) << bad;
    EXPECT_NE(doc.error().code, error_code::none) << bad;
    EXPECT_FALSE(doc.root()) << bad;
    EXPECT_FALSE(doc["a"]) << bad;
    EXPECT_TRUE(doc.root().elements().empty()) << bad;
  }
  document deep(std::string(600, '[') + std::string(600, ']'));
  EXPECT_EQ(deep.error().code, error_code::too_deep);
}

TEST(JsonDocument, WalksTenThousandElementsInOrder) {
  std::string text = R"({"Records":[)";
  for (int i = 0; i < 10000; ++i) {
    if (i > 0) text += ',';
    text += R"({"messageId":"id-)" + std::to_string(i) + R"(","body":"{\"n\":)" + std::to_string(i) +
            R"(,\"s\":\"]}\"}","attributes":{"ApproximateReceiveCount":"1"}})";
  }
  text += "]}";
  document doc(text);
  ASSERT_TRUE(doc) << doc.error().reason();
  int i = 0;
  std::string scratch;
  for (value record : doc["Records"].elements()) {
    EXPECT_EQ(record["messageId"].get_string(scratch).value_or(""), "id-" + std::to_string(i));
    auto body = record["body"].get_string();
    ASSERT_TRUE(body);
    document inner(*body);
    EXPECT_EQ(inner["n"].get_int().value_or(-1), i);
    EXPECT_EQ(inner["s"].get_string().value_or(""), "]}");
    ++i;
  }
  EXPECT_EQ(i, 10000);
  EXPECT_EQ(doc["Records"].size(), 10000u);
  EXPECT_EQ(doc["Records"][9999]["messageId"].get_string().value_or(""), "id-9999");
}

TEST(JsonDocument, IteratorsAreForwardIterators) {
  document doc("[1,2,3]");
  auto elements = doc.root().elements();
  auto it = elements.begin();
  auto copy = it++;
  EXPECT_EQ(copy->json(), "1");
  EXPECT_EQ((*it).json(), "2");
  EXPECT_NE(it, elements.end());
  ++it;
  ++it;
  EXPECT_EQ(it, elements.end());
  EXPECT_EQ(std::distance(elements.begin(), elements.end()), 3);
}

}  // namespace
