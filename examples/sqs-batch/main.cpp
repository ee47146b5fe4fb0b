// An SQS handler with partial batch failures: a message fails when its body is not JSON, or is
// a JSON object with "fail": true; only those are retried. Any other body succeeds (an array,
// a string, an object whose "fail" is absent or not the literal true).
#include <lambda/events.hpp>
#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

namespace events = lambda::events;

bool process(std::string_view body) {
  lambda::json::document message(body);
  return message && !message["fail"].get_bool().value_or(false);
}

int main() {
  return lambda::run_concurrent([](std::string_view event, const lambda::context&) {
    events::sqs_event batch(event);
    events::batch_response failures;
    for (const events::sqs_message& m : batch.records()) {
      if (!process(m.body())) failures.add_failure(m);
    }
    return failures.json();
  });
}
