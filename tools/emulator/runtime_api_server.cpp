#include "runtime_api_server.hpp"

#include <algorithm>

#include "loopback_listener.hpp"
#include "next_answer.hpp"
#include "runtime_api_route.hpp"

namespace lambda::emulator {
namespace {

constexpr std::string_view json_type = "Content-Type: application/json\r\n";
constexpr std::string_view not_found_body =
    R"({"errorMessage":"Unknown Runtime API call","errorType":"NotFound"})";
constexpr std::string_view poll_failed_body =
    R"({"errorMessage":"Scripted poll failure","errorType":"InternalError"})";

time_point now() { return std::chrono::steady_clock::now(); }

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

runtime_api_server::runtime_api_server(server_options options)
    : options_(std::move(options)),
      book_({options_.timeout, options_.managed_instances, options_.max_running, options_.keep_posts}) {
  unique_fd listener = listen_on_loopback("127.0.0.1:0");
  address_ = local_address(listener.get());
  http_handler& handler = *this;
  loop_ = std::make_unique<http_loop>(std::move(listener), handler, mutex_);
  loop_->start();
}

runtime_api_server::~runtime_api_server() { loop_->stop(); }

std::string runtime_api_server::enqueue(event e) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = book_.enqueue(std::move(e), now());
  }
  loop_->wake();
  return id;
}

std::optional<invocation> runtime_api_server::find(std::string_view request_id) const {
  std::lock_guard lock(mutex_);
  const invocation* found = book_.find(request_id);
  return found ? std::optional<invocation>(*found) : std::nullopt;
}

template <class Done>
bool runtime_api_server::wait_locked(std::unique_lock<std::mutex>& lock,
                                     std::chrono::milliseconds timeout, Done done) const {
  return changed_.wait_until(lock, now() + timeout, done);
}

std::optional<invocation> runtime_api_server::wait_finished(std::string_view request_id,
                                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (!book_.find(request_id)) return std::nullopt;
  bool finished = wait_locked(lock, timeout, [&] {
    const invocation* found = book_.find(request_id);
    return !found || found->finished();
  });
  const invocation* found = book_.find(request_id);
  if (!finished || !found) return std::nullopt;
  return *found;
}

void runtime_api_server::forget(std::string_view request_id) {
  std::lock_guard lock(mutex_);
  book_.forget(request_id);
}

std::vector<post> runtime_api_server::posts() const {
  std::lock_guard lock(mutex_);
  return book_.posts();
}

server_stats runtime_api_server::stats_locked() const {
  server_stats s;
  s.connections_accepted = loop_->accepted();
  s.connections_open = loop_->open();
  s.polls_parked = book_.parked();
  s.polls_parked_peak = parked_peak_;
  s.requests = requests_;
  s.posts = posts_;
  s.init_errors = init_errors_;
  s.requests_per_connection.insert(requests_per_connection_.begin(), requests_per_connection_.end());
  s.queued = book_.queued();
  s.running = book_.running();
  s.finished = book_.finished();
  return s;
}

server_stats runtime_api_server::stats() const {
  std::lock_guard lock(mutex_);
  return stats_locked();
}

bool runtime_api_server::wait_until(const std::function<bool(const server_stats&)>& done,
                                    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wait_locked(lock, timeout, [&] { return done(stats_locked()); });
}

bool runtime_api_server::wait_parked(std::uint64_t polls, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wait_locked(lock, timeout, [&] { return book_.parked() >= polls; });
}

void runtime_api_server::set_wire_faults(wire_faults faults) {
  std::lock_guard lock(mutex_);
  faults_ = faults;
}

void runtime_api_server::fail_polls(int status) {
  {
    std::lock_guard lock(mutex_);
    book_.fail_polls(status);
  }
  loop_->wake();
}

void runtime_api_server::force_post_status(int status, int count) {
  std::lock_guard lock(mutex_);
  book_.force_post_status(status, count);
}

void runtime_api_server::drop_polls(int count) {
  std::lock_guard lock(mutex_);
  book_.drop_deliveries(count);
}

void runtime_api_server::fail_unfinished(std::string_view error_type, std::string_view message) {
  {
    std::lock_guard lock(mutex_);
    book_.fail_unfinished(error_type, message, now());
  }
  loop_->wake();
}

void runtime_api_server::on_request(std::uint64_t connection, const received_request& request) {
  ++requests_;
  ++requests_per_connection_[connection];
  route r = route_request(request.method, request.target);
  switch (r.call) {
    case runtime_call::next:
      book_.park(connection);
      parked_peak_ = std::max<std::uint64_t>(parked_peak_, book_.parked());
      return;
    case runtime_call::response: return on_post(connection, post_kind::response, r.request_id, request);
    case runtime_call::error: return on_post(connection, post_kind::error, r.request_id, request);
    case runtime_call::init_error:
      ++init_errors_;
      return on_post(connection, post_kind::init_error, {}, request);
    case runtime_call::unknown:
      return loop_->answer(connection, 404, json_type, not_found_body, faults_);
  }
}

void runtime_api_server::on_post(std::uint64_t connection, post_kind kind,
                                 std::string_view request_id, const received_request& request) {
  ++posts_;
  post p;
  p.kind = kind;
  p.request_id = request_id;
  p.body = request.body;
  p.content_type = request.header("Content-Type");
  p.error_type = request.header("Lambda-Runtime-Function-Error-Type");
  p.invocation_id = request.header("Lambda-Runtime-Invocation-Id");
  p.user_agent = request.header("User-Agent");
  p.connection = connection;
  p.at = now();
  reply r = book_.on_post(std::move(p));
  loop_->answer(connection, r.status, json_type, r.body, faults_);
}

void runtime_api_server::on_closed(std::uint64_t connection) { book_.unpark(connection); }

void runtime_api_server::deliver(const delivery& d) {
  switch (d.what) {
    case delivery::action::send_event:
      headers_.clear();
      append_next_headers(headers_, *d.ev, d.request_id, d.deadline_ms, options_.function_arn);
      return loop_->answer(d.connection, 200, headers_, d.ev->payload, faults_ | d.ev->wire);
    case delivery::action::close: return loop_->close(d.connection);
    case delivery::action::fail:
      return loop_->answer(d.connection, d.status, json_type, poll_failed_body, faults_);
  }
}

std::optional<time_point> runtime_api_server::on_turn(time_point now) {
  book_.expire(now);
  std::int64_t epoch = epoch_ms();
  while (auto d = book_.next_delivery(now, epoch)) deliver(*d);
  std::size_t unfinished = book_.queued() + book_.running();
  for (const std::string& id : book_.take_finished()) {
    const invocation* done = book_.find(id);
    if (options_.on_finished && done) options_.on_finished(*done, unfinished);
  }
  changed_.notify_all();
  return book_.next_deadline();
}

}  // namespace lambda::emulator
