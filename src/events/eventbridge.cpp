// EventBridge events: https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
#include <lambda/events.hpp>

#include "events/fields.hpp"

namespace lambda::events {

eventbridge_event::eventbridge_event(std::string_view event)
    : core_(event, "EventBridge"), self_{core_.document.root(), detail::whole_event, &core_} {}

std::string_view eventbridge_event::id() const { return detail::required_string(self_, self_.json["id"], "id"); }
std::string_view eventbridge_event::source() const {
  return detail::required_string(self_, self_.json["source"], "source");
}
std::string_view eventbridge_event::detail_type() const {
  return detail::required_string(self_, self_.json["detail-type"], "detail-type");
}
std::string_view eventbridge_event::account() const {
  return detail::required_string(self_, self_.json["account"], "account");
}
std::string_view eventbridge_event::time() const { return detail::required_string(self_, self_.json["time"], "time"); }
std::string_view eventbridge_event::region() const {
  return detail::required_string(self_, self_.json["region"], "region");
}
std::string_view eventbridge_event::version() const {
  return detail::required_string(self_, self_.json["version"], "version");
}

detail::string_range eventbridge_event::resources() const& {
  const json::value resources = self_.json["resources"];
  if (resources && !resources.is_null() && resources.kind() != json::value_kind::array) {
    detail::fail(self_, "resources", "is not an array");
  }
  return detail::string_range(resources, core_, "resources");
}

}  // namespace lambda::events
