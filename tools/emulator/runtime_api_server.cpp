#include "runtime_api_server.hpp"

#include <lambda/base64.hpp>
#include <lambda/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>

namespace lambda::emulator {
namespace {

constexpr std::string_view runtime_base = "/2018-06-01/runtime/";
constexpr std::string_view extension_base = "/2020-01-01/extension/";
constexpr std::string_view invocation_prefix = "invocation/";

bool consume_prefix(std::string_view& text, std::string_view prefix) noexcept {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

route route_post(std::string_view path) noexcept {
  if (path == "init/error") return {runtime_call::init_error, {}};
  if (!consume_prefix(path, invocation_prefix)) return {};
  auto slash = path.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  std::string_view id = path.substr(0, slash);
  std::string_view action = path.substr(slash + 1);
  if (action == "response") return {runtime_call::response, id};
  if (action == "error") return {runtime_call::error, id};
  return {};
}

std::uint64_t random_bits() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  return engine();
}

void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += hex[(value >> shift) & 0xf];
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// The header lines of a /next answer: what the platform tells a runtime about one invocation.
void append_next_headers(std::string& out, const event& e, std::string_view request_id,
                         std::int64_t deadline_ms, std::string_view default_function_arn) {
  if (e.content_type) append_header(out, "Content-Type", *e.content_type);
  append_header(out, "Lambda-Runtime-Aws-Request-Id", request_id);
  if (deadline_ms != 0) append_header(out, "Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
  append_header(out, "Lambda-Runtime-Invoked-Function-Arn",
                e.function_arn.empty() ? default_function_arn : e.function_arn);
  append_header(out, "Lambda-Runtime-Trace-Id", e.trace_id);
  append_header(out, "Lambda-Runtime-Client-Context", e.client_context);
  append_header(out, "Lambda-Runtime-Cognito-Identity", e.cognito_identity);
  append_header(out, "Lambda-Runtime-Aws-Tenant-Id", e.tenant_id);
  append_header(out, "Lambda-Runtime-Invocation-Id", e.invocation_id);
  out += e.extra_headers;
}

constexpr std::string_view accepted_body = R"({"status":"OK"})";
// The last millisecond of year 9999: as far in the future as RIE's Managed Instances mode goes.
constexpr std::int64_t far_future_ms = 253402300799999;
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

constexpr std::string_view not_found_body =
    R"({"errorMessage":"Unknown Runtime API call","errorType":"NotFound"})";
constexpr std::string_view poll_failed_body =
    R"({"errorMessage":"Scripted poll failure","errorType":"InternalError"})";

time_point now() { return std::chrono::steady_clock::now(); }

// A bad trailer is quoted in a failure message, but not at any length.
std::string quoted(std::string_view text) {
  constexpr std::size_t shown = 200;
  if (text.size() <= shown) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, shown)) + "…' (" + std::to_string(text.size()) + " bytes)";
}

// A streamed answer's error trailers: nullopt when it has none. Otherwise the body trailer is
// decoded in place and the failure's message returned.
std::optional<std::string> take_stream_error(post& p) {
  if (p.trailer_error_type.empty() && p.trailer_error_body.empty()) return std::nullopt;
  auto decoded = base64::decode(p.trailer_error_body);
  if (!decoded) {
    return "the Lambda-Runtime-Function-Error-Body trailer is not valid base64: " + quoted(p.trailer_error_body);
  }
  p.trailer_error_body = std::move(*decoded);
  if (p.trailer_error_body.empty()) return std::string();
  auto message = json::find_string(p.trailer_error_body, "/errorMessage");
  if (!json::is_valid(p.trailer_error_body) || !message) {
    return "the Lambda-Runtime-Function-Error-Body trailer does not decode to a JSON object with an "
           "errorMessage: " + quoted(p.trailer_error_body);
  }
  return std::string(*message);
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool platform_keeps_error_type(std::string_view type) noexcept {
  std::string_view name;
  if (type.starts_with("Runtime.")) name = type.substr(8);
  else if (type.starts_with("Function.")) name = type.substr(9);
  else return false;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto letter = [&](char c) { return upper(c) || (c >= 'a' && c <= 'z'); };
  return name.size() >= 2 && upper(name.front()) && std::all_of(name.begin() + 1, name.end(), letter);
}

std::string platform_error_type(std::string_view type) {
  return platform_keeps_error_type(type) ? std::string(type) : "Runtime.Unknown";
}

route route_request(std::string_view method, std::string_view target) noexcept {
  std::string_view path = target;
  if (consume_prefix(path, extension_base)) {
    if (method == "POST" && path == "register") return {runtime_call::extension_register, {}};
    if (method == "GET" && path == "event/next") return {runtime_call::extension_next, {}};
    return {};
  }
  if (!consume_prefix(path, runtime_base)) return {};
  if (method == "GET") return path == "invocation/next" ? route{runtime_call::next, {}} : route{};
  if (method == "POST") return route_post(path);
  return {};
}

std::string new_uuid() {
  std::uint64_t high = random_bits();
  std::uint64_t low = random_bits();
  high = (high & ~0xf000ULL) | 0x4000ULL;                   // version 4
  low = (low & ~(0xcULL << 60)) | (0x8ULL << 60);           // variant 10xx
  std::string out;
  out.reserve(36);
  append_hex(out, high >> 32, 8);
  out += '-';
  append_hex(out, (high >> 16) & 0xffff, 4);
  out += '-';
  append_hex(out, high & 0xffff, 4);
  out += '-';
  append_hex(out, low >> 48, 4);
  out += '-';
  append_hex(out, low & 0xffffffffffffULL, 12);
  return out;
}

std::string new_trace_id() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  std::string out = "Root=1-";
  append_hex(out, static_cast<std::uint64_t>(seconds), 8);
  out += '-';
  append_hex(out, random_bits(), 16);
  append_hex(out, random_bits(), 8);
  out += ";Parent=";
  append_hex(out, random_bits(), 16);
  out += ";Sampled=0";
  return out;
}

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
  ++delivered_;
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
  std::optional<std::string> stream_error = p.streamed ? take_stream_error(p) : std::nullopt;
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
                          ? max_managed_error_bytes
                          : p.streamed ? max_stream_bytes : max_response_bytes;
  int status = p.body_bytes > limit ? 413 : 202;
  p.status = status;
  e->record.answer = p;
  if (status == 413) {
    e->record.failure_type = "Function.ResponseSizeTooLarge";
    e->record.failure_message = "Response payload size exceeded maximum allowed payload size";
    finish(*e, invocation_state::failed, p.at);
  } else if (stream_error) {
    // Accepted on the wire, as the platform does, but the invocation failed.
    e->record.failure_type = platform_error_type(p.trailer_error_type);
    e->record.failure_message = std::move(*stream_error);
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

void invocation_book::new_runtime(std::string_view type, std::string_view message, time_point now) {
  for (auto& [id, e] : entries_) {
    if (e.record.state != invocation_state::running) continue;
    e.record.failure_type = type;
    e.record.failure_message = message;
    finish(e, invocation_state::failed, now);
  }
  parked_.clear();
  posts_.clear();
  init_error_seen_ = false;
}

void invocation_book::fail_running(std::string_view request_id, std::string_view type,
                                   std::string message, post partial, time_point now) {
  auto it = entries_.find(request_id);
  if (it == entries_.end() || it->second.record.state != invocation_state::running) return;
  entry& e = it->second;
  e.record.answer = std::move(partial);
  e.record.failure_type = type;
  e.record.failure_message = std::move(message);
  finish(e, invocation_state::failed, now);
}

std::size_t invocation_book::stream_drop_after(std::string_view request_id) const {
  auto it = entries_.find(request_id);
  if (it == entries_.end() || it->second.record.state != invocation_state::running) return 0;
  return it->second.ev.drop_stream_after;
}

runtime_api_server::runtime_api_server(server_options options)
    : options_(std::move(options)),
      book_({options_.timeout, options_.managed_instances, options_.max_running, options_.keep_posts}) {
  http_handler& handler = *this;
  loop_ = std::make_unique<http_loop>("127.0.0.1:0", handler, mutex_);
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
  s.listener_rests = loop_->listener_rests();
  s.polls_parked = book_.parked();
  s.polls_parked_peak = parked_peak_;
  s.requests = requests_;
  s.posts = posts_;
  s.init_errors = init_errors_;
  s.requests_per_connection.insert(requests_per_connection_.begin(), requests_per_connection_.end());
  s.queued = book_.queued();
  s.deliveries = book_.delivered();
  s.running = book_.running();
  s.finished = book_.finished();
  s.extensions_registered = extensions_.registered();
  s.extension_polls_parked = extensions_.parked();
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

const post* runtime_api_server::stream_of(std::string_view request_id) const {
  for (const auto& [connection, p] : streams_) {
    if (p.request_id == request_id) return &p;
  }
  const invocation* found = book_.find(request_id);
  if (!found || !found->answer || !found->answer->streamed) return nullptr;
  return &*found->answer;
}

bool runtime_api_server::wait_stream_bytes(std::string_view request_id, std::uint64_t bytes,
                                           std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wait_locked(lock, timeout, [&] {
    const post* p = stream_of(request_id);
    return p && p->body_bytes >= bytes;
  });
}

bool runtime_api_server::wait_stream_chunks(std::string_view request_id, std::size_t chunks,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wait_locked(lock, timeout, [&] {
    const post* p = stream_of(request_id);
    return p && p->chunk_sizes.size() >= chunks;
  });
}

std::optional<post> runtime_api_server::stream_in_progress(std::string_view request_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [connection, p] : streams_) {
    if (p.request_id == request_id) return p;
  }
  return std::nullopt;
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

void runtime_api_server::hold_posts() {
  std::lock_guard lock(mutex_);
  hold_posts_ = true;
}

void runtime_api_server::release_posts() {
  std::lock_guard lock(mutex_);
  hold_posts_ = false;
  for (const held_answer& h : std::exchange(held_, {})) {
    loop_->answer(h.connection, h.status, json_content_type, h.body, faults_);
  }
  loop_->wake();
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

void runtime_api_server::new_runtime(std::string_view error_type, std::string_view message) {
  {
    std::lock_guard lock(mutex_);
    book_.new_runtime(error_type, message, now());
    extensions_ = {};
    shutdown_polls_.clear();
    streams_.clear();
    // Whatever the old runtime left unread on them (a last poll) must not reach the new one.
    loop_->close_all();
  }
  loop_->wake();
}

void runtime_api_server::on_request(std::uint64_t connection, const received_request& request) {
  ++requests_;
  ++requests_per_connection_[connection];
  route r = route_request(request.method, request.target);
  switch (r.call) {
    case runtime_call::next:
      extensions_.runtime_polled();
      book_.park(connection);
      parked_peak_ = std::max<std::uint64_t>(parked_peak_, book_.parked());
      return;
    case runtime_call::response: return on_post(connection, post_kind::response, r.request_id, request);
    case runtime_call::error: return on_post(connection, post_kind::error, r.request_id, request);
    case runtime_call::init_error:
      ++init_errors_;
      return on_post(connection, post_kind::init_error, {}, request);
    case runtime_call::extension_register: return on_register(connection, request);
    case runtime_call::extension_next: return on_extension_poll(connection, request);
    case runtime_call::unknown:
      return loop_->answer(connection, 404, json_content_type, not_found_body, faults_);
  }
}

void runtime_api_server::on_post(std::uint64_t connection, post_kind kind,
                                 std::string_view request_id, const received_request& request) {
  ++posts_;
  post p;
  if (auto stream = streams_.find(connection); stream != streams_.end()) {
    p = std::move(stream->second);
    streams_.erase(stream);
    // Sent as base64; the book decodes it.
    p.trailer_error_type = http::find_header(request.trailers, "Lambda-Runtime-Function-Error-Type");
    p.trailer_error_body = http::find_header(request.trailers, "Lambda-Runtime-Function-Error-Body");
  } else {
    p.kind = kind;
    p.request_id = request_id;
    // Error bodies are small and hold the error's message: always kept.
    if (options_.keep_bodies || kind != post_kind::response) p.body = request.body;
    p.content_type = request.header("Content-Type");
    p.error_type = request.header("Lambda-Runtime-Function-Error-Type");
    p.invocation_id = request.header("Lambda-Runtime-Invocation-Id");
    p.user_agent = request.header("User-Agent");
    p.response_mode = request.header("Lambda-Runtime-Function-Response-Mode");
    p.declared_trailers = request.header("Trailer");
    p.connection = connection;
  }
  p.body_bytes = request.body_bytes;
  p.at = now();
  reply r = book_.on_post(std::move(p));
  if (hold_posts_) {
    held_.push_back({connection, r.status, std::string(r.body)});
    return;
  }
  loop_->answer(connection, r.status, json_content_type, r.body, faults_);
}

body_policy runtime_api_server::on_head(std::uint64_t connection, const received_request& head) {
  route r = route_request(head.method, head.target);
  std::string_view mode = head.header("Lambda-Runtime-Function-Response-Mode");
  if (r.call != runtime_call::response || !head.chunked || !http::iequals(mode, "streaming")) return {};
  post& p = streams_[connection];
  p = {};
  p.kind = post_kind::response;
  p.request_id = r.request_id;
  p.streamed = true;
  p.response_mode = mode;
  p.declared_trailers = head.header("Trailer");
  p.content_type = head.header("Content-Type");
  p.error_type = head.header("Lambda-Runtime-Function-Error-Type");
  p.invocation_id = head.header("Lambda-Runtime-Invocation-Id");
  p.user_agent = head.header("User-Agent");
  p.connection = connection;
  // One past the limit reaches on_body, which fails the invocation; the reader then refuses it.
  return {.max_body = max_stream_bytes, .keep = false, .report = true};
}

void runtime_api_server::on_body(std::uint64_t connection, const received_request&,
                                 const body_progress& progress) {
  auto it = streams_.find(connection);
  if (it == streams_.end()) return;
  post& p = it->second;
  time_point at = now();
  if (!progress.data.empty() && !p.first_byte_at) p.first_byte_at = at;
  p.body_bytes = progress.body_bytes;
  p.chunk_sizes.insert(p.chunk_sizes.end(), progress.chunks.begin(), progress.chunks.end());
  if (options_.keep_bodies) p.body += progress.data;
  const invocation* running = book_.find(p.request_id);
  if (!running || running->state != invocation_state::running) return;
  if (options_.on_stream) {
    options_.on_stream({.request_id = p.request_id, .content_type = p.content_type, .data = progress.data,
                        .chunks = progress.chunks, .chunks_so_far = p.chunk_sizes.size(),
                        .bytes_so_far = p.body_bytes, .delivered_at = running->delivered_at, .at = at});
  }
  std::string failure_type, failure_message;
  if (p.body_bytes > max_stream_bytes) {
    failure_type = "Function.ResponseSizeTooLarge";
    failure_message = "Response payload size exceeded maximum allowed payload size";
  } else if (std::size_t drop = book_.stream_drop_after(p.request_id); drop > 0 && p.body_bytes >= drop) {
    failure_type = stream_dropped_type;
    failure_message = "the emulator dropped the connection after " + std::to_string(p.body_bytes) +
                      " bytes of the streamed response (the event's drop_stream_after fault)";
    loop_->close(connection);
  } else {
    return;
  }
  post partial = std::move(p);
  streams_.erase(it);
  std::string id = partial.request_id;
  book_.fail_running(id, failure_type, std::move(failure_message), std::move(partial), at);
}

void runtime_api_server::on_closed(std::uint64_t connection) {
  book_.unpark(connection);
  extensions_.unpark(connection);
  auto it = streams_.find(connection);
  if (it == streams_.end()) return;
  post partial = std::move(it->second);
  streams_.erase(it);
  std::string id = partial.request_id;
  std::string message = "the connection closed after " + std::to_string(partial.body_bytes) +
                        " bytes, before the streamed response ended";
  book_.fail_running(id, stream_truncated_type, std::move(message), std::move(partial), now());
}

void runtime_api_server::deliver(const delivery& d) {
  switch (d.what) {
    case delivery::action::send_event:
      headers_.clear();
      append_next_headers(headers_, *d.ev, d.request_id, d.deadline_ms, options_.function_arn);
      return loop_->answer(d.connection, 200, headers_, d.ev->payload, faults_ | d.ev->wire);
    case delivery::action::close: return loop_->close(d.connection);
    case delivery::action::fail:
      return loop_->answer(d.connection, d.status, json_content_type, poll_failed_body, faults_);
  }
}

std::optional<time_point> runtime_api_server::on_turn(time_point now) {
  for (std::uint64_t connection : std::exchange(shutdown_polls_, {})) {
    loop_->answer(connection, 200, json_content_type, extensions_.shutdown_event(), faults_);
  }
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

namespace {

constexpr std::string_view shutdown_event_type = "SHUTDOWN";

std::string extension_error(std::string_view type, std::string_view message) {
  std::string out;
  json::writer(out).begin_object().key("errorMessage").value(message).key("errorType").value(type).end_object();
  return out;
}

// The events a registration's body subscribes to, or nullopt when the body is not
// {"events": [...]} with INVOKE and SHUTDOWN only.
std::optional<std::vector<std::string>> subscribed_events(std::string_view body) {
  auto events = json::find(body, "/events");
  if (!events || !events->starts_with("[")) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t i = 0;; ++i) {
    auto name = json::find_string(body, "/events/" + std::to_string(i));
    if (!name) return json::find(body, "/events/" + std::to_string(i)) ? std::nullopt : std::optional(out);
    if (*name != "INVOKE" && *name != shutdown_event_type) return std::nullopt;
    out.push_back(*name);
  }
}

}  // namespace

extension_registration* extension_registry::find(std::string_view id) {
  for (auto& r : registrations_) {
    if (r.status == 200 && r.id == id) return &r;
  }
  return nullptr;
}

bool extension_registry::wants_shutdown(std::string_view id) {
  const extension_registration* r = find(id);
  return r && std::find(r->events.begin(), r->events.end(), shutdown_event_type) != r->events.end();
}

std::size_t extension_registry::registered() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(registrations_.begin(), registrations_.end(), [](const auto& r) { return r.status == 200; }));
}

extension_registry::answer extension_registry::on_register(std::string_view name, std::string_view body,
                                                           std::string_view user_agent, std::uint64_t connection,
                                                           int refuse_with, std::string_view function_name) {
  extension_registration& r = registrations_.emplace_back();
  r.name = name;
  r.body = body;
  r.user_agent = user_agent;
  r.connection = connection;
  r.before_first_next = !runtime_polled_;
  auto events = subscribed_events(body);
  answer a;
  if (refuse_with != 0) {
    a = {refuse_with, extension_error("Extension.ScriptedFailure", "the test refused this registration"), {}};
  } else if (runtime_polled_) {
    a = {403, extension_error("Extension.InvalidStateTransition",
                              "extensions register during init, before the runtime's first /next"), {}};
  } else if (name.empty()) {
    a = {400, extension_error("Extension.InvalidRequest", "the Lambda-Extension-Name header is missing"), {}};
  } else if (!events) {
    a = {400, extension_error("Extension.InvalidRequest",
                              R"(the body must be {"events": [...]} with INVOKE and SHUTDOWN only)"), {}};
  } else {
    r.events = std::move(*events);
    r.id = new_uuid();
    a.status = 200;
    a.id = r.id;
    json::writer(a.body).begin_object().key("functionName").value(function_name).key("functionVersion")
        .value("$LATEST").key("handler").value("bootstrap").end_object();
  }
  r.status = a.status < 0 ? 0 : a.status;
  return a;
}

std::optional<extension_registry::answer> extension_registry::on_poll(std::string_view id, std::uint64_t connection) {
  extension_registration* r = find(id);
  if (!r) {
    return answer{403, extension_error("Extension.UnknownExtensionIdentifier",
                                       "no extension is registered with this Lambda-Extension-Identifier"), {}};
  }
  ++r->polls;
  r->polled_on = connection;
  if (!shutdown_event_.empty() && wants_shutdown(id)) return answer{200, shutdown_event_, r->id};
  parked_.emplace_back(connection, std::string(id));
  return std::nullopt;
}

void extension_registry::unpark(std::uint64_t connection) {
  std::erase_if(parked_, [&](const auto& p) { return p.first == connection; });
}

std::vector<std::uint64_t> extension_registry::shut_down(std::string_view reason, std::int64_t deadline_ms) {
  if (!shutdown_event_.empty()) return {};
  json::writer(shutdown_event_).begin_object().key("eventType").value(shutdown_event_type).key("shutdownReason")
      .value(reason).key("deadlineMs").value(static_cast<long long>(deadline_ms)).end_object();
  std::vector<std::uint64_t> now;
  std::erase_if(parked_, [&](const auto& p) {
    if (!wants_shutdown(p.second)) return false;
    now.push_back(p.first);
    return true;
  });
  return now;
}

std::vector<extension_registration> runtime_api_server::registrations() const {
  std::lock_guard lock(mutex_);
  return extensions_.registrations();
}

void runtime_api_server::refuse_registrations(int status) {
  std::lock_guard lock(mutex_);
  refuse_registrations_ = status;
}

std::size_t runtime_api_server::shut_down(std::string_view reason, std::int64_t deadline_ms) {
  std::size_t registered = 0;
  {
    std::lock_guard lock(mutex_);
    auto now = extensions_.shut_down(reason, deadline_ms);
    shutdown_polls_.insert(shutdown_polls_.end(), now.begin(), now.end());
    registered = extensions_.registered();
  }
  loop_->wake();
  return registered;
}

void runtime_api_server::on_register(std::uint64_t connection, const received_request& request) {
  std::string_view arn = options_.function_arn;
  const std::string_view function_name = arn.substr(arn.rfind(':') + 1);
  auto a = extensions_.on_register(request.header("Lambda-Extension-Name"), request.body, request.header("User-Agent"),
                                   connection, refuse_registrations_, function_name);
  changed_.notify_all();
  if (a.status < 0) return loop_->close(connection);
  std::string headers(json_content_type);
  if (!a.id.empty()) headers += "Lambda-Extension-Identifier: " + a.id + "\r\n";
  loop_->answer(connection, a.status, headers, a.body, faults_);
}

void runtime_api_server::on_extension_poll(std::uint64_t connection, const received_request& request) {
  auto a = extensions_.on_poll(request.header("Lambda-Extension-Identifier"), connection);
  changed_.notify_all();
  if (!a) return;
  std::string headers(json_content_type);
  if (a->status == 200) headers += "Lambda-Extension-Event-Identifier: " + new_uuid() + "\r\n";
  loop_->answer(connection, a->status, headers, a->body, faults_);
}

}  // namespace lambda::emulator
