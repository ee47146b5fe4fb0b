// Throughput of a 100 MiB streamed answer over loopback to the project's Runtime API server,
// beside a plain write loop on a loopback socket, in one run; then the time to first byte of a
// small stream. 1 MB = 10^6 bytes in every MB/s figure.
//
// Every contender has the same shape: the writer is another process (a forked child or a
// bootstrap), the reader a thread of this process, one core each on a two-core machine.
//
//   plain write loop      a forked child write()s the same buffer until 100 MiB have gone; this
//                         process recv()s into a 64 KiB buffer and drops the bytes. No framing.
//   plain, 8 KiB recv     the same, reading 8 KiB at a time: what runtime_api_server's reader
//                         asks of recv() while a long body streams through it.
//   runtime -> lean API   test/functions/flat_stream (see "runtime -> emulator") against a bench-local Runtime API cut
//                         to the bone: it answers the poll and reads the stream with 64 KiB
//                         recv()s, walking the chunk framing. The runtime beside the plain loop.
//   raw client -> emulator  a forked child with no library: GET /next, then the POST's head and one
//                         writev (size line, buffer, CRLF) per chunk, to runtime_api_server. Tells
//                         the server's cost apart from the runtime's.
//   runtime -> emulator   test/functions/flat_stream: lambda::run with a streaming handler that
//                         out.write()s the same buffer per chunk, to runtime_api_server.
//   example -> emulator   examples/stream: refills its chunk with assign() before each write.
//
// The emulator's runtime_api_server (keep_bodies = false) decodes the chunked framing and counts. Its figures run from
// the first body byte (first_byte_at) to the end of the stream (finished_at); "e2e" from the
// event's delivery. The plain loop's run from its first byte received to its last, "e2e" from
// the fork; the lean API's from its first body byte, and from its answer to the poll. The runtime
// here is the classic lambda::run with one thread. CPU: the writer's (its process), the reader's (this process: the reading thread,
// plus idle helper threads). Rounds alternate the contenders, so noise from elsewhere on the
// machine hits them alike; best and median of the rounds are reported.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/runtime_api_server.hpp"

namespace {

using namespace std::chrono_literals;
using lambda::emulator::child_process;
using lambda::emulator::runtime_api_server;
using clock_type = std::chrono::steady_clock;

const std::string build_dir = LAMBDA_TEST_BUILD_DIR;
const std::string flat_bootstrap = build_dir + "/test/functions/flat_stream/bootstrap";
const std::string example_bootstrap = build_dir + "/examples/stream/bootstrap";

constexpr std::size_t total_bytes = 100 * 1024 * 1024;  // 104,857,600 bytes
constexpr std::size_t reader_buffer = 64 * 1024;

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }
double mb_per_s(double s) { return s > 0 ? double(total_bytes) / 1e6 / s : 0; }

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

double self_cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double rusage_ms(const rusage& u) {
  return (double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// CPU time of every thread of `pid` so far, in milliseconds (schedstat).
double process_cpu_ms(pid_t pid) {
  double total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream in(task.path() / "schedstat");
    double on_cpu = 0;
    in >> on_cpu;
    total += on_cpu;
  }
  return total / 1e6;
}

struct sample {
  double stream_s = 0;  // first body byte to the end
  double e2e_s = 0;     // delivery (or fork) to the end
  double writer_cpu_ms = 0;
  double reader_cpu_ms = 0;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Only system calls from here to _exit: the child of a threaded process must not allocate.
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(2);
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // as the runtime's connection
  return fd;
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void writev_all(int fd, iovec* parts, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, parts, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    auto left = static_cast<std::size_t>(n);
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
}

// Reads until `needle` has arrived and at least `after` bytes behind it.
void read_past(int fd, const char* needle, std::size_t after) {
  char buffer[8192];
  std::size_t got = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer + got, sizeof buffer - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);
    got += static_cast<std::size_t>(n);
    if (void* at = ::memmem(buffer, got, needle, std::strlen(needle))) {
      if (got >= std::size_t(static_cast<char*>(at) - buffer) + std::strlen(needle) + after) return;
    }
    if (got == sizeof buffer) _exit(5);
  }
}

