// Views of SQS, SNS, S3, EventBridge, DynamoDB Streams and Kinesis events, the partial batch
// response, and examples/sqs-batch end to end against the project's Runtime API server.
#include <lambda/events.hpp>
#include <lambda/runtime.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"
#include "support/guarded_bytes.hpp"

namespace lambda::test {
namespace {

namespace json = lambda::json;
using events::malformed_event;
using namespace std::string_view_literals;

// examples/events/<name>, found beside this file (the suites run from the project's root).
std::string sample(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / ".." / "examples" / "events" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The message malformed_event carries when `read` throws it; "<no exception>" when it does not.
template <class F>
std::string malformed_message(F read) {
  try {
    read();
  } catch (const malformed_event& e) {
    return e.what();
  }
  return "<no exception>";
}

// {"Records":[{"messageId":id,"body":body,...}, ...]} as SQS sends it.
std::string sqs_batch(const std::vector<std::pair<std::string, std::string>>& messages) {
  std::string out;
  json::writer w(out);
  w.begin_object().key("Records").begin_array();
  for (const auto& [id, body] : messages) {
    w.begin_object()
        .key("messageId").value(id)
        .key("receiptHandle").value("AQEB" + id)
        .key("body").value(body)
        .key("attributes").begin_object()
        .key("ApproximateReceiveCount").value("1")
        .key("SentTimestamp").value("1545082649183")
        .end_object()
        .key("messageAttributes").begin_object().end_object()
        .key("md5OfBody").value("098f6bcd4621d373cade4e832627b4f6")
        .key("eventSource").value("aws:sqs")
        .key("eventSourceARN").value("arn:aws:sqs:us-east-2:123456789012:q")
        .key("awsRegion").value("us-east-2")
        .end_object();
  }
  w.end_array().end_object();
  return out;
}

std::vector<events::sqs_message> all(const events::sqs_event& batch) {
  return {batch.records().begin(), batch.records().end()};
}

// ---- SQS ---------------------------------------------------------------------------------------

TEST(SqsEvent, ReadsTheFieldsOfARealShapedMessage) {
  const std::string bytes = sample("sqs.json");
  events::sqs_event batch(bytes);
  const auto messages = all(batch);
  ASSERT_EQ(messages.size(), 3u);
  const events::sqs_message& m = messages[0];
  EXPECT_EQ(m.index(), 0u);
  EXPECT_EQ(m.message_id(), "059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_TRUE(m.receipt_handle().substr(0, 10) == "AQEBwJnKyr");
  EXPECT_EQ(m.body(), R"({"orderId":"A-1001","total":19.99})");
  EXPECT_EQ(m.md5_of_body(), "e4e68fb7bd0e697a0ae8f1bb342846b3");
  EXPECT_EQ(m.event_source_arn(), "arn:aws:sqs:us-east-2:123456789012:orders");
  EXPECT_EQ(m.aws_region(), "us-east-2");
  EXPECT_EQ(m.approximate_receive_count(), 1);
  EXPECT_EQ(m.sent_timestamp(), 1545082649183);
  EXPECT_EQ(m.attribute("SenderId"), "AIDAIENQZJOLO23YVJ4VO"sv);
  EXPECT_EQ(m.attribute("AWSTraceHeader").value_or("").substr(0, 7), "Root=1-");
  EXPECT_EQ(m.attribute("NoSuchAttribute"), std::nullopt);
  EXPECT_EQ(m.message_group_id(), std::nullopt);
  EXPECT_EQ(m.message_attribute("Priority"), "high"sv);
  EXPECT_EQ(m.message_attribute("Thumbnail"), std::nullopt) << "a Binary attribute has no stringValue";
  EXPECT_EQ(m.message_attribute("Missing"), std::nullopt);
  EXPECT_EQ(m.json()["eventSource"].json(), R"("aws:sqs")");
}

TEST(SqsEvent, ViewsPointIntoTheEventUnlessAFieldNeedsUnescaping) {
  const std::string bytes = sample("sqs.json");
  events::sqs_event batch(bytes);
  auto in_event = [&](std::string_view v) {
    return v.data() >= bytes.data() && v.data() + v.size() <= bytes.data() + bytes.size();
  };
  const auto m = all(batch);
  EXPECT_TRUE(in_event(m[0].message_id()));
  EXPECT_TRUE(in_event(m[0].event_source_arn()));
  EXPECT_TRUE(in_event(m[2].receipt_handle()));
  EXPECT_FALSE(in_event(m[0].body())) << "its quotes are escaped";
  EXPECT_FALSE(in_event(m[1].message_id())) << "it holds a \\u escape";
}

TEST(SqsEvent, UnescapesEveryFieldUsersRead) {
  const std::string bytes = sample("sqs.json");
  events::sqs_event batch(bytes);
  const events::sqs_message m = all(batch)[1];
  EXPECT_EQ(m.message_id(), "2e1424d4-f796-459a-8184-9c92662be6da");
  EXPECT_EQ(m.receipt_handle().substr(0, 30), "AQEBzWwaftRI0KuVm4tP+/7q1rGgNq");
  EXPECT_EQ(m.body(),
            "{\"greeting\":\"Bonjour \\\"toi\\\" \xC3\xA0 bient\xC3\xB4t\",\"city\":\"S\xC3\xA3o Paulo\","
            "\"emoji\":\"\xF0\x9F\x98\x80\",\"note\":\"line1\\nline2\\tend\"}");
  EXPECT_TRUE(json::is_valid(m.body()));
  EXPECT_EQ(m.event_source_arn(), "arn:aws:sqs:us-east-2:123456789012:orders");
  EXPECT_EQ(m.aws_region(), "us-east-2");
  EXPECT_EQ(m.approximate_receive_count(), 3);
  EXPECT_EQ(m.message_attribute("Caf\xC3\xA9"), "cr\xC3\xA8me \"br\xC3\xBBl\xC3\xA9" "e\""sv);
  EXPECT_EQ(m.message_attribute("Count"), "12"sv);
}

TEST(SqsEvent, ReadsFifoAttributesAndAnEmptyBody) {
  const std::string bytes = sample("sqs.json");
  events::sqs_event batch(bytes);
  const events::sqs_message m = all(batch)[2];
  EXPECT_EQ(m.body(), "");
  EXPECT_EQ(m.message_group_id(), "customer-7"sv);
  EXPECT_EQ(m.attribute("MessageDeduplicationId"), "1"sv);
  EXPECT_EQ(m.message_attribute("Priority"), std::nullopt);
}

TEST(SqsEvent, ViewsStayValidWhileTheEventLivesHoweverManyFieldsAreRead) {
  const std::string bytes = sample("sqs.json");
  events::sqs_event batch(bytes);
  std::vector<std::string_view> seen;
  std::vector<std::string> copies;
  for (int round = 0; round < 200; ++round) {  // enough decoded copies to need several blocks
    for (const events::sqs_message& m : batch.records()) {
      for (std::string_view v : {m.message_id(), m.body(), m.receipt_handle(), m.event_source_arn()}) {
        seen.push_back(v);
        copies.emplace_back(v);
      }
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], copies[i]) << i;
}

TEST(SqsEvent, OptionalFieldsMayBeAbsentOrNull) {
  const std::string bytes = R"({"Records":[
    {"messageId":"a","body":"x"},
    {"messageId":"b","body":"y","attributes":null,"messageAttributes":null},
    {"messageId":"c","body":"z","attributes":{"MessageGroupId":null},
     "messageAttributes":{"k":{"stringValue":null,"dataType":"String"}}}]})";
  events::sqs_event batch(bytes);
  for (const events::sqs_message& m : batch.records()) {
    EXPECT_EQ(m.message_group_id(), std::nullopt) << m.message_id();
    EXPECT_EQ(m.attribute("SentTimestamp"), std::nullopt) << m.message_id();
    EXPECT_EQ(m.message_attribute("k"), std::nullopt) << m.message_id();
  }
  EXPECT_EQ(malformed_message([&] { all(batch)[0].sent_timestamp(); }),
            "malformed SQS event: Records[0].attributes.SentTimestamp is missing");
}

TEST(SqsEvent, AFieldMissingOrOfAnotherTypeIsAClearError) {
  const std::string bytes = R"({"Records":[{"messageId":"a"},{"messageId":7,"body":"b",
    "attributes":{"ApproximateReceiveCount":"many"},"messageAttributes":{"k":"v"}}]})";
  events::sqs_event batch(bytes);
  const auto m = all(batch);
  EXPECT_EQ(malformed_message([&] { m[0].body(); }), "malformed SQS event: Records[0].body is missing");
  EXPECT_EQ(malformed_message([&] { m[1].message_id(); }), "malformed SQS event: Records[1].messageId is not a string");
  EXPECT_EQ(malformed_message([&] { m[1].approximate_receive_count(); }),
            "malformed SQS event: Records[1].attributes.ApproximateReceiveCount is not an integer in a string");
  EXPECT_EQ(malformed_message([&] { m[1].message_attribute("k"); }),
            "malformed SQS event: Records[1].messageAttributes.k is not an object");
}

