// Tokenizer, is_valid and lookup throughput on two generated Lambda events, next to floors
// measured in the same run:
//   make bench   (or: make build/bench/json_bench && build/bench/json_bench [repetitions])
//   build/bench/json_bench --save /tmp/in   writes the two inputs, to run other parsers on them
// Inputs come from a fixed-seed generator, so every run measures the same bytes. Each
// repetition runs every pass in turn (so a noisy neighbour slows all of them alike) and the
// best repetition of each pass is reported.
#include <lambda/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "../test/support/random_source.hpp"

namespace {

namespace json = lambda::json;

using lambda::test::random_source;

std::string hex_id(random_source& rng, std::size_t digits) {
  std::string id;
  for (std::size_t i = 0; i < digits; ++i) id += "0123456789abcdef"[rng.below(16)];
  return id;
}

std::string uuid(random_source& rng) {
  return hex_id(rng, 8) + "-" + hex_id(rng, 4) + "-" + hex_id(rng, 4) + "-" + hex_id(rng, 4) +
         "-" + hex_id(rng, 12);
}

std::string base64ish(random_source& rng, std::size_t length) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (std::size_t i = 0; i < length; ++i) s += alphabet[rng.below(alphabet.size())];
  return s;
}

// Product prose: mostly ASCII, some accented and CJK words, as shop catalogues are.
std::string description(random_source& rng, std::size_t words) {
  const char* vocabulary[] = {"durable", "lightweight", "stainless", "steel", "bottle", "with",
                              "a", "double-wall", "vacuum", "insulated", "lid", "keeps",
                              "drinks", "cold", "for", "24", "hours", "caf\xC3\xA9",
                              "cr\xC3\xA8me", "na\xC3\xAFve", "\xE6\x9D\xB1\xE4\xBA\xAC",
                              "M\xC3\xBCnchen", "and", "the", "ideal", "gift", "(500 ml)"};
  std::string s;
  for (std::size_t i = 0; i < words; ++i) {
    if (i != 0) s += ' ';
    s += rng.pick(vocabulary);
  }
  return s + '.';
}

// The JSON an application puts in a message: an order with line items.
std::string order_json(random_source& rng, std::size_t items) {
  std::string out;
  json::writer w(out);
  w.begin_object().key("orderId").value(uuid(rng)).key("customer").begin_object()
      .key("id").value(static_cast<std::int64_t>(rng.below(10000000)))
      .key("email").value("customer" + std::to_string(rng.below(100000)) + "@example.com")
      .key("name").value("J\xC3\xBCrgen O'Neil").end_object()
      .key("currency").value("EUR").key("items").begin_array();
  for (std::size_t i = 0; i < items; ++i) {
    w.begin_object()
        .key("sku").value("SKU-" + std::to_string(100000 + rng.below(900000)))
        .key("quantity").value(static_cast<std::int64_t>(1 + rng.below(5)))
        .key("unitPrice").value(static_cast<double>(rng.below(100000)) / 100)
        .key("description").value(description(rng, 12 + rng.below(30)))
        .key("gift").value(rng.below(4) == 0)
        .end_object();
  }
  w.end_array().key("note").value("Leave at the door \"please\"\nThanks!").end_object();
  return out;
}

