// A local Lambda Runtime API on 127.0.0.1 (an ephemeral port), for tests and for the emulator:
// queue events, let a runtime poll them, and see exactly what it answered. Faults can be
// scripted per event or from now on. Every member of the server is thread-safe; waits never
// sleep blindly. The invocation book beneath it holds the Runtime API's rules, free of sockets
// and threads.
//
// It serves the Extensions API too: registration during init (before the runtime's first
// /next), parked /extension/event/next polls, and SHUTDOWN to the extensions that subscribed
// to it once shut_down() is called.
//
// Streamed answers (Lambda-Runtime-Function-Response-Mode: streaming with a chunked body) are
// followed as they arrive: each chunk's size and the first byte's time are recorded, tests can
// wait for a stream to reach a size while it is still arriving, and error trailers finish the
// invocation as a failure.
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
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http_server.hpp"

namespace lambda::emulator {

// What the server hands a runtime on /next, and the faults a test can script for it.
enum class deadline_style {
  from_timeout,  // delivery time + timeout, as the platform does
  far_future,    // the last millisecond of year 9999, as RIE's Managed Instances mode sends
  absent,        // no Lambda-Runtime-Deadline-Ms header
};

struct event {
  std::string payload{};
  std::string request_id{};              // empty: a fresh unique id
  std::chrono::milliseconds timeout{0};  // 0: the server's default
  deadline_style deadline = deadline_style::from_timeout;
  std::string function_arn{};            // empty: the server's
  // Each of these headers is sent only when its value is non-empty.
  std::string trace_id{};
  std::string tenant_id{};
  std::string invocation_id{};
  std::string client_context{};
  std::string cognito_identity{};
  std::optional<std::string> content_type = std::string("application/json");  // nullopt: none
  std::string extra_headers{};           // raw "Name: value\r\n" lines added to the /next answer

  wire_faults wire{};    // how this event's /next answer is written
  int drop_polls = 0;    // this many polls that would receive it are closed before any byte
  int post_status = 0;   // non-zero: its first answer gets this status instead of the normal one
  // Non-zero: once this many body bytes of this event's streamed answer have arrived, the server
  // closes that connection without answering. The invocation fails with stream_dropped_type.
  std::size_t drop_stream_after = 0;
};

// How an invocation fails when the drop_stream_after fault cut its stream.
inline constexpr std::string_view stream_dropped_type = "Emulator.StreamDropped";
// How it fails when the runtime's connection closed (or broke the framing, or passed
// max_stream_bytes) before its streamed answer ended.
inline constexpr std::string_view stream_truncated_type = "Runtime.TruncatedResponse";

// A buffered answer may hold 6 MiB; a streamed one 200 MiB.
inline constexpr std::size_t max_response_bytes = 6 * 1024 * 1024;
inline constexpr std::size_t max_stream_bytes = 200 * 1024 * 1024;

// The platform keeps a Lambda-Runtime-Function-Error-Type only when the whole value matches
// (Runtime|Function)\.[A-Z][a-zA-Z]+, and records any other as Runtime.Unknown. Mirrors the
// platform on purpose: it does not call the library's own rule.
bool platform_keeps_error_type(std::string_view type) noexcept;
std::string platform_error_type(std::string_view type);

// What the server remembers: each POST a runtime made, each invocation's fate, and counters.
enum class post_kind { response, error, init_error };

// One POST from the runtime, with the status the server answered it with.
struct post {
  post_kind kind = post_kind::response;
  std::string request_id;     // empty for init errors
  int status = 0;
  std::string body;
  std::string content_type;
  std::string error_type;     // Lambda-Runtime-Function-Error-Type
  std::string invocation_id;  // Lambda-Runtime-Invocation-Id, as echoed
  std::string user_agent;
  std::uint64_t connection = 0;  // which connection it came on (ids count from 1)
  std::uint64_t order = 0;       // arrival order among all POSTs, from 1
  time_point at;                 // when it ended