TEST(SqsEvent, AnEmptyBatchHasNoRecords) {
  events::sqs_event batch(R"({"Records":[]})");
  EXPECT_TRUE(batch.records().empty());
  EXPECT_EQ(batch.records().size(), 0u);
  for (const events::sqs_message& m : batch.records()) ADD_FAILURE() << m.index();
}

TEST(SqsEvent, TenThousandMessagesAreReadCompletelyAndInOrder) {
  std::vector<std::pair<std::string, std::string>> messages;
  for (int i = 0; i < 10000; ++i) {
    const std::string n = std::to_string(i);
    messages.emplace_back("id-" + n, i % 3 == 0 ? "{\"n\":" + n + ",\"text\":\"caf\xC3\xA9 \\\"" + n + "\\\"\"}" : "plain " + n);
  }
  const std::string bytes = sqs_batch(messages);
  events::sqs_event batch(bytes);
  EXPECT_EQ(batch.records().size(), messages.size());
  std::size_t next = 0;
  for (const events::sqs_message& m : batch.records()) {
    ASSERT_LT(next, messages.size());
    ASSERT_EQ(m.index(), next);
    ASSERT_EQ(m.message_id(), messages[next].first);
    ASSERT_EQ(m.body(), messages[next].second);
    ++next;
  }
  EXPECT_EQ(next, messages.size());
}

