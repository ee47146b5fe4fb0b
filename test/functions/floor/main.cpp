// The floor for payload benchmarks: what answering an event by echo costs with no runtime at
// all. No library; one blocking socket to AWS_LAMBDA_RUNTIME_API; GET /next read whole into a
// static 8 MiB buffer (the body framed by Content-Length), its body posted back from that same
// buffer as the answer; HTTP/1.1 keep-alive, reconnecting when the server closes. Anything
// else (chunked answers, bodies over the buffer) ends the process with status 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t buffer_size = 8 << 20;
char buffer[buffer_size];  // the /next answer: head, then body
char small[4096];          // the answer to a POST
char head[512];            // the POST's head

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "floor: %s\n", why);
  std::exit(2);
}

sockaddr_in address{};
int fd = -1;

void connect_once() {
  if (fd >= 0) close(fd);
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket failed");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) die("connect failed");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool send_all(iovec* parts, int count) {
  while (count > 0) {
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t sent = sendmsg(fd, &message, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    auto left = static_cast<std::size_t>(sent);
    while (count > 0 && left >= parts->iov_len) {
      left -= parts->iov_len;
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<char*>(parts->iov_base) + left;
      parts->iov_len -= left;
    }
  }
  return true;
}

// The value of header `name` in the head [text, text + size), or an empty view.
std::string_view header(std::string_view head_text, std::string_view name) {
  std::size_t at = head_text.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head_text.size()) {
    const std::size_t start = at + 2;
    const std::size_t end = head_text.find("\r\n", start);
    std::string_view line = head_text.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      return value;
    }
    at = end;
  }
  return {};
}

// Reads one answer into `into`: returns its head's size (with the blank line) and sets
// `length` to its Content-Length; 0 when the connection closed first.
std::size_t read_answer(char* into, std::size_t capacity, std::size_t& length) {
  std::size_t filled = 0, head_size = 0;
  while (head_size == 0) {
    if (filled == capacity) die("head too large");
    ssize_t got = recv(fd, into + filled, capacity - filled, 0);
    if (got <= 0) return 0;
    const std::size_t searched_from = filled >= 3 ? filled - 3 : 0;
    filled += static_cast<std::size_t>(got);
    std::string_view seen(into + searched_from, filled - searched_from);
    if (std::size_t end = seen.find("\r\n\r\n"); end != std::string_view::npos) head_size = searched_from + end + 4;
  }
  std::string_view content_length = header({into, head_size}, "Content-Length");
  if (content_length.empty()) die("an answer without Content-Length");
  length = std::strtoull(std::string(content_length).c_str(), nullptr, 10);
  if (head_size + length > capacity) die("an answer larger than the buffer");
  while (filled < head_size + length) {
    ssize_t got = recv(fd, into + filled, head_size + length - filled, 0);
    if (got <= 0) return 0;
    filled += static_cast<std::size_t>(got);
  }
  return head_size;
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr) die("AWS_LAMBDA_RUNTIME_API is not set");
  const std::string_view authority(api);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) die("AWS_LAMBDA_RUNTIME_API has no port");
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(api + colon + 1)));
  if (inet_pton(AF_INET, std::string(authority.substr(0, colon)).c_str(), &address.sin_addr) != 1) {
    die("AWS_LAMBDA_RUNTIME_API is not an IPv4 address and port");
  }
  connect_once();

  char next[256];
  const int next_size = std::snprintf(next, sizeof next,
                                      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
  for (;;) {
    iovec get[] = {{next, static_cast<std::size_t>(next_size)}};
    std::size_t length = 0, head_size = 0;
    if (send_all(get, 1)) head_size = read_answer(buffer, buffer_size, length);
    if (head_size == 0) {  // closed: a new connection, a new poll
      connect_once();
      continue;
    }
    const std::string_view head_text(buffer, head_size);
    if (std::strncmp(buffer + 9, "200", 3) != 0) die("a poll answered other than 200");
    const std::string_view id = header(head_text, "Lambda-Runtime-Aws-Request-Id");
    const std::string_view type = header(head_text, "Content-Type");
    const int post_size = std::snprintf(
        head, sizeof head,
        "POST /2018-06-01/runtime/invocation/%.*s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: %.*s\r\n"
        "Content-Length: %zu\r\n\r\n",
        static_cast<int>(id.size()), id.data(), api, static_cast<int>(type.size()), type.data(), length);
    iovec post[] = {{head, static_cast<std::size_t>(post_size)}, {buffer + head_size, length}};
    std::size_t answer_length = 0;
    if (!send_all(post, 2) || read_answer(small, sizeof small, answer_length) == 0) connect_once();
  }
}