  bool streamed = false;                    // Response-Mode streaming with a chunked body
  std::string response_mode;                // the Lambda-Runtime-Function-Response-Mode header value, as sent
  std::string declared_trailers;            // the Trailer header value, as sent
  std::vector<std::size_t> chunk_sizes;     // each non-empty chunk's size, in arrival order
  std::optional<time_point> first_byte_at;  // when the first body byte arrived
  std::string trailer_error_type;           // the Lambda-Runtime-Function-Error-Type trailer, as sent
  // The Lambda-Runtime-Function-Error-Body trailer, base64-DECODED (the JSON); empty when absent.
  // When it is not valid base64: the text as sent (the invocation's failure message says so).
  std::string trailer_error_body;
  std::uint64_t body_bytes = 0;             // the body's size, kept even when the body is not
};

// One step of a streamed answer as it arrives, for server_options::on_stream.
struct stream_step {
  std::string_view request_id;
  std::string_view content_type;
  std::string_view data;                // body bytes that arrived now (also when bodies are not kept)
  std::span<const std::size_t> chunks;  // sizes of the chunks that ended now
  std::size_t chunks_so_far = 0;
  std::uint64_t bytes_so_far = 0;
  time_point delivered_at;              // when the /next answer carried the event
  time_point at;
};

enum class invocation_state {
  queued,     // waiting for a poll
  running,    // handed to a poll, not answered yet
  answered,   // a /response or /error finished it
  timed_out,  // its deadline passed first (only when deadlines are enforced)
  failed,     // the server gave up on it, e.g. because the bootstrap died
};

struct invocation {
  std::string request_id;
  invocation_state state = invocation_state::queued;
  std::uint64_t connection = 0;  // the connection of the poll that received it
  std::int64_t deadline_ms = 0;  // as sent; 0 when no deadline was sent
  time_point queued_at, delivered_at, finished_at;
  std::optional<post> answer;    // the POST that finished it
  // timed_out and failed: e.g. "Sandbox.Timedout"; a stream that ended with error trailers: the
  // trailer's type (as the platform keeps it) and the errorMessage of its body.
  std::string failure_type;
  std::string failure_message;

  bool finished() const noexcept {
    return state != invocation_state::queued && state != invocation_state::running;
  }
};

struct server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t listener_rests = 0;  // times it was out of descriptors with a client waiting
  std::uint64_t polls_parked = 0;
  std::uint64_t polls_parked_peak = 0;
  std::uint64_t requests = 0;
  std::uint64_t posts = 0;
  std::uint64_t init_errors = 0;
  std::map<std::uint64_t, std::uint64_t> requests_per_connection;  // by connection id
  std::uint64_t queued = 0;    // events waiting for a poll
  std::uint64_t deliveries = 0;  // events handed to a poll so far
  std::uint64_t running = 0;
  std::uint64_t finished = 0;
  std::uint64_t extensions_registered = 0;   // registrations answered 200
  std::uint64_t extension_polls_parked = 0;  // /extension/event/next requests waiting
};

// Which Runtime API (or Extensions API) call a request line names.
enum class runtime_call { next, response, error, init_error, extension_register, extension_next, unknown };

struct route {
  runtime_call call = runtime_call::unknown;
  std::string_view request_id;  // response and error: a view into the target
};

route route_request(std::string_view method, std::string_view target) noexcept;

// A random UUID (version 4), the shape of request ids and invocation ids.
std::string new_uuid();
// An X-Ray trace header: "Root=1-<epoch seconds, hex>-<96 random bits>;Parent=<64 bits>;Sampled=0".
std::string new_trace_id();

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

