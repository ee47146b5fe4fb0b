// Fuzz target: the emulator's request_reader (tools/emulator/http_server.hpp), which frames the
// requests of one connection: heads, Content-Length and chunked bodies, pipelined requests.
//
// Input: the bytes a connection receives. A hash of them picks the body limit (small, so that
// limits are reached) and how a body_listener reads chunked bodies (none; reported and kept;
// reported and dropped).
//
// Oracles: the bytes received whole, in random pieces and one byte at a time frame the same
// requests (method, target, fields, body, trailers, sizes, keep-alive) and end the same way
// (waiting for more, malformed or too_large, with a reason); a kept body is body_bytes long and
// is what the listener was reported, a dropped one is empty; space() is never empty while a
// request is still incomplete (the chunked reader drops framing it has decoded); a chunked body
// over the limit is too_large whatever framing follows it, however the bytes were split.
//
//   make fuzz FUZZ_TARGETS=emulator_request_reader FUZZ_SECONDS=60
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "../../tools/emulator/http_server.hpp"
#include "fuzz.hpp"

namespace {

using namespace lambda;
using emulator::body_policy;
using emulator::received_request;

class listener : public emulator::body_listener {
 public:
  explicit listener(body_policy policy) : policy_(policy) {}
  body_policy on_head(const received_request&) override {
    reported.clear();
    return policy_;
  }
  void on_body(const received_request&, const emulator::body_progress& progress) override {
    reported.append(progress.data);
    fuzz::check(progress.body_bytes >= reported.size() || !policy_.keep, "body_bytes below what was reported");
  }
  std::string reported;

 private:
  body_policy policy_;
};

struct outcome {
  std::vector<std::string> requests;
  http::parse_status end = http::parse_status::incomplete;
};

std::string describe(const received_request& r) {
  std::string out = std::string(r.method) + " " + std::string(r.target) + (r.chunked ? " chunked" : "") +
                    (r.keep_alive ? " keep-alive" : " close") + " " + std::to_string(r.body_bytes);
  for (const http::header& h : r.headers) out += "\n" + std::string(h.name) + ": " + std::string(h.value);
  out += "\n\n" + std::string(r.body);
  for (const http::header& h : r.trailers) out += "\n" + std::string(h.name) + ": " + std::string(h.value);
  return out;
}

outcome read_all(std::string_view input, const std::vector<std::size_t>& ends, std::size_t max_body, int mode) {
  emulator::request_reader reader(max_body);
  listener watcher({.max_body = max_body, .keep = mode != 2, .report = true});
  emulator::body_listener* l = mode == 0 ? nullptr : &watcher;
  outcome out;
  std::size_t fed = 0;
  for (std::size_t end : ends) {
    while (fed < end) {
      const std::span<char> space = reader.space();
      fuzz::check(!space.empty(), "request_reader: space() empty while a request is incomplete");
      const std::size_t n = std::min(space.size(), end - fed);
      std::memcpy(space.data(), input.data() + fed, n);
      reader.received(n);
      fed += n;
      for (;;) {
        received_request r;
        const http::parse_status s = reader.next(r, l);
        if (s == http::parse_status::incomplete) break;
        if (s != http::parse_status::complete) {
          fuzz::check(!reader.error().empty(), "the reader failed without a reason");
          out.end = s;
          return out;
        }
        if (l != nullptr && r.chunked) {
          fuzz::check(mode == 2 ? r.body.empty() && watcher.reported.size() == r.body_bytes : watcher.reported == r.body,
                      "the reported pieces differ from the body");
        }
        if (mode != 2 || !r.chunked) fuzz::check(r.body.size() == r.body_bytes, "a kept body is not body_bytes long");
        out.requests.push_back(describe(r));
        reader.consume();
      }
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::splitter split(input);
  const std::size_t limits[] = {0, 16, 300, 5000, emulator::default_max_body};
  const std::size_t max_body = limits[split.next() % 5];
  const int mode = static_cast<int>(split.next() % 3);

  const outcome want = read_all(input, {size}, max_body, mode);
  for (const auto& ends : {split.ends(size), size <= 512 ? fuzz::splitter::bytewise(size) : split.ends(size)}) {
    const outcome got = read_all(input, ends, max_body, mode);
    fuzz::check(got.requests == want.requests, "fed in pieces, other requests are framed");
    fuzz::check(got.end == want.end, "fed in pieces, the connection ends another way");
  }
  return 0;
}