// The plain loop: a forked child writes the buffer until total_bytes have gone; this thread
// receives and drops them.
sample plain_loop(const std::string& chunk, std::size_t reader_bytes) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in any = loopback(0);
  socklen_t length = sizeof any;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&any), &length) != 0) {
    die("listen");
  }
  const std::uint16_t port = ntohs(any.sin_port);
  std::vector<char> buffer(reader_bytes);
  const double cpu_before = self_cpu_ms();
  const auto forked = clock_type::now();
  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int fd = connect_to(port);
    for (std::size_t sent = 0; sent < total_bytes; sent += chunk.size()) write_all(fd, chunk.data(), chunk.size());
    ::close(fd);
    _exit(0);
  }
  int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  clock_type::time_point first{}, last{};
  std::size_t got = 0;
  while (got < total_bytes) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("recv");
    if (got == 0) first = clock_type::now();
    got += static_cast<std::size_t>(n);
  }
  last = clock_type::now();
  const double reader_cpu = self_cpu_ms() - cpu_before;
  int status = 0;
  rusage child{};
  if (::wait4(pid, &status, 0, &child) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "the plain writer failed (status %d)\n", status);
    std::exit(1);
  }
  ::close(fd);
  ::close(listener);
  return {seconds(last - first), seconds(last - forked), rusage_ms(child), reader_cpu};
}

std::string stream_event(std::size_t chunk_bytes) {
  return R"({"chunks":)" + std::to_string(total_bytes / chunk_bytes) + R"(,"chunk_bytes":)" +
         std::to_string(chunk_bytes) + "}";
}

sample judge(const lambda::emulator::invocation& done, double writer_cpu_ms, double reader_cpu_ms) {
  const auto& a = *done.answer;
  if (a.body_bytes != total_bytes || !a.streamed || !a.first_byte_at || done.state != lambda::emulator::invocation_state::answered) {
    std::fprintf(stderr, "stream %s: %llu bytes, streamed %d, failure %s\n", done.request_id.c_str(),
                 static_cast<unsigned long long>(a.body_bytes), a.streamed, done.failure_type.c_str());
    std::exit(1);
  }
  return {seconds(done.finished_at - *a.first_byte_at), seconds(done.finished_at - done.delivered_at), writer_cpu_ms,
          reader_cpu_ms};
}

lambda::emulator::invocation wait_done(runtime_api_server& server, const std::string& id) {
  auto done = server.wait_finished(id, 120s);
  if (!done || !done->answer) {
    std::fprintf(stderr, "invocation %s was not answered\n", id.c_str());
    std::exit(1);
  }
  server.forget(id);
  return *done;
}

// A client with no library behind it: what the server costs, without the runtime.
sample raw_client(runtime_api_server& server, const std::string& chunk) {
  static int count = 0;
  const std::string id = "raw-" + std::to_string(++count);
  const std::string payload = "{}";
  const auto port = static_cast<std::uint16_t>(std::stoi(server.address().substr(server.address().rfind(':') + 1)));
  const std::string poll = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string head = "POST /2018-06-01/runtime/invocation/" + id +
                           "/response HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                           "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size_line[32];
  const int line = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  server.enqueue({.payload = payload, .request_id = id});
  const double cpu_before = self_cpu_ms();
  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int fd = connect_to(port);
    write_all(fd, poll.data(), poll.size());
    read_past(fd, "\r\n\r\n", payload.size());
    write_all(fd, head.data(), head.size());
    for (std::size_t sent = 0; sent < total_bytes; sent += chunk.size()) {
      iovec parts[3] = {{size_line, std::size_t(line)}, {const_cast<char*>(chunk.data()), chunk.size()},
                        {const_cast<char*>("\r\n"), 2}};
      writev_all(fd, parts, 3);
    }
    write_all(fd, "0\r\n\r\n", 5);
    read_past(fd, "\r\n\r\n", 0);
    ::close(fd);
    _exit(0);
  }
  auto done = wait_done(server, id);
  const double reader_cpu = self_cpu_ms() - cpu_before;
  int status = 0;
  rusage child{};
  if (::wait4(pid, &status, 0, &child) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "the raw client failed (status %d)\n", status);
    std::exit(1);
  }
  return judge(done, rusage_ms(child), reader_cpu);
}

