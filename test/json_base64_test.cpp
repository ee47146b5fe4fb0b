// Base64 (RFC 4648): its test vectors, every padding, strict rejection, and round trips of
// every byte value at every length.
#include <lambda/base64.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/random_source.hpp"

namespace {

using lambda::base64::append_decoded;
using lambda::base64::decode;
using lambda::base64::encode;

TEST(Base64, EncodesTheRfcVectorsWithZeroOneAndTwoPaddingCharacters) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, text] : vectors) {
    EXPECT_EQ(encode(raw), text) << raw;
    EXPECT_EQ(lambda::base64::encoded_size(raw.size()), text.size());
    auto back = decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, raw);
  }
}

TEST(Base64, EncodesEveryByteValue) {
  EXPECT_EQ(encode(std::string("\x00\xff\xfe", 3)), "AP/+");
  EXPECT_EQ(encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, RejectsWhatIsNotStrictBase64) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9", "Zg===", "====", "=Zg=", "Z=g=", "Zm=v", "Zm9v=", "Zm 9v",
                          "Zm9v\n", "Zm-v", "Zm_v", "Zh==", "Zm9=", "Zm9vYg=\n", "Zg==Zg==", "\x80\x80\x80\x80"}) {
    EXPECT_FALSE(decode(bad)) << '"' << bad << '"';
  }
}

TEST(Base64, AFailedDecodeLeavesTheOutputAsItWas) {
  std::string out = "kept";
  EXPECT_FALSE(append_decoded(out, "Zm9vYmF@"));
  EXPECT_EQ(out, "kept");
  EXPECT_FALSE(append_decoded(out, "Zm9vZh=="));  // unused bits set in the padded group
  EXPECT_EQ(out, "kept");
  EXPECT_TRUE(append_decoded(out, "Zm9v"));
  EXPECT_EQ(out, "keptfoo");
}

TEST(Base64, RoundTripsRandomBytesOfEveryLengthUpTo300) {
  lambda::test::random_source random(2026);
  for (std::size_t length = 0; length <= 300; ++length) {
    std::string raw(length, '\0');
    for (auto& c : raw) c = static_cast<char>(random.below(256));
    const std::string text = encode(raw);
    ASSERT_EQ(text.size() % 4, 0u);
    auto back = decode(text);
    ASSERT_TRUE(back) << length;
    ASSERT_EQ(*back, raw) << length;
  }
}

}  // namespace
