// Fuzz target: the event adapters (include/lambda/events.hpp): SQS, SNS, S3, EventBridge,
// DynamoDB Streams and Kinesis events, and batch_response.
//
// Input: one event; it is read as every source in turn.
//
// Oracles: an adapter constructs only over a valid JSON object; every reader either returns or
// throws malformed_event, never anything else; every view it returns is readable (ASan checks the
// bytes are alive) and stays so while later fields are read; a batch_response naming the items
// read is valid JSON.
//
//   make fuzz FUZZ_TARGETS=events FUZZ_SECONDS=60
#include <lambda/events.hpp>
#include <lambda/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

using namespace lambda;

// The bytes every view handed out, read again at the end.
struct reads {
  std::vector<std::string_view> views;
  std::size_t sum = 0;

  void touch(std::string_view v) {
    views.push_back(v);
    for (char c : v) sum += static_cast<unsigned char>(c);
  }
  void touch(const std::optional<std::string_view>& v) {
    if (v) touch(*v);
  }
  void touch(const json::value& v) { touch(v.json()); }
  template <typename T>
  void touch(const T&) {}

  template <typename Read>
  void field(Read read) {
    try {
      touch(read());
    } catch (const events::malformed_event&) {
    }
  }
  ~reads() {
    std::size_t again = 0;
    for (std::string_view v : views) {
      for (char c : v) again += static_cast<unsigned char>(c);
    }
    fuzz::check(again == sum, "a view changed while later fields were read");
  }
};

template <typename Event, typename ReadRecord>
void each_record(std::string_view input, ReadRecord read_record) {
  try {
    const Event event(input);
    fuzz::check(json::document(input).root().kind() == json::value_kind::object, "an event that is not a JSON object");
    reads r;
    events::batch_response failures;
    try {
      for (const auto& record : event.records()) read_record(r, record, failures);
    } catch (const events::malformed_event&) {
    }
    fuzz::check(json::is_valid(failures.json()), "a batch response is not valid JSON");
  } catch (const events::malformed_event&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::exact_copy bytes({reinterpret_cast<const char*>(data), size});
  const std::string_view input = bytes.view();
  each_record<events::sqs_event>(input, [](reads& r, const events::sqs_message& m, events::batch_response& f) {
    r.field([&] { return m.message_id(); });
    r.field([&] { return m.receipt_handle(); });
    r.field([&] { return m.body(); });
    r.field([&] { return m.md5_of_body(); });
    r.field([&] { return m.event_source_arn(); });
    r.field([&] { return m.aws_region(); });
    r.field([&] { return m.attribute("SenderId"); });
    r.field([&] { return m.approximate_receive_count(); });
    r.field([&] { return m.sent_timestamp(); });
    r.field([&] { return m.message_group_id(); });
    r.field([&] { return m.message_attribute("a"); });
    r.field([&] {
      f.add_failure(m);
      return 0;
    });
  });
  each_record<events::sns_event>(input, [](reads& r, const events::sns_message& m, events::batch_response&) {
    r.field([&] { return m.message_id(); });
    r.field([&] { return m.message(); });
    r.field([&] { return m.subject(); });
    r.field([&] { return m.topic_arn(); });
    r.field([&] { return m.timestamp(); });
    r.field([&] { return m.type(); });
    r.field([&] { return m.event_subscription_arn(); });
    r.field([&] { return m.message_attribute("a"); });
  });
  each_record<events::s3_event>(input, [](reads& r, const events::s3_record& m, events::batch_response&) {
    r.field([&] { return m.event_name(); });
    r.field([&] { return m.event_time(); });
    r.field([&] { return m.aws_region(); });
    r.field([&] { return m.bucket_name(); });
    r.field([&] { return m.bucket_arn(); });
    r.field([&] { return m.object_key(); });
    r.field([&] { return m.object_size(); });
    r.field([&] { return m.object_etag(); });
    r.field([&] { return m.object_version_id(); });
    r.field([&] { return m.object_sequencer(); });
  });
  each_record<events::dynamodb_event>(input, [](reads& r, const events::dynamodb_record& m, events::batch_response& f) {
    r.field([&] { return m.event_id(); });
    r.field([&] { return m.event_name(); });
    r.field([&] { return m.event_source_arn(); });
    r.field([&] { return m.aws_region(); });
    r.field([&] { return m.sequence_number(); });
    r.field([&] { return m.stream_view_type(); });
    r.field([&] { return m.approximate_creation_date_time(); });
    r.field([&] { return m.size_bytes(); });
    r.field([&] { return m.keys(); });
    r.field([&] { return m.new_image(); });
    r.field([&] { return m.old_image(); });
    r.field([&] {
      f.add_failure(m);
      return 0;
    });
  });
  each_record<events::kinesis_event>(input, [](reads& r, const events::kinesis_record& m, events::batch_response& f) {
    r.field([&] { return m.partition_key(); });
    r.field([&] { return m.sequence_number(); });
    r.field([&] { return m.data(); });
    r.field([&] { return m.approximate_arrival_timestamp(); });
    r.field([&] { return m.event_id(); });
    r.field([&] { return m.event_name(); });
    r.field([&] { return m.event_source_arn(); });
    r.field([&] { return m.aws_region(); });
    r.field([&] {
      f.add_failure(m);
      return 0;
    });
  });
  try {
    const events::eventbridge_event e(input);
    fuzz::check(json::document(input).root().kind() == json::value_kind::object, "an event that is not a JSON object");
    reads r;
    r.field([&] { return e.id(); });
    r.field([&] { return e.source(); });
    r.field([&] { return e.detail_type(); });
    r.field([&] { return e.account(); });
    r.field([&] { return e.time(); });
    r.field([&] { return e.region(); });
    r.field([&] { return e.version(); });
    r.field([&] { return e.detail(); });
    try {
      for (std::string_view arn : e.resources()) r.touch(arn);
    } catch (const events::malformed_event&) {
    }
  } catch (const events::malformed_event&) {
  }
  return 0;
}
