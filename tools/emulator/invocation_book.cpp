#include "invocation_book.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "ids.hpp"

namespace lambda::emulator {
namespace {

constexpr std::string_view accepted_body = R"({"status":"OK"})";
// The last millisecond of year 9999: as far in the future as RIE's Managed Instances mode goes.
constexpr std::int64_t far_future_ms = 253402300799999;
constexpr std::size_t max_response_bytes = 6 * 1024 * 1024;
constexpr std::size_t max_managed_error_bytes = 1024 * 1024;

std::string_view body_for(int status) noexcept {
  switch (status) {
    case 202: return accepted_body;
    case 400: return R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})";
    case 403: return R"({"errorMessage":"Not allowed in this state","errorType":"InvalidStateTransition"})";
    case 410: return R"({"errorMessage":"Invoke timed out","errorType":"InvokeTimeout"})";
    case 413: return R"({"errorMessage":"Payload too large","errorType":"RequestEntityTooLarge"})";
    default: return R"({"errorMessage":"Scripted failure","errorType":"InternalError"})";
  }
}

bool holds_line_break(std::string_view id) noexcept {
  return id.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string timed_out_message(std::chrono::milliseconds timeout) {
  char text[64];
  std::snprintf(text, sizeof text, "Task timed out after %.2f seconds",
                static_cast<double>(timeout.count()) / 1000.0);
  return text;
}

}  // namespace

std::string invocation_book::enqueue(event e, time_point now) {
  if (e.request_id.empty()) {
    do e.request_id = new_uuid();
    while (entries_.contains(e.request_id));
  }
  if (holds_line_break(e.request_id)) throw std::invalid_argument("request id holds CR, LF or NUL");
  std::string id = e.request_id;
  auto [it, inserted] = entries_.try_emplace(id);
  if (!inserted) throw std::invalid_argument("request id " + id + " was already queued");
  entry& slot = it->second;
  slot.ev = std::move(e);
  slot.record.request_id = id;
  slot.record.queued_at = now;
  queue_.push_back(&slot);
  return id;
}

const invocation* invocation_book::find(std::string_view request_id) const {
  auto it = entries_.find(request_id);
  return it == entries_.end() ? nullptr : &it->second.record;
}

void invocation_book::forget(std::string_view request_id) {
  auto it = entries_.find(request_id);
  if (it == entries_.end() || !it->second.record.finished()) return;
  // A timed-out invocation stays, payload dropped, so that its late answer still gets 410.
  if (it->second.record.state == invocation_state::timed_out) it->second.ev = {};
  else entries_.erase(it);
}

void invocation_book::park(std::uint64_t connection) { parked_.push_back(connection); }

void invocation_book::unpark(std::uint64_t connection) {
  auto it = std::find(parked_.begin(), parked_.end(), connection);
  if (it != parked_.end()) parked_.erase(it);
}

std::chrono::milliseconds invocation_book::timeout_of(const event& ev) const noexcept {
  return ev.timeout.count() > 0 ? ev.timeout : options_.timeout;
}

std::optional<delivery> invocation_book::next_delivery(time_point now, std::int64_t epoch_ms) {
  if (parked_.empty()) return std::nullopt;
  if (fail_polls_status_ != 0) {
    delivery d{.what = delivery::action::fail, .connection = parked_.front(),
               .status = fail_polls_status_};
    parked_.pop_front();
    return d;
  }
  if (queue_.empty()) return std::nullopt;
  if (options_.max_running > 0 && running_ >= options_.max_running) return std::nullopt;
  entry& e = *queue_.front();
  std::uint64_t connection = parked_.front();
  parked_.pop_front();
  // A dropped poll leaves its event at the head of the queue for the poll that replaces it.
  if (e.ev.drop_polls > 0 || drops_left_ > 0) {
    int& drops = e.ev.drop_polls > 0 ? e.ev.drop_polls : drops_left_;
    --drops;
    return delivery{.what = delivery::action::close, .connection = connection};
  }
  queue_.pop_front();
  auto timeout = timeout_of(e.ev);
  e.record.state = invocation_state::running;
  e.record.connection = connection;
  e.record.delivered_at = now;
  switch (e.ev.deadline) {
    case deadline_style::from_timeout: e.record.deadline_ms = epoch_ms + timeout.count(); break;
    case deadline_style::far_future: e.record.deadline_ms = far_future_ms; break;
    case deadline_style::absent: e.record.deadline_ms = 0; break;
  }
  if (options_.managed_instances && e.ev.deadline == deadline_style::from_timeout) {
    e.expires = now + timeout;
    deadlines_.emplace(e.expires, e.record.request_id);
  }
  ++running_;
  return delivery{.what = delivery::action::send_event, .connection = connection, .ev = &e.ev,
                  .request_id = e.record.request_id, .deadline_ms = e.record.deadline_ms};
}