// The Runtime API's bookkeeping: queued events, parked polls, who got what, which answers are
// accepted, deadlines. The server calls it under its lock.
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
  // Another runtime takes the place of one that is gone: every invocation it was running fails
  // with `type` and `message`, its parked polls are dropped, posts() starts afresh and an init
  // error is accepted again. Queued invocations stay for the new runtime.
  void new_runtime(std::string_view type, std::string_view message, time_point now);
  // Fails one running invocation, recording `partial` (a stream cut short) as its answer.
  void fail_running(std::string_view request_id, std::string_view type, std::string message,
                    post partial, time_point now);
  // The drop_stream_after of a running invocation's event; 0 when there is none.
  std::size_t stream_drop_after(std::string_view request_id) const;

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
  std::uint64_t delivered() const noexcept { return delivered_; }

 private:
  struct entry {
    event ev;
    invocation record;
    time_point expires{};  // only when the deadline is enforced
  };
  using deadline = std::pair<time_point, std::string>;

  reply decide(post& p);
  void judge_stream(entry& e, const post& p);
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
  std::uint64_t delivered_ = 0;
  int fail_polls_status_ = 0;
  int drops_left_ = 0;
  bool init_error_seen_ = false;
};

// One POST /2020-01-01/extension/register, as the server saw and answered it.
struct extension_registration {
  std::string name;                 // Lambda-Extension-Name
  std::string body;
  std::vector<std::string> events;  // from the body: "INVOKE", "SHUTDOWN"
  std::string user_agent;
  int status = 0;                   // 200 when registered
  std::string id;                   // Lambda-Extension-Identifier, when registered
  bool before_first_next = false;   // it came before the runtime's first /invocation/next
  std::uint64_t connection = 0;
  std::uint64_t polls = 0;          // /extension/event/next requests it made so far
  std::uint64_t polled_on = 0;      // the connection of the latest one (0: none yet)
};

// The Extensions API's bookkeeping, free of sockets like the invocation book: who registered,
// which event/next polls wait, and who is owed SHUTDOWN.
class extension_registry {
 public:
  struct answer {
    int status = 0;
    std::string body;
    std::string id;  // a registration's Lambda-Extension-Identifier
  };
  // A registration. `refuse_with` (non-zero) is a scripted status for it.
  answer on_register(std::string_view name, std::string_view body, std::string_view user_agent,
                     std::uint64_t connection, int refuse_with, std::string_view function_name);
  // An event/next: nullopt parks it; otherwise answer now (an unknown id, or SHUTDOWN owed).
  std::optional<answer> on_poll(std::string_view id, std::uint64_t connection);
  void unpark(std::uint64_t connection);
  void runtime_polled() noexcept { runtime_polled_ = true; }
  // From now on SHUTDOWN is owed to the extensions that subscribed; returns the parked polls of
  // those to answer with it now (removed from the parked ones).
  std::vector<std::uint64_t> shut_down(std::string_view reason, std::int64_t deadline_ms);
  const std::string& shutdown_event() const noexcept { return shutdown_event_; }

  const std::vector<extension_registration>& registrations() const noexcept { return registrations_; }
  std::size_t registered() const noexcept;
  std::size_t parked() const noexcept { return parked_.size(); }

 private:
  extension_registration* find(std::string_view id);
  bool wants_shutdown(std::string_view id);

  std::vector<extension_registration> registrations_;
  std::vector<std::pair<std::uint64_t, std::string>> parked_;  // connection, extension id
  std::string shutdown_event_;  // non-empty once shut_down() was called
  bool runtime_polled_ = false;
};

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
  // Keep the bodies of answers. Off (benchmarks streaming 100 MB), a body is counted
  // (body_bytes, chunk_sizes) but not stored.
  bool keep_bodies = true;
  std::string function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local-function";
  // Called on the server's thread for each invocation that finishes, with the server's lock
  // held: it must be quick and must not call the server (e.g. it hands the record to a queue).
  // `unfinished` counts the invocations still queued or running.
  std::function<void(const invocation& done, std::size_t unfinished)> on_finished{};
  // Called likewise (same thread, lock held, same haste) as a streamed answer arrives: for its
  // chunks and bytes, always before on_finished for that invocation.
  std::function<void(const stream_step& step)> on_stream{};
};

class runtime_api_server : private http_handler {
 public:
  explicit runtime_api_server(server_options options = {});
  ~runtime_api_server() override;
  runtime_api_server(const runtime_api_server&) = delete;
  runtime_api_server& operator=(const runtime_api_server&) = delete;