TEST(SqsEvent, AnEventThatIsNotAnSqsBatchIsAClearError) {
  auto construct = [](std::string_view bytes) { return malformed_message([&] { events::sqs_event batch(bytes); }); };
  EXPECT_EQ(construct(""), "malformed SQS event: not JSON (empty document at byte 0)");
  EXPECT_EQ(construct(R"({"Records":[{},]})"), "malformed SQS event: not JSON (trailing comma at byte 15)");
  EXPECT_EQ(construct("Records"), "malformed SQS event: not JSON (expected a value at byte 0)");
  EXPECT_EQ(construct("[1,2]"), "malformed SQS event: not a JSON object");
  EXPECT_EQ(construct("{}"), "malformed SQS event: Records is missing");
  EXPECT_EQ(construct(R"({"Records":{"0":{}}})"), "malformed SQS event: Records is not an array");
  EXPECT_EQ(construct(R"({"Records":null})"), "malformed SQS event: Records is not an array");

  events::sqs_event batch(R"({"Records":[{"messageId":"a","body":"b"},"a string",{}]})");
  std::vector<std::string> read;
  const std::string message = malformed_message([&] {
    for (const events::sqs_message& m : batch.records()) read.emplace_back(m.message_id());
  });
  EXPECT_EQ(message, "malformed SQS event: Records[1] is not an object");
  EXPECT_EQ(read, std::vector<std::string>{"a"});
}

TEST(SqsEvent, MalformedEventIsARuntimeError) {
  try {
    events::sqs_event batch("nope");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(dynamic_cast<const malformed_event*>(&e), nullptr);
  }
}

