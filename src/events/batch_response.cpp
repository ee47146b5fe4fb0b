// The partial batch response: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
#include <lambda/events.hpp>

namespace lambda::events {

std::string batch_response::json() const {
  std::string out;
  json::writer w(out);
  w.begin_object().key("batchItemFailures").begin_array();
  for (const std::string& id : failures_) w.begin_object().key("itemIdentifier").value(id).end_object();
  w.end_array().end_object();
  return out;
}

}  // namespace lambda::events
