#include "reports.hpp"

#include <unistd.h>

#include <lambda/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace lambda::emulator {
namespace {

double milliseconds_between(time_point from, time_point to) {
  double ms = std::chrono::duration<double, std::milli>(to - from).count();
  return std::round(ms * 1000) / 1000;  // microseconds are plenty
}

bool was_delivered(const invocation& done) {
  return done.delivered_at != time_point{};
}

std::string error_json(std::string_view type, std::string_view message) {
  std::string out;
  json::writer(out).begin_object().key("errorMessage").value(message).key("errorType").value(type).end_object();
  return out;
}

// Backs off from `size` to the start of a UTF-8 sequence, so a cut never splits a character.
std::size_t utf8_cut(std::string_view text, std::size_t size) {
  while (size > 0 && size < text.size() && (static_cast<unsigned char>(text[size]) & 0xc0) == 0x80) --size;
  return size;
}

void write_stream_fields(json::writer& w, const invocation& done) {
  if (!done.answer || !done.answer->streamed) return;
  const post& p = *done.answer;
  w.key("streamed").value(true).key("chunks").value(p.chunk_sizes.size()).key("bytes").value(p.body_bytes);
  if (p.first_byte_at && was_delivered(done)) {
    w.key("firstByteMs").value(milliseconds_between(done.delivered_at, *p.first_byte_at));
  }
}

void write_response(json::writer& w, std::string_view body) {
  if (body.size() > max_reported_body) {
    w.key("responseText").value(body.substr(0, utf8_cut(body, max_reported_body))).key("truncated").value(true);
    return;
  }
  bool one_line = body.find_first_of("\r\n") == std::string::npos;
  if (one_line && json::is_valid(body)) w.key("response").raw(body);
  else w.key("responseText").value(body);
}

constexpr auto redraw_every = std::chrono::milliseconds(200);
constexpr auto shown_after = std::chrono::seconds(1);

}  // namespace

outcome outcome_of(const invocation& done) {
  outcome out;
  if (done.state == invocation_state::answered && done.answer) {
    const post& answer = *done.answer;
    if (answer.kind == post_kind::response && answer.status == 202) {
      out.ok = true;
      out.status = "ok";
      return out;
    }
    out.error_type = platform_error_type(answer.error_type);
    auto message = json::find_string(answer.body, "/errorMessage");
    out.error_message = message ? *message : answer.body;
    return out;
  }
  if (done.state == invocation_state::timed_out) out.status = "timeout";
  out.error_type = done.failure_type;
  out.error_message = done.failure_message;
  return out;
}

std::string report_line(const invocation& done, std::size_t line) {
  outcome result = outcome_of(done);
  std::string out;
  json::writer w(out);
  w.begin_object().key("line").value(line).key("requestId").value(done.request_id);
  // Failed before any runtime took it: it never ran.
  bool ran = was_delivered(done);
  w.key("status").value(ran || result.ok ? result.status : "not_run");
  if (ran) w.key("durationMs").value(milliseconds_between(done.delivered_at, done.finished_at));
  write_stream_fields(w, done);
  if (result.ok) {
    write_response(w, done.answer->body);
  } else {
    w.key("errorType").value(result.error_type).key("errorMessage").value(result.error_message);
  }
  w.end_object();
  return out;
}

std::string not_run_line(std::size_t line, std::string_view error_type, std::string_view message) {
  std::string out;
  json::writer(out).begin_object().key("line").value(line).key("status").value("not_run")
      .key("errorType").value(error_type).key("errorMessage").value(message).end_object();
  return out;
}

invoker_answer invoker_answer_for(const invocation& done) {
  outcome result = outcome_of(done);
  invoker_answer out;
  if (!done.request_id.empty()) out.headers = "X-Amzn-RequestId: " + done.request_id + "\r\n";
  if (result.ok) {
    const std::string& type = done.answer->content_type;
    out.headers += "Content-Type: " + (type.empty() ? std::string("application/json") : type) + "\r\n";
    out.body = done.answer->body;
    return out;
  }
  out.headers += "Content-Type: application/json\r\nX-Amz-Function-Error: Unhandled\r\n";
  bool function_error = done.answer && done.answer->kind == post_kind::error && json::is_valid(done.answer->body);
  out.body = function_error ? done.answer->body : error_json(result.error_type, result.error_message);
  return out;
}

void run_stats::add(const invocation& done) {
  ++invocations_;
  if (!outcome_of(done).ok) ++failures_;
  if (was_delivered(done)) latencies_ms_.push_back(milliseconds_between(done.delivered_at, done.finished_at));
}

std::string run_stats::summary(std::chrono::steady_clock::duration wall) const {
  char text[512];
  int n = std::snprintf(text, sizeof text, "%zu invocation%s, %zu failed", invocations_,
                        invocations_ == 1 ? "" : "s", failures_);
  std::string out(text, static_cast<std::size_t>(n));
  if (latencies_ms_.empty()) return out + "\n";
  std::vector<double> sorted = latencies_ms_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest latency that at least p% of the invocations did not exceed.
  auto percentile = [&](double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
  };
  double seconds = std::chrono::duration<double>(wall).count();
  n = std::snprintf(text, sizeof text,
                    "; latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms; %.0f invocations/s over %.3f s\n",
                    percentile(50), percentile(90), percentile(99),
                    seconds > 0 ? static_cast<double>(invocations_) / seconds : 0.0, seconds);
  return out + std::string(text, static_cast<std::size_t>(n));
}

progress_line::progress_line(std::size_t total) : total_(total), shown_(isatty(STDERR_FILENO) == 1) {}

void progress_line::update(std::size_t done, std::chrono::steady_clock::time_point started) {
  auto now = std::chrono::steady_clock::now();
  if (!shown_ || now - started < shown_after || now - last_ < redraw_every) return;
  last_ = now;
  drawn_ = true;
  std::fprintf(stderr, "\r\033[Klambda-emulator: %zu/%zu invocations", done, total_);
  std::fflush(stderr);
}

void progress_line::clear() {
  if (std::exchange(drawn_, false)) std::fputs("\r\033[K", stderr);
}

std::chrono::milliseconds progress_line::poll_interval() const {
  return shown_ ? redraw_every : std::chrono::milliseconds(-1);
}

}  // namespace lambda::emulator
