#include "invoke_endpoint.hpp"

#include "ids.hpp"
#include "invocation_report.hpp"
#include "loopback_listener.hpp"

namespace lambda::emulator {
namespace {

constexpr std::string_view invoke_path = "/2015-03-31/functions/function/invocations";
constexpr std::string_view json_type = "Content-Type: application/json\r\n";

}  // namespace

invoke_endpoint::invoke_endpoint(std::string_view address, runtime_api_server& server)
    : server_(server) {
  unique_fd listener = listen_on_loopback(address);
  address_ = local_address(listener.get());
  http_handler& handler = *this;
  loop_ = std::make_unique<http_loop>(std::move(listener), handler, mutex_);
  loop_->start();
}

invoke_endpoint::~invoke_endpoint() { loop_->stop(); }

void invoke_endpoint::finished(const invocation& done) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(done);
  }
  loop_->wake();
}

void invoke_endpoint::refuse(std::string error_type, std::string message) {
  std::lock_guard lock(mutex_);
  refusal_.emplace();
  refusal_->state = invocation_state::failed;
  refusal_->failure_type = std::move(error_type);
  refusal_->failure_message = std::move(message);
}

std::size_t invoke_endpoint::invoked() {
  std::lock_guard lock(mutex_);
  return invoked_;
}

bool invoke_endpoint::wait_answered(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return answered_.wait_for(lock, timeout, [&] { return waiting_.empty(); });
}

void invoke_endpoint::on_request(std::uint64_t connection, const received_request& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path != invoke_path) {
    return loop_->answer(connection, 404, json_type,
                         R"({"errorMessage":"Invoke with POST )" + std::string(invoke_path) + R"(","errorType":"NotFound"})",
                         {});
  }
  if (request.method != "POST") {
    return loop_->answer(connection, 405, "Allow: POST\r\n" + std::string(json_type),
                         R"({"errorMessage":"Use POST","errorType":"MethodNotAllowed"})", {});
  }
  if (refusal_) {
    invoker_answer refused = invoker_answer_for(*refusal_);
    return loop_->answer(connection, 200, refused.headers, refused.body, {});
  }
  event e;
  e.payload = request.body;
  std::string_view trace = request.header("X-Amzn-Trace-Id");
  e.trace_id = trace.empty() ? new_trace_id() : std::string(trace);
  e.invocation_id = new_uuid();
  waiting_.emplace(server_.enqueue(std::move(e)), connection);
  ++invoked_;
}

std::optional<time_point> invoke_endpoint::on_turn(time_point) {
  for (const invocation& done : std::exchange(ready_, {})) {
    auto it = waiting_.find(done.request_id);
    if (it == waiting_.end()) continue;
    invoker_answer answer = invoker_answer_for(done);
    loop_->answer(it->second, 200, answer.headers, answer.body, {});
    waiting_.erase(it);
  }
  answered_.notify_all();
  return std::nullopt;
}

}  // namespace lambda::emulator
