// The smallest useful function: answers a greeting that names the invocation.
#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

int main() {
  // Stateless, hence thread-safe: one handler serves every RIC on Lambda Managed Instances
  // (and the single one on classic Lambda).
  return lambda::run_concurrent([](std::string_view, const lambda::context& ctx) {
    std::string answer;
    lambda::json::writer(answer)
        .begin_object()
        .key("message").value("Hello from lambda-ric-cpp")
        .key("request_id").value(ctx.request_id)
        .end_object();
    return lambda::response(std::move(answer));
  });
}
