// The Runtime API's bookkeeping, free of sockets and threads: queued events, parked polls, who
// got what, which answers are accepted, deadlines. The server calls it under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event.hpp"
#include "records.hpp"

namespace lambda::emulator {

struct book_options {
  std::chrono::milliseconds timeout{3000};  // for events that do not set their own
  // Lambda Managed Instances: an invocation past its deadline times out and its late answer gets
  // 410; /error bodies over 1 MiB get 413.
  bool managed_instances = false;
  std::size_t max_running = 0;  // 0: as many as there are polls
  // Remember every POST for posts(). Off (long emulator runs), only the POSTs that finished no
  // invocation are kept: init errors and rejected answers.
  bool keep_posts = true;
};

// What the server must do with one parked poll.
struct delivery {
  enum class action { send_event, close, fail };
  action what = action::send_event;
  std::uint64_t connection = 0;
  const event* ev = nullptr;    // send_event
  std::string_view request_id{};  // send_event
  std::int64_t deadline_ms = 0; // send_event; 0: send no deadline
  int status = 0;               // fail
};

// Lets the map of entries be searched with a string_view, without building a string.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct reply {
  int status = 0;
  std::string_view body;  // static JSON
};

class invocation_book {
 public:
  explicit invocation_book(book_options options) : options_(options) {}

  // Returns the request id. Throws std::invalid_argument for a request id already queued, or
  // one holding CR, LF or NUL (it would break the answer's head).
  std::string enqueue(event e, time_point now);
  // The invocation's record, or nullptr if there is none (never queued, or forgotten).
  const invocation* find(std::string_view request_id) const;
  // Drops a finished invocation's record, so long runs do not accumulate them; of a timed-out
  // one only the payload, since its late answer must still be told 410.
  void forget(std::string_view request_id);

  void park(std::uint64_t connection);
  void unpark(std::uint64_t connection);  // its connection went away

  // The next thing to do with a parked poll, or nothing when no poll or no event is waiting.
  std::optional<delivery> next_delivery(time_point now, std::int64_t epoch_ms);
  // Decides the status of a POST from the runtime and records it (its order and status set).
  reply on_post(post p);

  void expire(time_point now);
  std::optional<time_point> next_deadline();
  // Fails every queued and running invocation, e.g. when the bootstrap died.
  void fail_unfinished(std::string_view type, std::string_view message, time_point now);

  // Scripted faults for everything from now on.
  void fail_polls(int status) noexcept { fail_polls_status_ = status; }
  void force_post_status(int status, int count);
  void drop_deliveries(int count) noexcept { drops_left_ += count; }

  // Ids of the invocations finished since the last call.
  std::vector<std::string> take_finished() { return std::exchange(newly_finished_, {}); }

  const std::vector<post>& posts() const noexcept { return posts_; }
  std::size_t parked() const noexcept { return parked_.size(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t running() const noexcept { return running_; }
  std::size_t finished() const noexcept { return finished_; }

 private:
  struct entry {
    event ev;
    invocation record;
    time_point expires{};  // only when the deadline is enforced
  };
  using deadline = std::pair<time_point, std::string>;

  reply decide(post& p);
  reply decide_init_error();
  std::optional<int> forced_status(entry* e);
  void finish(entry& e, invocation_state state, time_point at);
  std::chrono::milliseconds timeout_of(const event& ev) const noexcept;

  book_options options_;
  std::unordered_map<std::string, entry, string_hash, std::equal_to<>> entries_;
  std::deque<entry*> queue_;
  std::deque<std::uint64_t> parked_;
  std::priority_queue<deadline, std::vector<deadline>, std::greater<>> deadlines_;
  std::vector<post> posts_;
  std::vector<std::string> newly_finished_;
  std::deque<int> forced_statuses_;
  std::uint64_t post_count_ = 0;
  std::size_t running_ = 0;
  std::size_t finished_ = 0;
  int fail_polls_status_ = 0;
  int drops_left_ = 0;
  bool init_error_seen_ = false;
};

}  // namespace lambda::emulator
