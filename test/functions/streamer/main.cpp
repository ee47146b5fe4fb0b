// A streaming function for the tests: each event scripts how the answer is written.
//   "content_type": "..."   set before the first byte
//   "flush": true           flush() before the first write
//   "writes": [n, ...]      one write of n bytes each (0: an empty write); byte k of the body is
//                           'a' + k % 26
//   "pieces": true          each write as three pieces in one chunk
//   "describe": true        first write the context as JSON (then a newline)
//   "read_fifo": "path"     after the first write, block until the test writes a byte there
//   "then": "throw" | "set_content_type" | "keep_writing"
//                           after the writes: throw, set the content type (too late), or write
//                           64 KiB chunks until the stream breaks (then log the stream_error)
// STREAMER_MODE=concurrent runs run_concurrent (else run); STREAMER_FACTORY=1 the factory forms.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

using lambda::json::find_bool;
using lambda::json::find_string;

void wait_for_fifo(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  pollfd readable{fd, POLLIN, 0};
  while (poll(&readable, 1, -1) < 0 && errno == EINTR) {}
  char byte = 0;
  bool got = read(fd, &byte, 1) == 1;
  close(fd);
  if (!got) throw std::runtime_error("could not read " + path);
}

std::string describe(const lambda::context& ctx) {
  std::string out;
  lambda::json::writer w(out);
  w.begin_object();
  w.key("request_id").value(ctx.request_id);
  w.key("ric").value(ctx.ric);
  w.key("this_invocation_matches").value(lambda::this_invocation() == &ctx);
  const char* trace_env = std::getenv("_X_AMZN_TRACE_ID");
  w.key("trace_env").value(trace_env ? trace_env : "");
  w.end_object();
  return out.append("\n");
}

void stream(std::string_view event, const lambda::context& ctx, lambda::response_stream& out) {
  if (auto type = find_string(event, "/content_type")) out.set_content_type(*type);
  if (find_bool(event, "/flush").value_or(false)) out.flush();
  if (find_bool(event, "/describe").value_or(false)) out.write(describe(ctx));
  const bool pieces = find_bool(event, "/pieces").value_or(false);
  auto fifo = find_string(event, "/read_fifo");
  std::string bytes;
  std::size_t offset = 0;
  for (int i = 0;; ++i) {
    auto size = lambda::json::find_int(event, "/writes/" + std::to_string(i));
    if (!size) break;
    bytes.resize(static_cast<std::size_t>(*size));
    for (char& c : bytes) c = static_cast<char>('a' + offset++ % 26);
    std::string_view all(bytes);
    if (pieces) {
      out.write({all.substr(0, all.size() / 3), all.substr(all.size() / 3, all.size() / 3),
                 all.substr(all.size() / 3 * 2)});
    } else {
      out.write(all);
    }
    if (i == 0 && fifo) wait_for_fifo(*fifo);
  }
  const std::string then = find_string(event, "/then").value_or("");
  if (then == "throw") throw std::runtime_error("it broke mid-stream");
  if (then == "set_content_type") out.set_content_type("text/plain");
  if (then == "keep_writing") {
    const std::string chunk(64 * 1024, 'x');
    try {
      for (int i = 0; i < 16 * 1024; ++i) out.write(chunk);
    } catch (const lambda::stream_error& e) {
      lambda::log::info("caught stream_error: {}", e.what());
      throw;
    }
  }
}

bool env_is(const char* name, std::string_view value) {
  const char* set = std::getenv(name);
  return set && value == set;
}

}  // namespace

int main() {
  const bool factory = env_is("STREAMER_FACTORY", "1");
  auto make = [](unsigned) { return lambda::streaming_handler(stream); };
  if (env_is("STREAMER_MODE", "concurrent")) {
    return factory ? lambda::run_concurrent(make) : lambda::run_concurrent(stream);
  }
  return factory ? lambda::run(make) : lambda::run(stream);
}