// Every field of every sample, read from bytes that end at an unreadable page: no read past them.
TEST(Events, NoReadGoesPastTheEventsLastByte) {
  guarded_bytes sqs(sample("sqs.json"));
  events::sqs_event sqs_batch(sqs.view());
  for (const events::sqs_message& m : sqs_batch.records()) {
    (void)m.message_id(), (void)m.body(), (void)m.attribute("SentTimestamp"), (void)m.message_attribute("Count");
  }
  guarded_bytes sns(sample("sns.json"));
  events::sns_event sns_batch(sns.view());
  for (const events::sns_message& m : sns_batch.records()) {
    (void)m.message(), (void)m.subject(), (void)m.message_attribute("Severity");
  }
  guarded_bytes s3(sample("s3.json"));
  events::s3_event s3_batch(s3.view());
  for (const events::s3_record& r : s3_batch.records()) (void)r.object_key(), (void)r.object_size();
  guarded_bytes bridge(sample("eventbridge.json"));
  events::eventbridge_event e(bridge.view());
  for (std::string_view arn : e.resources()) (void)arn;
  EXPECT_EQ(e.detail()["gift"].get_bool().value_or(true), false);
  guarded_bytes ddb(sample("dynamodb.json"));
  events::dynamodb_event ddb_batch(ddb.view());
  for (const events::dynamodb_record& r : ddb_batch.records()) {
    (void)r.sequence_number(), (void)r.new_image(), (void)r.approximate_creation_date_time();
  }
  guarded_bytes kinesis(sample("kinesis.json"));
  events::kinesis_event kinesis_batch(kinesis.view());
  for (const events::kinesis_record& r : kinesis_batch.records()) (void)r.data();
  guarded_bytes truncated(R"({"Records":[{"body":"x"})");
  EXPECT_EQ(malformed_message([&] { events::sqs_event batch(truncated.view()); }),
            "malformed SQS event: not JSON (unexpected end of input at byte 24)");
}

// ---- SNS ---------------------------------------------------------------------------------------

TEST(SnsEvent, ReadsANotificationWithoutSubject) {
  const std::string bytes = sample("sns.json");
  events::sns_event event(bytes);
  std::vector<events::sns_message> m(event.records().begin(), event.records().end());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].message_id(), "95df01b4-ee98-5cb9-9903-4c221d41eb5e");
  EXPECT_EQ(m[0].message(), "Disk usage is above 90% on host db-1");
  EXPECT_EQ(m[0].subject(), std::nullopt) << "Subject is null";
  EXPECT_EQ(m[0].topic_arn(), "arn:aws:sns:us-east-1:123456789012:alerts");
  EXPECT_EQ(m[0].timestamp(), "2019-01-02T12:45:07.000Z");
  EXPECT_EQ(m[0].type(), "Notification");
  EXPECT_EQ(m[0].event_subscription_arn(),
            "arn:aws:sns:us-east-1:123456789012:alerts:21be56ed-a058-49f5-8c98-aedd2564c486");
  EXPECT_EQ(m[0].message_attribute("Severity"), "critical"sv);
  EXPECT_EQ(m[0].message_attribute("Retries"), "2"sv);
  EXPECT_EQ(m[0].message_attribute("Team"), std::nullopt);
}

TEST(SnsEvent, UnescapesEveryFieldUsersRead) {
  const std::string bytes = sample("sns.json");
  events::sns_event event(bytes);
  const events::sns_message m = *std::next(event.records().begin());
  EXPECT_EQ(m.message_id(), "95df01b4-ee98-5cb9-9903-4c221d41eb5f");
  EXPECT_EQ(m.message(), "{\"alarm\":\"CPU \xE2\x89\xA5 80%\",\"host\":\"web-\\\"2\\\"\"}");
  EXPECT_EQ(m.subject(), "Alarm \"CPU\" \xC3\xA9lev\xC3\xA9"sv);
  EXPECT_EQ(m.topic_arn(), "arn:aws:sns:us-east-1:123456789012:alerts");
  EXPECT_EQ(m.event_subscription_arn().substr(m.event_subscription_arn().size() - 2), "86");
  EXPECT_EQ(m.message_attribute("Team\xC3\xA9"), "\xC3\xA9quipe \"ops\""sv);
}

TEST(SnsEvent, ARecordWithoutSnsIsAClearError) {
  events::sns_event event(R"({"Records":[{"EventSource":"aws:sns"}]})");
  EXPECT_EQ(malformed_message([&] { (*event.records().begin()).message(); }),
            "malformed SNS event: Records[0].Sns.Message is missing");
  EXPECT_EQ((*event.records().begin()).subject(), std::nullopt);
  EXPECT_EQ((*event.records().begin()).message_attribute("x"), std::nullopt);
}

// ---- S3 ----------------------------------------------------------------------------------------

