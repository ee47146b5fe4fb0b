// SQS messages: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
#include <lambda/events.hpp>

#include "events/fields.hpp"

namespace lambda::events {

using detail::required_string;

std::string_view sqs_message::message_id() const { return required_string(ref_, ref_.json["messageId"], "messageId"); }
std::string_view sqs_message::receipt_handle() const {
  return required_string(ref_, ref_.json["receiptHandle"], "receiptHandle");
}
std::string_view sqs_message::body() const { return required_string(ref_, ref_.json["body"], "body"); }
std::string_view sqs_message::md5_of_body() const { return required_string(ref_, ref_.json["md5OfBody"], "md5OfBody"); }
std::string_view sqs_message::event_source_arn() const {
  return required_string(ref_, ref_.json["eventSourceARN"], "eventSourceARN");
}
std::string_view sqs_message::aws_region() const { return required_string(ref_, ref_.json["awsRegion"], "awsRegion"); }

std::optional<std::string_view> sqs_message::attribute(std::string_view name) const {
  const json::value attributes = detail::optional_object(ref_, ref_.json["attributes"], "attributes");
  return detail::optional_string(ref_, attributes[name], {"attributes", name});
}

std::int64_t sqs_message::approximate_receive_count() const {
  return detail::int_in_string(ref_, ref_.json["attributes"]["ApproximateReceiveCount"],
                               {"attributes", "ApproximateReceiveCount"});
}

std::int64_t sqs_message::sent_timestamp() const {
  return detail::int_in_string(ref_, ref_.json["attributes"]["SentTimestamp"], {"attributes", "SentTimestamp"});
}

std::optional<std::string_view> sqs_message::message_group_id() const { return attribute("MessageGroupId"); }

std::optional<std::string_view> sqs_message::message_attribute(std::string_view name) const {
  const json::value attributes = detail::optional_object(ref_, ref_.json["messageAttributes"], "messageAttributes");
  const json::value attribute = attributes[name];
  if (!attribute) return std::nullopt;
  detail::optional_object(ref_, attribute, {"messageAttributes", name});
  return detail::optional_string(ref_, attribute["stringValue"], {"messageAttributes", name, "stringValue"});
}

}  // namespace lambda::events
