// A deliberately plain HTTP client for tests of servers: a blocking socket on 127.0.0.1, bytes
// sent exactly as given, answers read with a deadline (a hang becomes a failed read).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda::test {

struct raw_answer {
  int minor_version = 1;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool chunked = false;
  bool until_close = false;  // the body was delimited by the server closing
  std::size_t reads = 0;     // recv calls it took

  // The first header named `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class raw_http_client {
 public:
  // Connects to "127.0.0.1:PORT"; throws std::runtime_error when it cannot.
  explicit raw_http_client(std::string_view address);
  ~raw_http_client();
  raw_http_client(const raw_http_client&) = delete;
  raw_http_client& operator=(const raw_http_client&) = delete;

  void send(std::string_view bytes);
  // One whole answer, or nullopt when none came within `timeout` or it was malformed.
  std::optional<raw_answer> read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the server closed the connection within `timeout` without sending another byte.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether any byte (or the close) arrives within `timeout`.
  bool readable_within(std::chrono::milliseconds timeout);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline, raw_answer& answer);

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

std::string get_next_request(std::string_view extra_headers = {});
// A POST with Content-Length; `extra_headers` are raw "Name: value\r\n" lines.
std::string post_request(std::string_view target, std::string_view body,
                         std::string_view extra_headers = {});

}  // namespace lambda::test