// An API Gateway HTTP API (payload format 2.0) event with a JSON body, about 1.5 KB.
std::string api_gateway_event() {
  random_source rng(2);
  std::string out;
  json::writer w(out);
  w.begin_object()
      .key("version").value("2.0")
      .key("routeKey").value("POST /orders")
      .key("rawPath").value("/orders")
      .key("rawQueryString").value("expand=items&limit=10")
      .key("cookies").begin_array().value("session=" + base64ish(rng, 32)).value("theme=dark")
      .end_array()
      .key("headers").begin_object()
      .key("accept").value("application/json")
      .key("accept-encoding").value("gzip, deflate, br")
      .key("content-type").value("application/json")
      .key("host").value("r3pmxmplak.execute-api.us-east-1.amazonaws.com")
      .key("user-agent").value("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
      .key("x-amzn-trace-id").value("Root=1-" + hex_id(rng, 8) + "-" + hex_id(rng, 24))
      .key("x-forwarded-for").value("203.0.113.7")
      .key("x-forwarded-port").value("443")
      .key("x-forwarded-proto").value("https")
      .end_object()
      .key("queryStringParameters").begin_object()
      .key("expand").value("items").key("limit").value("10").end_object()
      .key("requestContext").begin_object()
      .key("accountId").value("123456789012")
      .key("apiId").value("r3pmxmplak")
      .key("domainName").value("r3pmxmplak.execute-api.us-east-1.amazonaws.com")
      .key("domainPrefix").value("r3pmxmplak")
      .key("http").begin_object()
      .key("method").value("POST").key("path").value("/orders").key("protocol").value("HTTP/1.1")
      .key("sourceIp").value("203.0.113.7")
      .key("userAgent").value("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
      .end_object()
      .key("requestId").value("JKJaXmPLvHcESHA=")
      .key("routeKey").value("POST /orders")
      .key("stage").value("$default")
      .key("time").value("12/Mar/2024:19:03:58 +0000")
      .key("timeEpoch").value(std::int64_t{1710270238000})
      .end_object()
      .key("body").value(order_json(rng, 1))
      .key("isBase64Encoded").value(false)
      .end_object();
  return out;
}

// An SQS batch of 10 records whose bodies are ~25 KB JSON orders, about 256 KB in all.
std::string sqs_batch() {
  random_source rng(1);
  std::string out;
  json::writer w(out);
  w.begin_object().key("Records").begin_array();
  for (int i = 0; i < 10; ++i) {
    w.begin_object()
        .key("messageId").value(uuid(rng))
        .key("receiptHandle").value(base64ish(rng, 360))
        .key("body").value(order_json(rng, 92))
        .key("attributes").begin_object()
        .key("ApproximateReceiveCount").value("1")
        .key("SentTimestamp").value("1710270238" + std::to_string(100 + rng.below(900)))
        .key("SenderId").value("AIDAIENQZJOLO23YVJ4VO")
        .key("ApproximateFirstReceiveTimestamp")
        .value("1710270238" + std::to_string(rng.below(900)))
        .end_object()
        .key("messageAttributes").begin_object()
        .key("tenant").begin_object().key("stringValue").value("acme")
        .key("dataType").value("String").end_object()
        .end_object()
        .key("md5OfBody").value(hex_id(rng, 32))
        .key("eventSource").value("aws:sqs")
        .key("eventSourceARN").value("arn:aws:sqs:us-east-1:123456789012:orders")
        .key("awsRegion").value("us-east-1")
        .end_object();
  }
  w.end_array().end_object();
  return out;
}

// The floors: every byte read once, one at a time. The first carries a dependency from byte to
// byte, as a scalar state machine does; the second is the cheapest loop there is (neither GCC
// 12 nor Clang 14 vectorizes it at -O2, which the printed figures would show: ~1 byte/cycle).
std::uint64_t floor_dependent(std::string_view s) {
  std::uint64_t h = 0;
  for (const char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}

std::uint64_t floor_sum(std::string_view s) {
  std::uint64_t sum = 0;
  for (const char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

std::uint64_t validate(std::string_view s) { return json::is_valid(s) ? 1 : 0; }

std::uint64_t tokenize(std::string_view s) {
  json::tokenizer reader(s);
  std::uint64_t bytes = 0;
  for (json::token t = reader.next(); t.kind != json::token_kind::end; t = reader.next()) {
    if (t.kind == json::token_kind::error) std::abort();
    bytes += t.text.size();
  }
  return bytes;
}

// As from a socket: the input grows one TCP segment's worth (1460 bytes) at a time. Were cut
// strings rescanned from their start, the ~25 KB bodies would make this far slower.
std::uint64_t tokenize_in_segments(std::string_view s) {
  json::tokenizer reader;
  std::uint64_t bytes = 0;
  std::size_t fed = 0;
  for (;;) {
    const json::token t = reader.next();
    switch (t.kind) {
      case json::token_kind::end: return bytes;
      case json::token_kind::error: std::abort();
      case json::token_kind::need_more:
        fed = std::min(s.size(), fed + 1460);
        reader.feed(s.substr(0, fed));
        if (fed == s.size()) reader.finish();
        break;
      default: bytes += t.text.size(); break;
    }
  }
}

struct pass {
  const char* name;
  std::function<std::uint64_t(std::string_view)> run;
  double best_seconds = 1e30;
};

volatile std::uint64_t sink;

void measure(const char* title, std::string_view input, std::string_view late_pointer,
             int repetitions) {
  if (!json::is_valid(input) || !json::find(input, late_pointer)) {
    std::fprintf(stderr, "json_bench: generated input for %s is broken\n", title);
    std::exit(1);
  }
  std::vector<pass> passes = {
      {"floor: h = h*31 + byte", floor_dependent},
      {"floor: sum += byte", floor_sum},
      {"is_valid", validate},
      {"tokenizer (all tokens)", tokenize},
      {"tokenizer, 1460 B pieces", tokenize_in_segments},
      {"find", [late_pointer](std::string_view s) { return json::find(s, late_pointer)->size(); }},
  };
  // About 1 ms a timing: long enough for the clock, short enough that many timings escape
  // preemption on a busy machine, so the best of them is the undisturbed speed.
  const std::size_t iterations = std::max<std::size_t>(1, 2'000'000 / input.size());
  for (int r = 0; r < repetitions; ++r) {
    for (pass& p : passes) {
      const auto start = std::chrono::steady_clock::now();
      std::uint64_t result = 0;
      for (std::size_t i = 0; i < iterations; ++i) result += p.run(input);
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      sink = result;
      p.best_seconds = std::min(p.best_seconds, elapsed.count() / static_cast<double>(iterations));
    }
  }
  const auto backslashes = static_cast<std::size_t>(std::count(input.begin(), input.end(), '\\'));
  std::printf("%s: %zu bytes, %zu backslashes; best of %d repetitions\n", title, input.size(),
              backslashes, repetitions);
  const double floor_seconds = passes[0].best_seconds;
  const double sum_seconds = passes[1].best_seconds;
  for (const pass& p : passes) {
    const double mb_per_s = static_cast<double>(input.size()) / p.best_seconds / 1e6;
    std::printf("  %-26s %8.0f MB/s  %5.2fx dependent floor  %5.2fx sum floor\n", p.name, mb_per_s,
                floor_seconds / p.best_seconds, sum_seconds / p.best_seconds);
  }
}

// Writes an input to a file, to measure other parsers on the very same bytes.
void save(const std::string& path, const std::string& contents) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(contents.data(), 1, contents.size(), f) != contents.size() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "json_bench: cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "--save" && argc == 3) {
    save(std::string(argv[2]) + "-apigw-v2.json", api_gateway_event());
    save(std::string(argv[2]) + "-sqs-batch.json", sqs_batch());
    return 0;
  }
  if (first.size() > 0 && (first[0] < '1' || first[0] > '9')) {
    std::fprintf(stderr, "usage: json_bench [repetitions] | json_bench --save PATH_PREFIX\n");
    return 2;
  }
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 80;
  measure("API Gateway HTTP API v2 event", api_gateway_event(), "/requestContext/http/method",
          repetitions);
  measure("SQS batch of 10 records", sqs_batch(), "/Records/9/messageId", repetitions);
  return 0;
}
