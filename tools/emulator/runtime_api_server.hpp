// A local Lambda Runtime API on 127.0.0.1 (an ephemeral port), for tests and for the emulator:
// queue events, let a runtime poll them, and see exactly what it answered. Faults can be
// scripted per event or from now on. Every member is thread-safe; waits never sleep blindly.
//
//   lambda::emulator::runtime_api_server server;
//   std::string id = server.enqueue({.payload = R"({"name":"ada"})"});
//   // start a bootstrap with AWS_LAMBDA_RUNTIME_API=server.address(), then:
//   auto done = server.wait_finished(id, std::chrono::seconds(5));
//   if (done && done->answer) std::printf("%s\n", done->answer->body.c_str());
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event.hpp"
#include "http_loop.hpp"
#include "invocation_book.hpp"
#include "records.hpp"

namespace lambda::emulator {

struct server_options {
  std::chrono::milliseconds timeout{3000};  // deadline = delivery + timeout, unless an event says
  // Lambda Managed Instances: past its deadline an invocation times out and its late answer gets
  // 410; /error bodies over 1 MiB get 413.
  bool managed_instances = false;
  // At most this many invocations run at once (0: no limit); more wait in the queue even when
  // a poll is parked, as on a platform configured for that concurrency.
  std::size_t max_running = 0;
  // Keep every POST for posts(). Off (long emulator runs), only those that finished no
  // invocation are kept: init errors and rejected answers.
  bool keep_posts = true;
  std::string function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local-function";
  // Called on the server's thread for each invocation that finishes, with the server's lock
  // held: it must be quick and must not call the server (e.g. it hands the record to a queue).
  // `unfinished` counts the invocations still queued or running.
  std::function<void(const invocation& done, std::size_t unfinished)> on_finished{};
};

class runtime_api_server : private http_handler {
 public:
  explicit runtime_api_server(server_options options = {});
  ~runtime_api_server() override;
  runtime_api_server(const runtime_api_server&) = delete;
  runtime_api_server& operator=(const runtime_api_server&) = delete;

  // "127.0.0.1:PORT": the value for AWS_LAMBDA_RUNTIME_API.
  const std::string& address() const noexcept { return address_; }

  // Queues an event for the next free poll (FIFO) and returns its request id. Throws
  // std::invalid_argument for a request id already used or holding CR, LF or NUL.
  std::string enqueue(event e);

  std::optional<invocation> find(std::string_view request_id) const;
  // The invocation once it has finished, or nullopt if it has not within `timeout`.
  std::optional<invocation> wait_finished(std::string_view request_id,
                                          std::chrono::milliseconds timeout) const;
  // Drops a finished invocation's record (long emulator runs).
  void forget(std::string_view request_id);

  // Every POST so far in arrival order (invocation answers, rejected ones, init errors).
  std::vector<post> posts() const;
  server_stats stats() const;
  // Whether `done(stats())` became true within `timeout`; checked after every change.
  bool wait_until(const std::function<bool(const server_stats&)>& done,
                  std::chrono::milliseconds timeout) const;
  bool wait_parked(std::uint64_t polls, std::chrono::milliseconds timeout) const;

  // Scripted faults from now on.
  void set_wire_faults(wire_faults faults);   // how every answer is written
  void fail_polls(int status);                // parked and later polls get it; 0 ends it
  void force_post_status(int status, int count = 1);  // the next `count` POSTs get `status`
  void drop_polls(int count);  // the next `count` deliveries close their poll's connection instead
  // Fails every queued and running invocation (e.g. the bootstrap died).
  void fail_unfinished(std::string_view error_type, std::string_view message);

 private:
  void on_request(std::uint64_t connection, const received_request& request) override;
  void on_closed(std::uint64_t connection) override;
  std::optional<time_point> on_turn(time_point now) override;
  void on_post(std::uint64_t connection, post_kind kind, std::string_view request_id,
               const received_request& request);
  void deliver(const delivery& d);
  server_stats stats_locked() const;
  template <class Done>
  bool wait_locked(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout,
                   Done done) const;

  server_options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  invocation_book book_;
  wire_faults faults_;
  std::uint64_t requests_ = 0;
  std::uint64_t parked_peak_ = 0;
  std::uint64_t posts_ = 0;
  std::uint64_t init_errors_ = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> requests_per_connection_;
  std::string headers_;  // reused for each /next answer's head
  std::string address_;
  std::unique_ptr<http_loop> loop_;
};

}  // namespace lambda::emulator