// A Runtime API cut to the bone, for one classic runtime on one connection: it answers the poll,
// then reads the streamed answer with 64 KiB recv()s as the plain loop does, walking the chunked
// framing (size lines, CRLFs) and counting the data without moving it. The runtime against the
// plain loop, with no emulator in between.
class lean_api {
 public:
  lean_api() : buffer_(reader_buffer) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in any = loopback(0);
    socklen_t length = sizeof any;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
        ::listen(listener_, 1) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&any), &length) != 0) {
      die("listen");
    }
    port_ = ntohs(any.sin_port);
  }
  ~lean_api() {
    if (fd_ >= 0) ::close(fd_);
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  struct times {
    clock_type::time_point delivered, first, end;
    std::uint64_t bytes = 0;
  };

  // Serves one invocation: waits for the poll, hands it `payload`, reads the whole answer.
  times invoke(const std::string& payload) {
    if (fd_ < 0 && (fd_ = ::accept(listener_, nullptr, nullptr)) < 0) die("accept");
    skip_head();  // GET /next
    const std::string id = "lean-" + std::to_string(++count_);
    const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch() + 120s).count();
    std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: " + id +
                         "\r\nLambda-Runtime-Deadline-Ms: " + std::to_string(deadline) +
                         "\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f"
                         "\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload;
    send_all(answer);
    times t;
    t.delivered = clock_type::now();
    skip_head();  // POST .../response, chunked
    read_chunked(t);
    send_all("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}");
    return t;
  }

 private:
  // More bytes behind the `have_` unread ones, which move to the front first.
  void fill() {
    if (next_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + next_, have_ - next_);
      have_ -= next_;
      next_ = 0;
    }
    for (;;) {
      ssize_t n = ::recv(fd_, buffer_.data() + have_, buffer_.size() - have_, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("lean_api recv");
      have_ += static_cast<std::size_t>(n);
      return;
    }
  }
  char take() {
    if (next_ == have_) fill();
    return buffer_[next_++];
  }
  void skip_head() {
    for (;;) {
      std::string_view unread(buffer_.data() + next_, have_ - next_);
      if (auto end = unread.find("\r\n\r\n"); end != std::string_view::npos) {
        next_ += end + 4;
        return;
      }
      fill();
    }
  }
  void expect(char c) {
    if (take() != c) die("lean_api: bad chunked framing");
  }
  void read_chunked(times& t) {
    for (;;) {
      std::uint64_t size = 0;
      for (char c = take(); c != '\r'; c = take()) {
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) die("lean_api: bad chunk size");
        size = size << 4 | std::uint64_t(digit);
      }
      expect('\n');
      if (size == 0) break;
      while (size > 0) {
        if (next_ == have_) {
          next_ = have_ = 0;  // all consumed: the whole buffer is free
          fill();
        }
        if (t.bytes == 0) t.first = clock_type::now();
        const auto n = std::min<std::uint64_t>(size, have_ - next_);
        next_ += n;
        size -= n;
        t.bytes += n;
      }
      expect('\r');
      expect('\n');
    }
    // No trailers: a successful stream ends with the empty line.
    expect('\r');
    expect('\n');
    t.end = clock_type::now();
  }
  void send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("lean_api send");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  int listener_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  int count_ = 0;
  std::vector<char> buffer_;
  std::size_t have_ = 0, next_ = 0;
};

struct lean_run {
  lean_api api;
  child_process process{{.argv = {flat_bootstrap},
                         .env = {"AWS_LAMBDA_RUNTIME_API=" + api.address(), "AWS_LAMBDA_LOG_LEVEL=WARN"}}};

