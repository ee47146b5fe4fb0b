#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace {

using namespace lambda::http;
using lambda::test::guarded_bytes;

struct decoded {
  parse_status status = parse_status::incomplete;
  std::string body;
  std::size_t consumed = 0;  // of the whole input, when complete
  std::string_view reason;
};

// Feeds `input` in pieces of `piece` bytes, each placed at a guard page, collecting the body.
decoded decode_in_pieces(std::string_view input, std::size_t piece) {
  chunked_decoder decoder;
  decoded out;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    guarded_bytes bytes(input.substr(at, piece));
    chunked_result r = decoder.decode({bytes.data(), bytes.size()});
    out.body.append(bytes.data(), r.decoded);
    out.status = r.status;
    out.reason = r.reason;
    if (r.status == parse_status::complete) {
      out.consumed = at + r.consumed;
      EXPECT_TRUE(decoder.done());
      return out;
    }
    if (r.status != parse_status::incomplete) return out;
    EXPECT_EQ(r.consumed, bytes.size());
  }
  return out;
}

// Decodes `input` whole and one byte at a time, and checks both ways agree.
decoded decode(std::string_view input) {
  decoded whole = decode_in_pieces(input, input.size() ? input.size() : 1);
  decoded dribbled = decode_in_pieces(input, 1);
  EXPECT_EQ(dribbled.status, whole.status);
  EXPECT_EQ(dribbled.body, whole.body);
  EXPECT_EQ(dribbled.consumed, whole.consumed);
  EXPECT_EQ(dribbled.reason, whole.reason);
  return whole;
}

TEST(ChunkedDecoder, DecodesChunks) {
  const std::string input = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  decoded d = decode(input);
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, "hello, world");
  EXPECT_EQ(d.consumed, input.size());
}

TEST(ChunkedDecoder, DecodesInPlace) {
  guarded_bytes bytes("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  chunked_decoder decoder;
  chunked_result r = decoder.decode({bytes.data(), bytes.size()});
  ASSERT_EQ(r.status, parse_status::complete);
  EXPECT_EQ(std::string_view(bytes.data(), r.decoded), "abcde");
}

TEST(ChunkedDecoder, EmptyBody) {
  decoded d = decode("0\r\n\r\n");
  ASSERT_EQ(d.status, parse_status::complete);
  EXPECT_EQ(d.body, "");
}

TEST(ChunkedDecoder, HexSizesInAnyCaseWithLeadingZeros) {
  const std::string sixteen(16, 'x');
  const std::string twenty_six(26, 'y');
  decoded d = decode("00010\r\n" + sixteen + "\r\n1a\r\n" + twenty_six + "\r\n1A\r\n" +
                     twenty_six + "\r\n0000\r\n\r\n");
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, sixteen + twenty_six + twenty_six);
}

TEST(ChunkedDecoder, SkipsExtensions) {
  decoded d = decode("3;name=value;flag\r\nabc\r\n2 ; q=\"a b\"\r\nde\r\n0;last\r\n\r\n");
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, "abcde");
}

TEST(ChunkedDecoder, ChecksAndDropsTrailers) {
  decoded d = decode(
      "4\r\nbody\r\n0\r\n"
      "Lambda-Runtime-Function-Error-Type: Function.Oops\r\n"
      "Lambda-Runtime-Function-Error-Body: eyJ9\r\n"
      "Empty:\r\n"
      "\r\n");
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, "body");
}

TEST(ChunkedDecoder, StopsAtTheEndOfTheBody) {
  const std::string body = "1\r\nz\r\n0\r\n\r\n";
  decoded d = decode(body + "HTTP/1.1 200 OK\r\n");
  ASSERT_EQ(d.status, parse_status::complete);
  EXPECT_EQ(d.body, "z");
  EXPECT_EQ(d.consumed, body.size());
}

TEST(ChunkedDecoder, IncompleteUntilTheLastLine) {
  EXPECT_EQ(decode("").status, parse_status::incomplete);
  EXPECT_EQ(decode("5\r\nhel").status, parse_status::incomplete);
  EXPECT_EQ(decode("5\r\nhello\r\n0\r\n").status, parse_status::incomplete);
  EXPECT_EQ(decode("5\r\nhello\r\n0\r\nX: y\r\n").status, parse_status::incomplete);
  EXPECT_EQ(decode("0\r\n\r").status, parse_status::incomplete);
}

TEST(ChunkedDecoder, RejectsMalformedFraming) {
  const std::vector<std::pair<const char*, std::string_view>> cases = {
      {"no size", "\r\nabc\r\n0\r\n\r\n"},
      {"not hex", "g\r\n"},
      {"sign", "+5\r\nhello\r\n"},
      {"space first", " 5\r\nhello\r\n"},
      {"junk after size", "5 x\r\nhello\r\n"},
      {"bare LF after size", "5\nhello\r\n"},
      {"bare CR after size", "5\rhello\r\n"},
      {"data longer than size", "3\r\nabcd\r\n0\r\n\r\n"},
      {"bare LF after data", "3\r\nabc\n0\r\n\r\n"},
      {"control in extension", "3;a\x01\r\nabc\r\n"},
      {"overflowing size", "1ffffffffffffffff\r\n"},
      {"obs-fold in trailer", "0\r\nA: b\r\n c\r\n\r\n"},
      {"bad trailer name", "0\r\nA b: c\r\n\r\n"},
      {"trailer without colon", "0\r\nAb\r\n\r\n"},
      {"control in trailer", "0\r\nA: b\x01\r\n\r\n"},
      {"bare LF ends body", "0\r\n\n"},
  };
  for (const auto& [what, input] : cases) {
    decoded d = decode(input);
    EXPECT_EQ(d.status, parse_status::malformed) << what;
    EXPECT_FALSE(d.reason.empty()) << what;
  }
}

TEST(ChunkedDecoder, LargestSizeIsAccepted) {
  guarded_bytes bytes("ffffffffffffffff\r\nabc");
  chunked_decoder decoder;
  chunked_result r = decoder.decode({bytes.data(), bytes.size()});
  EXPECT_EQ(r.status, parse_status::incomplete);
  EXPECT_EQ(r.decoded, 3u);
}

TEST(ChunkedDecoder, EndlessExtensionIsTooLarge) {
  std::string input = "5;";
  input.append(max_head_bytes, 'e');
  decoded d = decode_in_pieces(input, 4096);
  EXPECT_EQ(d.status, parse_status::too_large);
  EXPECT_EQ(d.reason, "chunk-size line larger than 64 KiB");
}

TEST(ChunkedDecoder, EndlessTrailersAreTooLarge) {
  std::string input = "0\r\n";
  while (input.size() < 2 * max_head_bytes) input += "X-Trailer: value\r\n";
  decoded d = decode_in_pieces(input, 4096);
  EXPECT_EQ(d.status, parse_status::too_large);
  EXPECT_EQ(d.reason, "trailer section larger than 64 KiB");
}

TEST(ChunkedDecoder, ManyChunksDoNotAddUpToTheLineLimit) {
  std::string input;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    input += "1;ext\r\nq\r\n";
    expected += 'q';
  }
  input += "0\r\n\r\n";
  decoded d = decode_in_pieces(input, 1000);
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, expected);
}

}  // namespace
