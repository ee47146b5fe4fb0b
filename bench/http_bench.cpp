// The HTTP layer's costs: parsing a Runtime API answer head, decoding a chunked body, and a
// keep-alive round trip over loopback (with heap allocations counted on the client's thread):
//   make bench   (or: make build/bench/http_bench && build/bench/http_bench [round trips])
// Each figure is the best of several repetitions, so a noisy neighbour does not set it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "http/connection.hpp"
#include "http/parser.hpp"

namespace {

thread_local std::size_t allocations = 0;

}  // namespace

// Counted so the round trip can show it allocates nothing in steady state.
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

namespace http = lambda::http;
using clock_type = std::chrono::steady_clock;

// Keeps the optimiser from dropping work whose result is otherwise unused.
template <typename T>
void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

template <typename Body>
double best_ns_per_iteration(int iterations, Body body) {
  double best = 1e300;
  for (int rep = 0; rep < 7; ++rep) {
    const auto start = clock_type::now();
    for (int i = 0; i < iterations; ++i) body();
    const std::chrono::duration<double, std::nano> took = clock_type::now() - start;
    best = std::min(best, took.count() / iterations);
  }
  return best;
}

std::string next_answer(std::size_t body_size) {
  return "HTTP/1.1 200 OK\r\n"
         "Content-Type: application/json\r\n"
         "Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"
         "Lambda-Runtime-Deadline-Ms: 1542409706888\r\n"
         "Lambda-Runtime-Invoked-Function-Arn: "
         "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime\r\n"
         "Lambda-Runtime-Trace-Id: "
         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n"
         "Date: Fri, 16 Nov 2018 22:48:26 GMT\r\n"
         "Content-Length: " + std::to_string(body_size) + "\r\n\r\n" + std::string(body_size, 'e');
}

void bench_head_parse() {
  const std::string answer = next_answer(0);
  std::array<http::header, http::max_headers> storage;
  http::response_head head;
  const double ns = best_ns_per_iteration(200000, [&] {
    keep(http::parse_response_head(answer, head, storage));
    keep(head);
  });
  std::printf("parse_response_head, %zu-byte /next head: %.0f ns, %.2f GB/s\n", answer.size(), ns,
              answer.size() / ns);
}

void bench_chunked() {
  const std::size_t body_size = 1 << 20;
  std::string encoded;
  for (std::size_t at = 0; at < body_size; at += 4096) {
    encoded += "1000\r\n" + std::string(4096, 'c') + "\r\n";
  }
  encoded += "0\r\n\r\n";
  std::string work = encoded;
  const double copy_ns = best_ns_per_iteration(200, [&] {
    std::memcpy(work.data(), encoded.data(), encoded.size());
    keep(work);
  });
  const double ns = best_ns_per_iteration(200, [&] {
    std::memcpy(work.data(), encoded.data(), encoded.size());
    http::chunked_decoder decoder;
    keep(decoder.decode(work));
  });
  std::printf("chunked_decoder, 1 MiB in 4 KiB chunks, in place: %.2f GB/s "
              "(%.0f us, of which %.0f us re-copying the input each time)\n",
              body_size / (ns - copy_ns), ns / 1000, copy_ns / 1000);
}

// Answers each request on one accepted connection with `answer`, until the client closes.
void serve(int listener, const std::string& answer) {
  const int fd = ::accept(listener, nullptr, nullptr);
  std::string pending;
  std::array<http::header, http::max_headers> storage;
  char chunk[65536];
  for (;;) {
    http::request_head head;
    http::parse_result p;
    while ((p = http::parse_request_head(pending, head, storage)).status ==
           http::parse_status::incomplete) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return (void)::close(fd);
      pending.append(chunk, static_cast<std::size_t>(n));
    }
    const std::size_t length = p.consumed + head.body.content_length.value_or(0);
    while (pending.size() < length) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return (void)::close(fd);
      pending.append(chunk, static_cast<std::size_t>(n));
    }
    pending.erase(0, length);
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  }
}

void bench_round_trip(int round_trips, std::size_t body_size) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    std::perror("http_bench: listen");
    std::exit(1);
  }
  std::thread server(serve, listener, next_answer(body_size));

  http::endpoint ep;
  std::string error;
  http::parse_endpoint("127.0.0.1:" + std::to_string(ntohs(address.sin_port)), ep, error);
  double best_us = 1e300;
  std::size_t allocated = 0;
  {
    http::connection conn(ep);
    http::response out;
    const http::header agent[] = {{"User-Agent", "lambda-ric-cpp/0.1"}};
    http::request next{"GET", "/2018-06-01/runtime/invocation/next", agent};
    next.interruptible = true;
    for (int rep = 0; rep < 5; ++rep) {
      conn.send(next, out);  // connects, and sizes the buffers, outside the count
      allocations = 0;
      const auto start = clock_type::now();
      for (int i = 0; i < round_trips; ++i) {
        if (!conn.send(next, out) || out.status != 200) std::abort();
      }
      const std::chrono::duration<double, std::micro> took = clock_type::now() - start;
      best_us = std::min(best_us, took.count() / round_trips);
      allocated = std::max(allocated, allocations);
    }
  }
  server.join();
  ::close(listener);
  std::printf("keep-alive round trip over loopback, %zu-byte body: %.1f us "
              "(%.0f/s), %zu heap allocations in %d requests\n",
              body_size, best_us, 1e6 / best_us, allocated, round_trips);
}

}  // namespace

int main(int argc, char** argv) {
  const int round_trips = argc > 1 ? std::atoi(argv[1]) : 20000;
  bench_head_parse();
  bench_chunked();
  bench_round_trip(round_trips, 1024);
  bench_round_trip(round_trips / 4, 60 * 1024);
  return 0;
}
