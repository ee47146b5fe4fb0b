// Kinesis data stream records: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
#include <lambda/base64.hpp>
#include <lambda/events.hpp>

#include <string>
#include <utility>

#include "events/fields.hpp"

namespace lambda::events {
namespace {

// Records[i].kinesis.<name>
std::string_view kinesis_string(const detail::record_ref& r, const char* name) {
  return detail::required_string(r, r.json["kinesis"][name], {"kinesis", name});
}

}  // namespace

std::string_view kinesis_record::partition_key() const { return kinesis_string(ref_, "partitionKey"); }
std::string_view kinesis_record::sequence_number() const { return kinesis_string(ref_, "sequenceNumber"); }

std::string_view kinesis_record::data() const {
  const std::string_view text = kinesis_string(ref_, "data");
  if (text.empty()) return text;
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  if (!base64::append_decoded(decoded, text)) detail::fail(ref_, {"kinesis", "data"}, "is not base64");
  return ref_.event->scratch.keep(std::move(decoded));
}

double kinesis_record::approximate_arrival_timestamp() const {
  return detail::required_double(ref_, ref_.json["kinesis"]["approximateArrivalTimestamp"],
                                 {"kinesis", "approximateArrivalTimestamp"});
}

std::string_view kinesis_record::event_id() const { return detail::required_string(ref_, ref_.json["eventID"], "eventID"); }
std::string_view kinesis_record::event_name() const {
  return detail::required_string(ref_, ref_.json["eventName"], "eventName");
}
std::string_view kinesis_record::event_source_arn() const {
  return detail::required_string(ref_, ref_.json["eventSourceARN"], "eventSourceARN");
}
std::string_view kinesis_record::aws_region() const {
  return detail::required_string(ref_, ref_.json["awsRegion"], "awsRegion");
}

}  // namespace lambda::events
