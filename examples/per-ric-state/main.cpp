// The factory form of run_concurrent: each RIC gets a handler of its own, so the state it
// keeps (here a counter and a reused buffer) is touched by one thread only and needs no lock.
#include <cstdint>

#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

namespace {

class counting_handler {
 public:
  explicit counting_handler(unsigned ric) : ric_(ric) {}

  lambda::response operator()(std::string_view, const lambda::context& ctx) {
    ++invocations_;
    answer_.clear();
    lambda::json::writer(answer_)
        .begin_object()
        .key("ric").value(ric_)
        .key("invocations_on_this_ric").value(invocations_)
        .key("request_id").value(ctx.request_id)
        .end_object();
    return lambda::response(answer_);
  }

 private:
  unsigned ric_;
  std::uint64_t invocations_ = 0;
  std::string answer_;
};

}  // namespace

int main() {
  // Called once per RIC, on the main thread, before any RIC polls. Expensive set-up (clients,
  // caches) belongs here; a throw is reported to Lambda as an init error.
  return lambda::run_concurrent([](unsigned ric) -> lambda::handler { return counting_handler(ric); });
}