TEST(S3Event, DecodesTheObjectKeyAndReadsTheObject) {
  const std::string bytes = sample("s3.json");
  events::s3_event event(bytes);
  std::vector<events::s3_record> r(event.records().begin(), event.records().end());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].event_name(), "ObjectCreated:Put");
  EXPECT_EQ(r[0].event_time(), "2024-03-05T10:11:12.345Z");
  EXPECT_EQ(r[0].aws_region(), "eu-west-1");
  EXPECT_EQ(r[0].bucket_name(), "photo-uploads");
  EXPECT_EQ(r[0].bucket_arn(), "arn:aws:s3:::photo-uploads");
  EXPECT_EQ(r[0].object_key(), "albums/summer 2024/caf\xC3\xA9 + plage/1.jpg");
  EXPECT_EQ(r[0].object_size(), 1048576);
  EXPECT_EQ(r[0].object_etag(), "d41d8cd98f00b204e9800998ecf8427e"sv);
  EXPECT_EQ(r[0].object_version_id(), "096fKKXTRTtl3on89fVO.nfljtsv6qko"sv);
  EXPECT_EQ(r[0].object_sequencer(), "0055AED6DCD90281E5");
}

TEST(S3Event, ADeletionHasNoSizeETagOrVersionAndItsEscapedKeyIsDecoded) {
  const std::string bytes = sample("s3.json");
  events::s3_event event(bytes);
  const events::s3_record r = *std::next(event.records().begin());
  EXPECT_EQ(r.event_name(), "ObjectRemoved:Delete");
  EXPECT_EQ(r.aws_region(), "eu-west-1");
  EXPECT_EQ(r.object_key(), "tmp/r\xC3\xA9sum\xC3\xA9 draft!.txt");
  EXPECT_EQ(r.object_size(), std::nullopt);
  EXPECT_EQ(r.object_etag(), std::nullopt);
  EXPECT_EQ(r.object_version_id(), std::nullopt);
}

TEST(S3Event, KeysDecodeJsonEscapesFirstThenUrlEncoding) {
  auto key = [](std::string_view json_key) {
    const std::string bytes = R"({"Records":[{"s3":{"object":{"key":")" + std::string(json_key) + R"("}}}]})";
    events::s3_event event(bytes);
    return std::string((*event.records().begin()).object_key());
  };
  EXPECT_EQ(key("plain/key.txt"), "plain/key.txt");
  EXPECT_EQ(key("a+b"), "a b");
  EXPECT_EQ(key("a%2Bb%2fc%25d"), "a+b/c%d");
  EXPECT_EQ(key("a\\u002bb"), "a b") << "\\u002b is a '+' in the URL-encoded key: a space";
  EXPECT_EQ(key("%E2%82%AC"), "\xE2\x82\xAC");
  EXPECT_EQ(key(""), "");
  EXPECT_EQ(malformed_message([&] { key("50%"); }),
            "malformed S3 event: Records[0].s3.object.key is not URL-encoded (a '%' without two hex digits)");
  EXPECT_EQ(malformed_message([&] { key("%zz"); }),
            "malformed S3 event: Records[0].s3.object.key is not URL-encoded (a '%' without two hex digits)");
  EXPECT_EQ(malformed_message([&] { key("%4"); }),
            "malformed S3 event: Records[0].s3.object.key is not URL-encoded (a '%' without two hex digits)");
}

TEST(S3Event, AnS3EventDeliveredThroughSqsIsReadFromTheMessageBody) {
  const std::string s3 = sample("s3.json");
  const std::string bytes = sqs_batch({{"m-1", s3}});
  events::sqs_event batch(bytes);
  for (const events::sqs_message& m : batch.records()) {
    events::s3_event inner(m.body());  // the body was unescaped into the batch's scratch
    EXPECT_EQ((*inner.records().begin()).object_key(), "albums/summer 2024/caf\xC3\xA9 + plage/1.jpg");
  }
}

// ---- EventBridge -------------------------------------------------------------------------------

TEST(EventBridgeEvent, ReadsAScheduledEvent) {
  const std::string bytes = sample("schedule.json");
  events::eventbridge_event e(bytes);
  EXPECT_EQ(e.source(), "aws.events");
  EXPECT_EQ(e.detail_type(), "Scheduled Event");
  std::vector<std::string_view> resources(e.resources().begin(), e.resources().end());
  EXPECT_EQ(resources, (std::vector<std::string_view>{"arn:aws:events:us-east-1:123456789012:rule/nightly-report"}));
  EXPECT_EQ(e.detail().kind(), json::value_kind::object);
  EXPECT_EQ(e.detail().size(), 0u);
}

