// SNS notifications: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
#include <lambda/events.hpp>

#include "events/fields.hpp"

namespace lambda::events {
namespace {

// Records[i].Sns.<name>
std::string_view sns_string(const detail::record_ref& r, const char* name) {
  return detail::required_string(r, r.json["Sns"][name], {"Sns", name});
}

}  // namespace

std::string_view sns_message::message_id() const { return sns_string(ref_, "MessageId"); }
std::string_view sns_message::message() const { return sns_string(ref_, "Message"); }
std::optional<std::string_view> sns_message::subject() const {
  return detail::optional_string(ref_, ref_.json["Sns"]["Subject"], {"Sns", "Subject"});
}
std::string_view sns_message::topic_arn() const { return sns_string(ref_, "TopicArn"); }
std::string_view sns_message::timestamp() const { return sns_string(ref_, "Timestamp"); }
std::string_view sns_message::type() const { return sns_string(ref_, "Type"); }
std::string_view sns_message::event_subscription_arn() const {
  return detail::required_string(ref_, ref_.json["EventSubscriptionArn"], "EventSubscriptionArn");
}

std::optional<std::string_view> sns_message::message_attribute(std::string_view name) const {
  const json::value sns = ref_.json["Sns"];
  const json::value attributes = detail::optional_object(ref_, sns["MessageAttributes"], {"Sns", "MessageAttributes"});
  const json::value attribute = attributes[name];
  if (!attribute) return std::nullopt;
  detail::optional_object(ref_, attribute, {"Sns.MessageAttributes", name});
  return detail::optional_string(ref_, attribute["Value"], {"Sns.MessageAttributes", name, "Value"});
}

}  // namespace lambda::events