void invocation_book::finish(entry& e, invocation_state state, time_point at) {
  if (e.record.state == invocation_state::running) --running_;
  e.record.state = state;
  e.record.finished_at = at;
  ++finished_;
  newly_finished_.push_back(e.record.request_id);
}

void invocation_book::force_post_status(int status, int count) {
  forced_statuses_.insert(forced_statuses_.end(), static_cast<std::size_t>(std::max(count, 0)), status);
}

std::optional<int> invocation_book::forced_status(entry* e) {
  if (e && e->ev.post_status != 0) return std::exchange(e->ev.post_status, 0);
  if (forced_statuses_.empty()) return std::nullopt;
  int status = forced_statuses_.front();
  forced_statuses_.pop_front();
  return status;
}

reply invocation_book::on_post(post p) {
  p.order = ++post_count_;
  std::size_t finished_before = finished_;
  reply r = decide(p);
  p.status = r.status;
  if (options_.keep_posts || finished_ == finished_before) posts_.push_back(std::move(p));
  return r;
}

reply invocation_book::decide_init_error() {
  if (auto forced = forced_status(nullptr)) return {*forced, body_for(*forced)};
  int status = std::exchange(init_error_seen_, true) ? 403 : 202;
  return {status, body_for(status)};
}

reply invocation_book::decide(post& p) {
  if (p.kind == post_kind::init_error) return decide_init_error();
  auto it = entries_.find(p.request_id);
  entry* e = it == entries_.end() ? nullptr : &it->second;
  bool running = e && e->record.state == invocation_state::running;
  if (auto forced = forced_status(running ? e : nullptr)) {
    p.status = *forced;
    if (running) {
      e->record.answer = p;
      finish(*e, invocation_state::answered, p.at);
    }
    return {*forced, body_for(*forced)};
  }
  if (e && e->record.state == invocation_state::timed_out) return {410, body_for(410)};
  if (!running) return {400, body_for(400)};
  std::size_t limit = p.kind == post_kind::error && options_.managed_instances
                          ? max_managed_error_bytes : max_response_bytes;
  int status = p.body.size() > limit ? 413 : 202;
  p.status = status;
  e->record.answer = p;
  if (status == 413) {
    e->record.failure_type = "Function.ResponseSizeTooLarge";
    e->record.failure_message = "Response payload size exceeded maximum allowed payload size";
    finish(*e, invocation_state::failed, p.at);
  } else {
    finish(*e, invocation_state::answered, p.at);
  }
  return {status, body_for(status)};
}

void invocation_book::expire(time_point now) {
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    auto it = entries_.find(deadlines_.top().second);
    time_point due = deadlines_.top().first;
    deadlines_.pop();
    // Entries answered in time (or forgotten) are skipped here rather than searched for earlier.
    if (it == entries_.end()) continue;
    entry& e = it->second;
    if (e.record.state != invocation_state::running || e.expires != due) continue;
    e.record.failure_type = "Sandbox.Timedout";
    e.record.failure_message = timed_out_message(timeout_of(e.ev));
    finish(e, invocation_state::timed_out, now);
  }
}

std::optional<time_point> invocation_book::next_deadline() {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.top().first;
}

void invocation_book::fail_unfinished(std::string_view type, std::string_view message,
                                      time_point now) {
  queue_.clear();
  for (auto& [id, e] : entries_) {
    if (e.record.finished()) continue;
    e.record.failure_type = type;
    e.record.failure_message = message;
    finish(e, invocation_state::failed, now);
  }
}

}  // namespace lambda::emulator