TEST(EventBridgeEvent, ReadsEveryFieldAndTheDetail) {
  const std::string bytes = sample("eventbridge.json");
  events::eventbridge_event e(bytes);
  EXPECT_EQ(e.id(), "6a7e8feb-b491-4cf7-a9f1-bf3703467718");
  EXPECT_EQ(e.version(), "0");
  EXPECT_EQ(e.source(), "com.example.orders");
  EXPECT_EQ(e.detail_type(), "Order \"Placed\" \xE2\x80\x93 v2");
  EXPECT_EQ(e.account(), "123456789012");
  EXPECT_EQ(e.time(), "2024-03-05T10:11:12Z");
  EXPECT_EQ(e.region(), "us-west-2");
  std::vector<std::string_view> resources(e.resources().begin(), e.resources().end());
  EXPECT_EQ(resources, (std::vector<std::string_view>{"arn:aws:dynamodb:us-west-2:123456789012:table/Orders",
                                                      "arn:aws:s3:::invoices/2024"}));
  const json::value detail = e.detail();
  EXPECT_EQ(detail.kind(), json::value_kind::object);
  EXPECT_EQ(detail["orderId"].get_string().value_or(""), "A-1001");
  EXPECT_EQ(detail["customer"]["name"].get_string().value_or(""), "J\xC3\xBCrgen");
  EXPECT_EQ(detail["items"].size(), 2u);
  EXPECT_EQ(detail.at("/items/1/qty").get_int().value_or(0), 1);
  EXPECT_EQ(detail["total"].get_double().value_or(0), 42.5);
}

TEST(EventBridgeEvent, MissingResourcesAndDetailAreEmptyAndWrongShapesAreClearErrors) {
  events::eventbridge_event bare(R"({"id":"1","source":"s","detail-type":"t"})");
  EXPECT_TRUE(bare.resources().empty());
  EXPECT_FALSE(bare.detail());
  EXPECT_EQ(malformed_message([&] { bare.account(); }), "malformed EventBridge event: account is missing");

  events::eventbridge_event wrong(R"({"id":1,"resources":"arn","detail":{}})");
  EXPECT_EQ(malformed_message([&] { wrong.id(); }), "malformed EventBridge event: id is not a string");
  EXPECT_EQ(malformed_message([&] { wrong.resources(); }), "malformed EventBridge event: resources is not an array");
  events::eventbridge_event mixed(R"({"resources":["a",2]})");
  EXPECT_EQ(malformed_message([&] {
              for (std::string_view arn : mixed.resources()) (void)arn;
            }),
            "malformed EventBridge event: resources[1] is not a string");
  EXPECT_EQ(malformed_message([] { events::eventbridge_event e("[]"); }), "malformed EventBridge event: not a JSON object");
}

// ---- DynamoDB Streams --------------------------------------------------------------------------

TEST(DynamoDbEvent, ReadsInsertModifyAndRemoveWithTheirImages) {
  const std::string bytes = sample("dynamodb.json");
  events::dynamodb_event event(bytes);
  std::vector<events::dynamodb_record> r(event.records().begin(), event.records().end());
  ASSERT_EQ(r.size(), 3u);
  std::string scratch;

  EXPECT_EQ(r[0].event_id(), "c4ca4238a0b923820dcc509a6f75849b");
  EXPECT_EQ(r[0].event_name(), "INSERT");
  EXPECT_EQ(r[0].aws_region(), "us-east-1");
  EXPECT_EQ(r[0].sequence_number(), "4421584500000000017450439091");
  EXPECT_EQ(r[0].stream_view_type(), "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(r[0].approximate_creation_date_time(), 1709633472.0);
  EXPECT_EQ(r[0].size_bytes(), 59);
  EXPECT_EQ(r[0].keys().json(), R"({"Id": {"N": "101"}})");
  EXPECT_EQ(r[0].new_image()["Name"]["S"].get_string(scratch).value_or(""), "Ada \"Countess\" Lovelace");
  EXPECT_EQ(r[0].new_image()["Tags"]["SS"].size(), 2u);
  EXPECT_FALSE(r[0].old_image());

  EXPECT_EQ(r[1].event_name(), "MODIFY");
  EXPECT_EQ(r[1].approximate_creation_date_time(), 1709633473.125);
  EXPECT_EQ(r[1].new_image()["Name"]["S"].get_string(scratch).value_or(""), "Ada Lovelace");
  EXPECT_EQ(r[1].old_image()["Name"]["S"].get_string(scratch).value_or(""), "Ada \"Countess\" Lovelace");

  EXPECT_EQ(r[2].event_id(), "eccbc87e4b5ce2fe28308fd9f2a7baf3");
  EXPECT_EQ(r[2].event_name(), "REMOVE");
  EXPECT_FALSE(r[2].new_image());
  EXPECT_TRUE(r[2].old_image());
  EXPECT_EQ(r[2].event_source_arn(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/People/stream/2024-03-05T10:00:00.000");
}

TEST(DynamoDbEvent, MissingAndMistypedFieldsAreClearErrors) {
  events::dynamodb_event event(R"({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":[],"NewImage":null}}]})");
  const events::dynamodb_record r = *event.records().begin();
  EXPECT_FALSE(r.new_image());
  EXPECT_FALSE(r.old_image());
  EXPECT_EQ(r.size_bytes(), std::nullopt);
  EXPECT_EQ(malformed_message([&] { r.keys(); }), "malformed DynamoDB Streams event: Records[0].dynamodb.Keys is not an object");
  EXPECT_EQ(malformed_message([&] { r.sequence_number(); }),
            "malformed DynamoDB Streams event: Records[0].dynamodb.SequenceNumber is missing");
  EXPECT_EQ(malformed_message([&] { r.approximate_creation_date_time(); }),
            "malformed DynamoDB Streams event: Records[0].dynamodb.ApproximateCreationDateTime is missing");
}

