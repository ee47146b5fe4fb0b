// Streams its answer in chunks, the caller getting each as it is written. A JSON event may
// shape the stream: "chunks" (5), "chunk_bytes" (64), "pause_ms" between chunks (0), and
// "fail_after": n to throw after n chunks, so the error goes out in the stream's trailers. It
// also honours echo's "sleep_ms" and "fail" (a failure before the first byte).
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

// What Lambda lets a stream carry.
constexpr std::int64_t max_stream_bytes = 200 * 1000 * 1000;

std::int64_t field(std::string_view event, std::string_view pointer, std::int64_t otherwise) {
  auto value = lambda::json::find_int(event, pointer);
  if (!value) return otherwise;
  if (*value < 0) throw std::invalid_argument(std::string(pointer.substr(1)) + " must not be negative");
  return *value;
}

void stream(std::string_view event, const lambda::context&, lambda::response_stream& out) {
  const std::int64_t chunks = field(event, "/chunks", 5);
  const std::int64_t chunk_bytes = field(event, "/chunk_bytes", 64);
  const std::int64_t pause_ms = field(event, "/pause_ms", 0);
  const std::int64_t fail_after = field(event, "/fail_after", -1 /* never */);
  if (chunk_bytes > 0 && chunks > max_stream_bytes / chunk_bytes) {
    throw std::invalid_argument("chunks x chunk_bytes is over the 200 MB a stream may carry");
  }
  if (auto sleep_ms = field(event, "/sleep_ms", 0); sleep_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
  if (lambda::json::find_bool(event, "/fail").value_or(false)) throw std::runtime_error("requested failure");

  lambda::log::info("streaming {} chunks of {} bytes", chunks, chunk_bytes);
  out.set_content_type("text/plain");
  std::string chunk(static_cast<std::size_t>(chunk_bytes), ' ');
  for (std::int64_t i = 0; i < chunks; ++i) {
    if (i == fail_after) throw std::runtime_error("requested failure after " + std::to_string(i) + " chunks");
    if (i > 0 && pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    chunk.assign(chunk.size(), static_cast<char>('a' + i % 26));  // chunk 0 is "aaa…", chunk 1 "bbb…"
    out.write(chunk);
  }
  if (fail_after == chunks) throw std::runtime_error("requested failure after " + std::to_string(chunks) + " chunks");
}

}  // namespace

int main() {
  // stream keeps no state, so one handler can serve every RIC at once.
  return lambda::run_concurrent(stream);
}
