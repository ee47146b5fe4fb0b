// Streams "chunks" (default 1) chunks of "chunk_bytes" (default 64) bytes, writing the same
// buffer every time: the handler does nothing but out.write, so a benchmark measures the
// runtime's streaming path and the socket, not the filling of chunks.
#include <cstdint>
#include <string>

#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

int main() {
  std::string chunk;  // kept between invocations: grown once, never refilled
  return lambda::run([&chunk](std::string_view event, const lambda::context&, lambda::response_stream& out) {
    const std::int64_t chunks = lambda::json::find_int(event, "/chunks").value_or(1);
    const auto chunk_bytes = static_cast<std::size_t>(lambda::json::find_int(event, "/chunk_bytes").value_or(64));
    if (chunk.size() < chunk_bytes) chunk.assign(chunk_bytes, 'x');
    const std::string_view piece(chunk.data(), chunk_bytes);
    for (std::int64_t i = 0; i < chunks; ++i) out.write(piece);
  });
}