  sample stream(std::size_t chunk_bytes) {
    const double writer_before = process_cpu_ms(process.pid()), reader_before = self_cpu_ms();
    auto t = api.invoke(stream_event(chunk_bytes));
    const double reader_cpu = self_cpu_ms() - reader_before;
    if (t.bytes != total_bytes) {
      std::fprintf(stderr, "the lean API received %llu bytes\n", static_cast<unsigned long long>(t.bytes));
      std::exit(1);
    }
    // The runtime's CPU up to its next poll (the lean API reads that poll in its next invoke).
    std::this_thread::sleep_for(2ms);
    return {seconds(t.end - t.first), seconds(t.end - t.delivered), process_cpu_ms(process.pid()) - writer_before,
            reader_cpu};
  }

  ~lean_run() {
    process.signal(SIGTERM);
    process.wait_exit(10s);
  }
};

struct function_run {
  runtime_api_server server{{.timeout = 120s, .keep_posts = false, .keep_bodies = false}};
  child_process process;

  explicit function_run(const std::string& bootstrap)
      : process({.argv = {bootstrap},
                 .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(), "AWS_LAMBDA_LOG_LEVEL=WARN"}}) {
    if (!server.wait_parked(1, 30s)) {
      std::fprintf(stderr, "%s did not poll\n", bootstrap.c_str());
      std::exit(1);
    }
  }

  lambda::emulator::invocation invoke(const std::string& payload) {
    return wait_done(server, server.enqueue({.payload = payload}));
  }

  sample stream(std::size_t chunk_bytes) {
    const double writer_before = process_cpu_ms(process.pid()), reader_before = self_cpu_ms();
    auto done = invoke(stream_event(chunk_bytes));
    const double reader_cpu = self_cpu_ms() - reader_before;
    // Parked again on its next poll, so its CPU for this stream is all counted.
    server.wait_parked(1, 10s);
    return judge(done, process_cpu_ms(process.pid()) - writer_before, reader_cpu);
  }

  ~function_run() {
    process.signal(SIGTERM);
    process.wait_exit(10s);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct contender {
  const char* label;
  std::vector<sample> runs{};

  std::vector<double> rates(double sample::*field) const {
    std::vector<double> out;
    for (const auto& s : runs) out.push_back(mb_per_s(s.*field));
    return out;
  }
  double best(double sample::*field) const {
    auto r = rates(field);
    return *std::max_element(r.begin(), r.end());
  }
  double med(double sample::*field) const { return median(rates(field)); }
  double med_cpu(double sample::*field) const {
    std::vector<double> v;
    for (const auto& s : runs) v.push_back(s.*field);
    return median(v);
  }
};

void throughput(std::size_t chunk_bytes, int rounds, lean_run& lean, function_run& flat, function_run& example,
                runtime_api_server& raw_server) {
  const std::string chunk(chunk_bytes, 'x');
  contender plain{"plain write loop"}, plain8{"plain, 8 KiB recv"}, bare{"runtime -> lean API"},
      raw{"raw client -> emulator"}, ours{"runtime -> emulator"}, ex{"example -> emulator"};
  const contender* all[] = {&plain, &plain8, &bare, &raw, &ours, &ex};
  // Warm: buffers grown, pages touched, in every process.
  lean.stream(chunk_bytes);
  flat.stream(chunk_bytes);
  example.stream(chunk_bytes);
  std::printf("\n%zu MiB in %zu KiB chunks (%zu writes), MB/s first byte -> end [e2e], writer/reader CPU ms:\n",
              total_bytes >> 20, chunk_bytes >> 10, total_bytes / chunk_bytes);
  std::printf("  %-5s", "round");
  for (const contender* c : all) std::printf(" %-22s", c->label);
  std::printf("\n");
  for (int r = 1; r <= rounds; ++r) {
    plain.runs.push_back(plain_loop(chunk, reader_buffer));
    plain8.runs.push_back(plain_loop(chunk, 8 * 1024));
    bare.runs.push_back(lean.stream(chunk_bytes));
    raw.runs.push_back(raw_client(raw_server, chunk));
    ours.runs.push_back(flat.stream(chunk_bytes));
    ex.runs.push_back(example.stream(chunk_bytes));
    std::printf("  %-5d", r);
    for (const contender* c : all) {
      const sample& s = c->runs.back();
      char cell[64];
      std::snprintf(cell, sizeof cell, "%4.0f [%4.0f] %2.0f/%-2.0f", mb_per_s(s.stream_s), mb_per_s(s.e2e_s), s.writer_cpu_ms,
                    s.reader_cpu_ms);
      std::printf(" %-22s", cell);
    }
    std::printf("\n");
  }
  std::printf("  %-26s %10s %10s %10s %10s %12s %12s\n", "", "best MB/s", "median", "best e2e", "median e2e",
              "writer CPU", "reader CPU");
  for (const contender* c : all) {
    std::printf("  %-26s %10.0f %10.0f %10.0f %10.0f %9.0f ms %9.0f ms\n", c->label, c->best(&sample::stream_s),
                c->med(&sample::stream_s), c->best(&sample::e2e_s), c->med(&sample::e2e_s), c->med_cpu(&sample::writer_cpu_ms),
                c->med_cpu(&sample::reader_cpu_ms));
  }
  const double base_best = plain.best(&sample::stream_s), base_med = plain.med(&sample::stream_s);
  for (const contender* c : {&plain8, &bare, &raw, &ours, &ex}) {
    std::printf("  ratio %-24s / plain: best %.1f%%, median %.1f%%%s\n", c->label, 100 * c->best(&sample::stream_s) / base_best,
                100 * c->med(&sample::stream_s) / base_med, c == &ours || c == &bare ? " (goal >= 90%)" : "");
  }
}

void first_byte(function_run& flat) {
  const int count = 200;
  std::vector<double> first_us, done_us;
  flat.invoke(R"({"chunks":1,"chunk_bytes":64})");
  for (int i = 0; i < count; ++i) {
    flat.server.wait_parked(1, 10s);
    auto done = flat.invoke(R"({"chunks":1,"chunk_bytes":64})");
    if (!done.answer || !done.answer->first_byte_at) {
      std::fprintf(stderr, "the small stream has no first byte\n");
      std::exit(1);
    }
    first_us.push_back(seconds(*done.answer->first_byte_at - done.delivered_at) * 1e6);
    done_us.push_back(seconds(done.finished_at - done.delivered_at) * 1e6);
  }
  auto p = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * double(v.size() - 1))];
  };
  std::printf("\ntime to first byte, one 64-byte chunk (flat_stream, parked poll, %d invocations), us:\n", count);
  std::printf("  %-34s %8s %8s %8s\n", "", "best", "median", "p99");
  std::printf("  %-34s %8.0f %8.0f %8.0f\n", "delivery -> first body byte", p(first_us, 0), p(first_us, 0.5), p(first_us, 0.99));
  std::printf("  %-34s %8.0f %8.0f %8.0f\n", "delivery -> stream ended", p(done_us, 0), p(done_us, 0.5), p(done_us, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  std::printf("stream_bench: %d rounds; 1 MB = 10^6 bytes; writer = another process, reader = a thread here\n", rounds);
  std::printf("  plain: recv() into a %zu KiB buffer, dropped; the others: runtime_api_server, keep_bodies = false\n",
              reader_buffer >> 10);
  runtime_api_server raw_server{{.timeout = 120s, .keep_posts = false, .keep_bodies = false}};
  lean_run lean;
  function_run flat(flat_bootstrap), example(example_bootstrap);
  // A second argument picks one chunk size, in KiB, and skips the time to first byte.
  if (argc > 2) {
    throughput(std::size_t(std::atoi(argv[2])) * 1024, rounds, lean, flat, example, raw_server);
    return 0;
  }
  for (std::size_t chunk_bytes : {std::size_t(64) * 1024, std::size_t(1024) * 1024}) {
    throughput(chunk_bytes, rounds, lean, flat, example, raw_server);
  }
  first_byte(flat);
}
