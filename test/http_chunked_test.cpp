#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace {

using namespace lambda::http;
using lambda::test::guarded_bytes;

using fields = std::vector<std::pair<std::string, std::string>>;

struct decoded {
  parse_status status = parse_status::incomplete;
  std::string body;
  std::size_t consumed = 0;  // of the whole input, when complete
  std::string_view reason;
  std::vector<std::size_t> chunk_ends;  // recorded only
  fields trailers;                      // recorded only, once done
};

// Feeds `input` in pieces of `piece` bytes, each placed at a guard page that is unmapped once
// decoded, collecting the body. `record` picks decode(data, chunk_ends) over decode(data).
decoded decode_in_pieces(std::string_view input, std::size_t piece, bool record = false) {
  chunked_decoder decoder;
  decoded out;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    guarded_bytes bytes(input.substr(at, piece));
    const std::span<char> data(bytes.data(), bytes.size());
    chunked_result r = record ? decoder.decode(data, out.chunk_ends) : decoder.decode(data);
    out.body.append(bytes.data(), r.decoded);
    out.status = r.status;
    out.reason = r.reason;
    if (r.status == parse_status::complete) {
      out.consumed = at + r.consumed;
      EXPECT_TRUE(decoder.done());
      break;
    }
    if (r.status != parse_status::incomplete) return out;
    EXPECT_EQ(r.consumed, bytes.size());
  }
  // Read after every piece has been unmapped: the fields must not point into them.
  for (const header& t : decoder.trailers()) out.trailers.emplace_back(t.name, t.value);
  return out;
}

// Decodes `input` whole and one byte at a time, in both forms, checks that all four agree and
// that only the recording form keeps anything, and returns the recorded whole decoding.
decoded decode(std::string_view input) {
  const std::size_t whole = input.size() ? input.size() : 1;
  decoded recorded = decode_in_pieces(input, whole, true);
  decoded recorded_dribbled = decode_in_pieces(input, 1, true);
  EXPECT_EQ(recorded_dribbled.chunk_ends, recorded.chunk_ends);
  EXPECT_EQ(recorded_dribbled.trailers, recorded.trailers);
  for (const decoded& other :
       {decode_in_pieces(input, whole), decode_in_pieces(input, 1), recorded_dribbled}) {
    EXPECT_EQ(other.status, recorded.status);
    EXPECT_EQ(other.body, recorded.body);
    EXPECT_EQ(other.consumed, recorded.consumed);
    EXPECT_EQ(other.reason, recorded.reason);
  }
  return recorded;
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
  const std::string input =
      "4\r\nbody\r\n0\r\n"
      "Lambda-Runtime-Function-Error-Type: Function.Oops\r\n"
      "Lambda-Runtime-Function-Error-Body: eyJ9\r\n"
      "Empty:\r\n"
      "\r\n";
  decoded d = decode_in_pieces(input, input.size());
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.body, "body");
  EXPECT_TRUE(d.trailers.empty());
  EXPECT_EQ(decode(input).trailers.size(), 3u);
}

TEST(ChunkedDecoder, TellsWhereEachChunkEndsAndKeepsTheTrailers) {
  const std::string wire =
      "2\r\nab\r\n3;ext=1\r\ncde\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.RuntimeError\r\n"
      "Lambda-Runtime-Function-Error-Body:  eyJ9  \r\n\r\nNEXT";
  for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{5}}) {
    decoded d = decode_in_pieces(wire, step, true);
    ASSERT_EQ(d.status, parse_status::complete) << step;
    EXPECT_EQ(d.body, "abcde");
    EXPECT_EQ(d.chunk_ends, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(d.trailers, (fields{{"Lambda-Runtime-Function-Error-Type", "Function.RuntimeError"},
                                  {"Lambda-Runtime-Function-Error-Body", "eyJ9"}}));
    EXPECT_EQ(d.consumed, wire.size() - 4);
  }
  decoded bare = decode_in_pieces("0\r\n\r\n", 1, true);
  EXPECT_EQ(bare.status, parse_status::complete);
  EXPECT_TRUE(bare.chunk_ends.empty() && bare.trailers.empty());
}

TEST(ChunkedDecoder, TellsOnlyTheChunksThatEndedInTheCall) {
  std::string wire = "4\r\nab";
  chunked_decoder decoder;
  std::vector<std::size_t> ends;
  EXPECT_EQ(decoder.decode(wire, ends).status, parse_status::incomplete);
  EXPECT_TRUE(ends.empty());
  wire = "cd\r\n3\r\nefg\r\n1\r\n";
  EXPECT_EQ(decoder.decode(wire, ends).status, parse_status::incomplete);
  EXPECT_EQ(ends, (std::vector<std::size_t>{4, 3}));
  EXPECT_EQ(wire.substr(0, 5), "cdefg");
}

TEST(ChunkedDecoder, KeepsTrailerValuesWithoutTheirOuterWhitespace) {
  decoded d = decode("0\r\nA: b: c \t\r\nEmpty: \t \r\nB:x\r\nC:\r\nD:\t y z\r\n\r\n");
  ASSERT_EQ(d.status, parse_status::complete) << d.reason;
  EXPECT_EQ(d.trailers,
            (fields{{"A", "b: c"}, {"Empty", ""}, {"B", "x"}, {"C", ""}, {"D", "y z"}}));
}

TEST(ChunkedDecoder, AMoveKeepsTheTrailers) {
  static_assert(!std::is_copy_constructible_v<chunked_decoder>);
  auto first = std::make_unique<chunked_decoder>();
  std::string wire = "0\r\nA: b\r\n\r\n";
  std::vector<std::size_t> ends;
  ASSERT_EQ(first->decode(wire, ends).status, parse_status::complete);
  chunked_decoder moved = std::move(*first);
  first.reset();
  ASSERT_EQ(moved.trailers().size(), 1u);
  EXPECT_EQ(moved.trailers()[0].name, "A");
  EXPECT_EQ(moved.trailers()[0].value, "b");
}

TEST(ChunkedDecoder, KeepsAtMost64TrailerFields) {
  std::string input = "0\r\n";
  for (std::size_t i = 0; i < max_headers; ++i) input += "T" + std::to_string(i) + ": v\r\n";
  decoded most = decode(input + "\r\n");
  ASSERT_EQ(most.status, parse_status::complete) << most.reason;
  EXPECT_EQ(most.trailers.size(), max_headers);
  EXPECT_EQ(most.trailers.back(), (std::pair<std::string, std::string>{"T63", "v"}));
  decoded over = decode(input + "T64: v\r\n\r\n");
  EXPECT_EQ(over.status, parse_status::too_large);
  EXPECT_EQ(over.reason, "too many trailer fields (more than 64)");
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

TEST(ChunkedDecoder, RejectsBrokenFramingAndTrailers) {
  for (std::string wire : {"x\r\n", "2\r\nabc\r\n", "2\nab\r\n", "0\r\n bad: fold\r\n\r\n",
                           "0\r\nno-colon\r\n\r\n", "0\r\nName: a\rb\r\n\r\n"}) {
    EXPECT_EQ(decode(wire).status, parse_status::malformed) << wire;
  }
  const std::string long_value = "0\r\nT: " + std::string(70000, 'v') + "\r\n\r\n";
  EXPECT_EQ(decode_in_pieces(long_value, 4096, true).status, parse_status::too_large);
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
  while (input.size() < 2 * max_head_bytes) input += "X-Trailer: " + std::string(4000, 'v') + "\r\n";
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