// ---- Kinesis -----------------------------------------------------------------------------------

TEST(KinesisEvent, DecodesTheDataAndReadsTheRecord) {
  const std::string bytes = sample("kinesis.json");
  events::kinesis_event event(bytes);
  std::vector<events::kinesis_record> r(event.records().begin(), event.records().end());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].partition_key(), "customer-7");
  EXPECT_EQ(r[0].sequence_number(), "49590338271490256608559692538361571095921575989136588898");
  EXPECT_EQ(r[0].data(), "{\"order\":42,\"item\":\"caf\xC3\xA9\"}");
  EXPECT_EQ(r[0].approximate_arrival_timestamp(), 1545084650.987);
  EXPECT_EQ(r[0].event_id(), "shardId-000000000006:49590338271490256608559692538361571095921575989136588898");
  EXPECT_EQ(r[0].event_name(), "aws:kinesis:record");
  EXPECT_EQ(r[0].aws_region(), "us-east-2");
  EXPECT_EQ(r[0].event_source_arn(), "arn:aws:kinesis:us-east-2:123456789012:stream/clicks");

  EXPECT_EQ(r[1].partition_key(), "caf\xC3\xA9");
  EXPECT_EQ(r[1].data(), std::string_view("\x00\x01\x02\xFE\xFF\x3F\xBF/", 8)) << "binary, its base64 escaped";
  EXPECT_EQ(r[1].event_source_arn(), "arn:aws:kinesis:us-east-2:123456789012:stream/clicks");
}

TEST(KinesisEvent, DataThatIsNotBase64IsAClearErrorAndEmptyDataIsEmpty) {
  events::kinesis_event event(
      R"({"Records":[{"kinesis":{"data":"aGVsbG8"}},{"kinesis":{"data":""}},{"kinesis":{"data":"aGV sbG8="}}]})");
  std::vector<events::kinesis_record> r(event.records().begin(), event.records().end());
  EXPECT_EQ(malformed_message([&] { r[0].data(); }), "malformed Kinesis event: Records[0].kinesis.data is not base64");
  EXPECT_EQ(r[1].data(), "");
  EXPECT_EQ(malformed_message([&] { r[2].data(); }), "malformed Kinesis event: Records[2].kinesis.data is not base64");
  EXPECT_EQ(malformed_message([&] { r[1].approximate_arrival_timestamp(); }),
            "malformed Kinesis event: Records[1].kinesis.approximateArrivalTimestamp is missing");
}

// ---- Partial batch response --------------------------------------------------------------------

TEST(BatchResponse, IsAnEmptyListWhenNothingFailed) {
  events::batch_response none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.json(), R"({"batchItemFailures":[]})");
  EXPECT_EQ(none.str(), none.json());
}

