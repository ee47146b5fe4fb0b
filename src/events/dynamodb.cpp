// DynamoDB Streams records: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
#include <lambda/events.hpp>

#include "events/fields.hpp"

namespace lambda::events {
namespace {

// Records[i].dynamodb.<name>
json::value change(const detail::record_ref& r, const char* name) { return r.json["dynamodb"][name]; }

}  // namespace

std::string_view dynamodb_record::event_id() const { return detail::required_string(ref_, ref_.json["eventID"], "eventID"); }
std::string_view dynamodb_record::event_name() const {
  return detail::required_string(ref_, ref_.json["eventName"], "eventName");
}
std::string_view dynamodb_record::event_source_arn() const {
  return detail::required_string(ref_, ref_.json["eventSourceARN"], "eventSourceARN");
}
std::string_view dynamodb_record::aws_region() const {
  return detail::required_string(ref_, ref_.json["awsRegion"], "awsRegion");
}
std::string_view dynamodb_record::sequence_number() const {
  return detail::required_string(ref_, change(ref_, "SequenceNumber"), {"dynamodb", "SequenceNumber"});
}
std::string_view dynamodb_record::stream_view_type() const {
  return detail::required_string(ref_, change(ref_, "StreamViewType"), {"dynamodb", "StreamViewType"});
}
double dynamodb_record::approximate_creation_date_time() const {
  return detail::required_double(ref_, change(ref_, "ApproximateCreationDateTime"),
                                 {"dynamodb", "ApproximateCreationDateTime"});
}
std::optional<std::int64_t> dynamodb_record::size_bytes() const {
  return detail::optional_int(ref_, change(ref_, "SizeBytes"), {"dynamodb", "SizeBytes"});
}
json::value dynamodb_record::keys() const {
  return detail::optional_object(ref_, change(ref_, "Keys"), {"dynamodb", "Keys"});
}
json::value dynamodb_record::new_image() const {
  return detail::optional_object(ref_, change(ref_, "NewImage"), {"dynamodb", "NewImage"});
}
json::value dynamodb_record::old_image() const {
  return detail::optional_object(ref_, change(ref_, "OldImage"), {"dynamodb", "OldImage"});
}

}  // namespace lambda::events
