// One thread serving many keep-alive HTTP/1.1 connections with epoll: accepts, frames requests
// with request_reader, writes answers (shaped by wire faults), closes. What a request means is
// the handler's business; it may answer at once or much later (a parked long poll).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http_answer.hpp"
#include "records.hpp"
#include "request_reader.hpp"
#include "unique_fd.hpp"

namespace lambda::emulator {

// Called on the loop's thread with the loop's mutex held.
class http_handler {
 public:
  virtual ~http_handler() = default;
  // The handler answers with http_loop::answer(), now or in a later turn; the connection reads
  // no further request until then.
  virtual void on_request(std::uint64_t connection, const received_request& request) = 0;
  virtual void on_closed(std::uint64_t connection) = 0;
  // After every turn's input. Returns when the next turn must run at the latest.
  virtual std::optional<time_point> on_turn(time_point now) = 0;
};

class http_loop {
 public:
  // `mutex` guards the handler's state; the loop holds it while it calls the handler, and
  // guards its own counters with it too.
  http_loop(unique_fd listener, http_handler& handler, std::mutex& mutex);
  ~http_loop();
  http_loop(const http_loop&) = delete;
  http_loop& operator=(const http_loop&) = delete;

  void start();
  void stop() noexcept;
  // Runs a turn soon. Any thread, no lock needed.
  void wake() noexcept;

  // With the mutex held (in practice: from the handler). Unknown or closed connections are
  // ignored: their client has gone.
  void answer(std::uint64_t connection, int status, std::string_view header_lines,
              std::string_view body, const wire_faults& faults);
  void close(std::uint64_t connection);

  std::uint64_t accepted() const noexcept { return accepted_; }
  std::uint64_t open() const noexcept { return connections_.size(); }

 private:
  struct connection;

  void run();
  int wait_timeout(std::optional<time_point> wakeup) const;
  void turn(time_point now, std::optional<time_point>& wakeup);
  void accept_all();
  void on_ready(std::uint64_t id, std::uint32_t events);
  void read_from(connection& c);
  void serve_requests(connection& c);
  void flush(connection& c);
  void dribble(time_point now);
  void watch_writable(connection& c, bool on);
  void arm_listener(bool on);
  void mark_closed(connection& c);
  void close_marked();

  unique_fd listener_;
  unique_fd epoll_;
  unique_fd wake_fd_;
  http_handler& handler_;
  std::mutex& mutex_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> wake_pending_{false};
  std::unordered_map<std::uint64_t, std::unique_ptr<connection>> connections_;
  std::vector<std::uint64_t> resume_;        // answered: may hold a further request already
  std::vector<std::uint64_t> closing_;
  std::set<std::uint64_t> dribbling_;
  std::optional<time_point> listener_rests_until_;  // set while out of descriptors
  std::uint64_t next_id_ = 1;
  std::uint64_t accepted_ = 0;
};

}  // namespace lambda::emulator
