// Reading an SQS batch through lambda::events: construct the view (which validates the whole
// event once) and read every record's messageId and body, for 1,000 and 10,000 records.
//   make bench   (or: make build/bench/events_bench && build/bench/events_bench [repetitions])
// CPU time of the calling thread, best of the repetitions; each repetition runs every pass in
// turn, so a noisy neighbour slows all of them alike. Goals: 10x the records costs at most 12x
// the time, and the 5.9 MB batch takes at most 10 ms.
#include <lambda/events.hpp>
#include <lambda/json.hpp>

#include <time.h>

#include <algorithm>
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
namespace events = lambda::events;
using lambda::test::random_source;

std::string hex(random_source& rng, std::size_t digits) {
  std::string s;
  for (std::size_t i = 0; i < digits; ++i) s += "0123456789abcdef"[rng.below(16)];
  return s;
}

std::string uuid(random_source& rng) {
  return hex(rng, 8) + "-" + hex(rng, 4) + "-" + hex(rng, 4) + "-" + hex(rng, 4) + "-" + hex(rng, 12);
}

// An order as an application sends it: JSON, so every quote is escaped once it is a body; some
// accented text stays UTF-8. 430 bytes in the event on average, so that with its envelope a
// record takes ~590 bytes and 10,000 of them ~5.9 MB, the most a Lambda event holds.
std::string body(random_source& rng) {
  std::string out;
  json::writer w(out);
  w.begin_object().key("orderId").value(uuid(rng)).key("customer").value("customer-" + std::to_string(rng.below(100000)))
      .key("note").value(rng.below(2) ? "Livraison \"express\" \xC3\xA0 Paris" : "Leave at the door")
      .key("items").begin_array();
  for (std::size_t i = 0, n = rng.below(4) == 0 ? 4 : 3; i < n; ++i) {
    w.begin_object().key("sku").value("SKU-" + std::to_string(100000 + rng.below(900000)))
        .key("qty").value(static_cast<std::int64_t>(1 + rng.below(5)))
        .key("price").value(static_cast<std::int64_t>(rng.below(100000)))
        .key("name").value("stainless bottle 500 ml").end_object();
  }
  w.end_array().key("gift").value(rng.below(4) == 0).end_object();
  return out;
}

// A batch in SQS's shape: messageId, a short receiptHandle, the body, the queue and region.
std::string batch(std::size_t records) {
  random_source rng(42);
  std::string out;
  json::writer w(out);
  w.begin_object().key("Records").begin_array();
  for (std::size_t i = 0; i < records; ++i) {
    w.begin_object().key("messageId").value(uuid(rng)).key("receiptHandle").value("AQEB" + hex(rng, 28))
        .key("body").value(body(rng)).key("eventSource").value("aws:sqs")
        .key("awsRegion").value("us-east-2").end_object();
  }
  w.end_array().end_object();
  return out;
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

volatile std::size_t sink = 0;

// The whole job: validate, then read every messageId and body (unescaped where needed).
void read_all(std::string_view event) {
  events::sqs_event batch(event);
  std::size_t bytes = 0;
  for (const events::sqs_message& m : batch.records()) bytes += m.message_id().size() + m.body().size();
  sink = sink + bytes;
}

// The parts of read_all, to see where its time goes.
void validate_only(std::string_view event) { sink = sink + static_cast<bool>(json::document(event)); }

void find_records(const json::document& doc) { sink = sink + doc["Records"].json().size(); }

void iterate_records(const json::document& doc) {
  std::size_t records = 0;
  for (const json::value& record : doc["Records"].elements()) records += record.json().size() != 0;
  sink = sink + records;
}

void find_fields(const json::document& doc) {
  std::size_t bytes = 0;
  for (const json::value& record : doc["Records"].elements()) {
    bytes += record["messageId"].json().size() + record["body"].json().size();
  }
  sink = sink + bytes;
}

struct pass {
  const char* name;
  std::function<void()> run;
  double best = 1e300;
};

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  const std::string small = batch(1000), large = batch(10000);
  const json::document small_doc(small), large_doc(large);
  if (!small_doc || !large_doc) return std::puts("generated batch is not JSON"), 1;

  std::size_t body_bytes = 0;
  for (const json::value& r : large_doc["Records"].elements()) body_bytes += r["body"].json().size() - 2;

  std::vector<pass> passes = {
      {"json::document(event): validate", [&] { validate_only(small); }},
      {"", [&] { validate_only(large); }},
      {"doc[\"Records\"] (skips the array)", [&] { find_records(small_doc); }},
      {"", [&] { find_records(large_doc); }},
      {"  + iterate its elements", [&] { iterate_records(small_doc); }},
      {"", [&] { iterate_records(large_doc); }},
      {"  + find messageId and body in each", [&] { find_fields(small_doc); }},
      {"", [&] { find_fields(large_doc); }},
      {"sqs_event: read every id and body", [&] { read_all(small); }},
      {"", [&] { read_all(large); }},
  };
  for (int r = 0; r < repetitions; ++r) {
    for (pass& p : passes) {
      const double start = cpu_ms();
      p.run();
      p.best = std::min(p.best, cpu_ms() - start);
    }
  }

  std::printf("SQS batches: 1,000 records = %.2f MB, 10,000 records = %.2f MB (body %.0f bytes on average, "
              "as escaped in the event); CPU time, best of %d\n",
              static_cast<double>(small.size()) / 1e6, static_cast<double>(large.size()) / 1e6,
              static_cast<double>(body_bytes) / 10000, repetitions);
  std::printf("  %-38s %10s %10s %10s %12s\n", "pass", "1k ms", "10k ms", "10k/1k", "10k MB/s");
  for (std::size_t i = 0; i < passes.size(); i += 2) {
    const std::string name = passes[i].name;
    const double ratio = passes[i + 1].best / passes[i].best;
    std::printf("  %-38s %10.3f %10.3f %9.2fx %12.0f\n", name.c_str(), passes[i].best, passes[i + 1].best, ratio,
                static_cast<double>(large.size()) / 1e3 / passes[i + 1].best);
  }
  std::printf("  (the first four rows work on a document validated beforehand; the last is the whole job,\n"
              "   and adds unescaping each body into the event's scratch to the rows above it)\n");
  const double full_small = passes[8].best, full_large = passes[9].best;
  const bool linear = full_large / full_small <= 12, fast = full_large <= 10;
  std::printf("  goals: 10k/1k <= 12x: %s (%.2fx); 10k batch <= 10 ms: %s (%.2f ms)\n", linear ? "met" : "MISSED",
              full_large / full_small, fast ? "met" : "MISSED", full_large);
  return 0;
}