  // "127.0.0.1:PORT": the value for AWS_LAMBDA_RUNTIME_API.
  const std::string& address() const noexcept { return loop_->address(); }

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
  // Whether the streamed answer to `request_id` had received at least `bytes` body bytes (or
  // `chunks` complete chunks) within `timeout`. A stream still arriving counts, and so does a
  // finished one; a stream never started does not.
  bool wait_stream_bytes(std::string_view request_id, std::uint64_t bytes,
                         std::chrono::milliseconds timeout) const;
  bool wait_stream_chunks(std::string_view request_id, std::size_t chunks,
                          std::chrono::milliseconds timeout) const;
  // The streamed answer to `request_id` while it is still arriving (its body not filled in yet),
  // or nullopt when none is.
  std::optional<post> stream_in_progress(std::string_view request_id) const;

  // Scripted faults from now on.
  void set_wire_faults(wire_faults faults);   // how every answer is written
  void fail_polls(int status);                // parked and later polls get it; 0 ends it
  void force_post_status(int status, int count = 1);  // the next `count` POSTs get `status`
  void drop_polls(int count);  // the next `count` deliveries close their poll's connection instead
  // While held, POSTs are recorded (and settle their invocations) but get no answer until
  // release_posts(): the runtime that posted stays waiting for it as long as a test needs.
  void hold_posts();
  void release_posts();
  // Fails every queued and running invocation (e.g. the bootstrap died).
  void fail_unfinished(std::string_view error_type, std::string_view message);
  // The runtime is gone and another will take its place (the emulator restarts a bootstrap that
  // exited): its running invocations fail with `error_type` and `message`, its connections are
  // closed, and the new one starts from init: its init error, extension registrations and
  // posts() are its own. Queued invocations stay for it.
  void new_runtime(std::string_view error_type, std::string_view message);

  // Extensions API. Every registration so far, in arrival order.
  std::vector<extension_registration> registrations() const;
  // Later registrations get `status` (e.g. 403, 500); -1 closes their connection unanswered;
  // 0 ends it.
  void refuse_registrations(int status);
  // The platform's shutdown: SIGTERM is the caller's to send; this answers the parked
  // /extension/event/next of each extension subscribed to SHUTDOWN (and any later one) with
  // {"eventType":"SHUTDOWN","shutdownReason":reason,"deadlineMs":deadline_ms}. Returns how
  // many extensions are registered.
  std::size_t shut_down(std::string_view reason, std::int64_t deadline_ms);

 private:
  void on_request(std::uint64_t connection, const received_request& request) override;
  body_policy on_head(std::uint64_t connection, const received_request& head) override;
  void on_body(std::uint64_t connection, const received_request& head,
               const body_progress& progress) override;
  void on_closed(std::uint64_t connection) override;
  const post* stream_of(std::string_view request_id) const;  // arriving or finished
  std::optional<time_point> on_turn(time_point now) override;
  void on_post(std::uint64_t connection, post_kind kind, std::string_view request_id,
               const received_request& request);
  void deliver(const delivery& d);
  void on_register(std::uint64_t connection, const received_request& request);
  void on_extension_poll(std::uint64_t connection, const received_request& request);
  server_stats stats_locked() const;
  template <class Done>
  bool wait_locked(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout,
                   Done done) const;

  server_options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  invocation_book book_;
  extension_registry extensions_;
  int refuse_registrations_ = 0;
  std::vector<std::uint64_t> shutdown_polls_;  // parked event/next polls owed SHUTDOWN now
  wire_faults faults_;
  std::uint64_t requests_ = 0;
  std::uint64_t parked_peak_ = 0;
  std::uint64_t posts_ = 0;
  std::uint64_t init_errors_ = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> requests_per_connection_;
  std::string headers_;  // reused for each /next answer's head
  std::unordered_map<std::uint64_t, post> streams_;  // by connection: streamed answers arriving
  struct held_answer {
    std::uint64_t connection;
    int status;
    std::string body;
  };
  bool hold_posts_ = false;
  std::vector<held_answer> held_;
  std::unique_ptr<http_loop> loop_;
};

}  // namespace lambda::emulator