TEST(BatchResponse, ListsFailuresInOrderByEachSourcesItemIdentifier) {
  const std::string sqs = sample("sqs.json"), kinesis = sample("kinesis.json"), ddb = sample("dynamodb.json");
  const events::sqs_event sqs_batch(sqs);
  const events::kinesis_event kinesis_batch(kinesis);
  const events::dynamodb_event ddb_batch(ddb);
  events::batch_response failures;
  failures.add_failure(*sqs_batch.records().begin());
  failures.add_failure(*kinesis_batch.records().begin());
  failures.add_failure(*ddb_batch.records().begin());
  failures.add_failure("quote \" and \\ and \n");
  EXPECT_FALSE(failures.empty());
  EXPECT_EQ(failures.json(),
            R"({"batchItemFailures":[{"itemIdentifier":"059f36b4-87a3-44ab-83d2-661975830a7d"},)"
            R"({"itemIdentifier":"49590338271490256608559692538361571095921575989136588898"},)"
            R"({"itemIdentifier":"4421584500000000017450439091"},)"
            R"({"itemIdentifier":"quote \" and \\ and \n"}]})");
  EXPECT_EQ(failures.failures().size(), 4u);
}

// The example header's usage code, compiled and run.
std::string handle(std::string_view event, const lambda::context&) {
  lambda::events::sqs_event batch(event);
  lambda::events::batch_response failures;
  for (const lambda::events::sqs_message& m : batch.records()) {
    if (!lambda::json::is_valid(m.body())) failures.add_failure(m);
  }
  return failures.json();
}

TEST(BatchResponse, TheHeadersExampleReportsBodiesThatAreNotJson) {
  EXPECT_EQ(handle(sqs_batch({{"a", "{}"}, {"b", "{"}, {"c", "1"}}), {}),
            R"({"batchItemFailures":[{"itemIdentifier":"b"}]})");
}

// ---- examples/sqs-batch end to end -------------------------------------------------------------

class SqsBatchExample : public ::testing::Test {
 protected:
  emulator::post answer_of(const std::string& id) {
    auto done = server.wait_finished(id, patience);
    if (!done || !done->answer) {
      ADD_FAILURE() << "no answer for " << id;
      return {};
    }
    return *done->answer;
  }
  emulator::runtime_api_server server;
};

// Only invalid JSON and objects with "fail": true fail; arrays, strings, numbers, objects with
// "fail" false or not a boolean succeed.
TEST_F(SqsBatchExample, ReportsInvalidJsonAndFailTrueInOrder) {
  const auto mixed = server.enqueue({.payload = sqs_batch({
                                         {"m1", R"({"order":1})"},
                                         {"m2", "{not json"},
                                         {"m3", R"({"fail":true})"},
                                         {"m4", "[1]"},
                                         {"m5", R"("x")"},
                                         {"m6", R"({"fail":false})"},
                                         {"m7", R"({"fail":"true"})"},
                                         {"m8", ""},
                                         {"m9", R"([{"fail":true}])"},
                                         {"m\"10\"", R"({"id":10, "fail" : true})"},
                                         {"m11", "{\"caf\xC3\xA9\":\"cr\xC3\xA8me\"}"},
                                     })});
  const auto all_good = server.enqueue({.payload = sqs_batch({{"a", "{}"}, {"b", "42"}})});
  const auto empty = server.enqueue({.payload = R"({"Records":[]})"});
  const auto not_sqs = server.enqueue({.payload = R"({"Records":"oops"})"});
  const auto after = server.enqueue({.payload = sqs_batch({{"z", "{"}})});
  auto function = start_function(example("sqs-batch"), server.address());

  const auto answer = answer_of(mixed);
  EXPECT_EQ(answer.kind, emulator::post_kind::response);
  EXPECT_EQ(answer.body, R"({"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m3"},)"
                         R"({"itemIdentifier":"m8"},{"itemIdentifier":"m\"10\""}]})");
  EXPECT_EQ(answer_of(all_good).body, R"({"batchItemFailures":[]})");
  EXPECT_EQ(answer_of(empty).body, R"({"batchItemFailures":[]})");

  const auto error = answer_of(not_sqs);
  EXPECT_EQ(error.kind, emulator::post_kind::error);
  EXPECT_EQ(error.error_type, "Function.MalformedEvent");
  EXPECT_EQ(error.body, R"({"errorMessage":"malformed SQS event: Records is not an array",)"
                        R"("errorType":"lambda::malformed_event","stackTrace":[]})");
  EXPECT_EQ(answer_of(after).body, R"({"batchItemFailures":[{"itemIdentifier":"z"}]})");
}

}  // namespace
}  // namespace lambda::test
