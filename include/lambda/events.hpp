// Views of the events Lambda's non-HTTP sources send (SQS, SNS, S3 notifications, EventBridge,
// DynamoDB Streams, Kinesis), and the partial batch response SQS, Kinesis and DynamoDB Streams
// accept. The event is validated once; each field is found when it is asked for.
//
//   #include <lambda/events.hpp>
//   #include <lambda/runtime.hpp>
//
//   // An SQS handler: the messages whose body is not JSON are retried, the others are done.
//   std::string handle(std::string_view event, const lambda::context&) {
//     lambda::events::sqs_event batch(event);  // throws malformed_event unless it is one
//     lambda::events::batch_response failures;
//     for (const lambda::events::sqs_message& m : batch.records()) {
//       if (!lambda::json::is_valid(m.body())) failures.add_failure(m);
//     }
//     return failures.json();  // {"batchItemFailures":[{"itemIdentifier":"..."}]}
//   }
//
// Lifetimes: an event object copies nothing of the event. Every std::string_view, json::value,
// record and range it gives views either the event's bytes or the event object's own scratch
// (where a field had to be unescaped, URL-decoded or base64-decoded), so it is valid while BOTH
// the bytes and the event object live; reading more fields never invalidates earlier ones (each
// read of a field that needs decoding adds a copy to the scratch, freed with the event object).
// An event object can be neither copied nor moved (its views point into it), and records() of a
// temporary does not compile; reading one event object from two threads at once is a data race
// on its scratch.
//
// Errors: a payload that is not JSON, or not the shape AWS documents for that source, throws
// malformed_event, naming the field, e.g. "malformed SQS event: Records[3].body is not a string".
// A handler that lets it escape fails its invocation as Function.MalformedEvent. Constructors
// check the envelope (a JSON object; with a Records array, but for EventBridge); a record that is
// not an object throws as the loop reaches it, and a field missing or of another type throws when
// it is read (shape is checked lazily, so a batch costs only the fields read).
// Optional fields answer std::nullopt (or an absent json::value) when absent or null.
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <lambda/json.hpp>

namespace lambda {

// The event is not JSON, or not the shape of the source it was read as (events.hpp, http.hpp):
// what() names the source and the field. The runtime reports it as the invocation's failure, of
// type Function.MalformedEvent.
class malformed_event : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lambda

namespace lambda::events {

using lambda::malformed_event;

namespace detail {

// Bytes at stable addresses, for the fields that had to be decoded: a bump allocator over
// blocks kept until the scratch is destroyed.
class scratch {
 public:
  scratch() noexcept = default;
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;

  // Room for `size` bytes; then keep(used) with used <= size keeps the first `used`.
  char* reserve(std::size_t size);
  std::string_view keep(std::size_t used) noexcept;
  // Keeps a string made elsewhere (e.g. base64-decoded) without copying it again.
  std::string_view keep(std::string bytes);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::deque<std::string> strings_;  // a deque never moves its elements, so their bytes stay put
  char* next_ = nullptr;
  std::size_t left_ = 0;
  std::size_t next_block_ = 4096;
};

// What an event object owns: the validated document, the scratch, and the source's name for
// error messages.
struct event_core {
  event_core(std::string_view bytes, const char* source);  // throws unless a JSON object
  event_core(const event_core&) = delete;
  event_core& operator=(const event_core&) = delete;

  json::document document;
  const char* source;
  mutable detail::scratch scratch;
};

inline constexpr std::size_t whole_event = static_cast<std::size_t>(-1);

// One record (or the whole event, with index whole_event): its JSON, where it is, whose it is.
struct record_ref {
  json::value json;
  std::size_t index = 0;
  const event_core* event = nullptr;
};

// The Records array of an event, checked to be one.
json::value records_of(const event_core& event);
[[noreturn]] void not_an_object(const event_core& event, std::size_t index);

// The records of an event in order, each made as the loop reaches it: a record that is not a
// JSON object throws malformed_event then. Records are small views, handed out by value.
template <class Record>
class record_range {
 public:
  class iterator {
   public:
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using reference = Record;
    using pointer = void;
    using iterator_category = std::input_iterator_tag;

    iterator() noexcept = default;
    Record operator*() const {
      if (at_->kind() != json::value_kind::object) not_an_object(*event_, index_);
      return Record(record_ref{*at_, index_, event_});
    }
    iterator& operator++() noexcept {
      ++at_;
      ++index_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    friend class record_range;
    iterator(json::element_range::iterator at, const event_core* event) noexcept : at_(at), event_(event) {}
    json::element_range::iterator at_;
    std::size_t index_ = 0;
    const event_core* event_ = nullptr;
  };

  explicit record_range(const event_core& event) : event_(&event), records_(records_of(event)) {}
  iterator begin() const noexcept { return {records_.elements().begin(), event_}; }
  iterator end() const noexcept { return {records_.elements().end(), event_}; }
  bool empty() const noexcept { return records_.elements().empty(); }
  std::size_t size() const noexcept { return records_.size(); }  // linear: it counts them

 private:
  const event_core* event_;
  json::value records_;
};

// A JSON array of strings (EventBridge resources), each unescaped as the loop reaches it.
class string_range {
 public:
  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using reference = std::string_view;
    using pointer = void;
    using iterator_category = std::input_iterator_tag;

    iterator() noexcept = default;
    std::string_view operator*() const;  // throws malformed_event for an element not a string
    iterator& operator++() noexcept {
      ++at_;
      ++index_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    friend class string_range;
    iterator(json::element_range::iterator at, const event_core* event, const char* path) noexcept
        : at_(at), event_(event), path_(path) {}
    json::element_range::iterator at_;
    std::size_t index_ = 0;
    const event_core* event_ = nullptr;
    const char* path_ = "";
  };

  string_range(json::value array, const event_core& event, const char* path) noexcept
      : array_(array), event_(&event), path_(path) {}
  iterator begin() const noexcept { return {array_.elements().begin(), event_, path_}; }
  iterator end() const noexcept { return {array_.elements().end(), event_, path_}; }
  bool empty() const noexcept { return array_.elements().empty(); }

 private:
  json::value array_;
  const event_core* event_;
  const char* path_;
};

}  // namespace detail

// ---- SQS -------------------------------------------------------------------------------------

// One message of an SQS batch (Records[i]).
class sqs_message {
 public:
  std::string_view message_id() const;
  std::string_view receipt_handle() const;
  std::string_view body() const;
  std::string_view md5_of_body() const;
  std::string_view event_source_arn() const;  // the queue's ARN
  std::string_view aws_region() const;

  // attributes: a system attribute by name ("ApproximateReceiveCount", "SentTimestamp",
  // "SenderId", "MessageGroupId", "AWSTraceHeader", ...), or nullopt.
  std::optional<std::string_view> attribute(std::string_view name) const;
  std::int64_t approximate_receive_count() const;  // from its string, e.g. "1"
  std::int64_t sent_timestamp() const;             // Unix epoch milliseconds
  std::optional<std::string_view> message_group_id() const;  // FIFO queues only

  // messageAttributes: the stringValue of the user attribute `name` (String and Number types),
  // or nullopt when there is no such attribute or it has no stringValue (Binary types).
  std::optional<std::string_view> message_attribute(std::string_view name) const;

  lambda::json::value json() const noexcept { return ref_.json; }  // the whole record, for the rest
  std::size_t index() const noexcept { return ref_.index; }

 private:
  friend class events::detail::record_range<sqs_message>;
  explicit sqs_message(const events::detail::record_ref& ref) noexcept : ref_(ref) {}
  events::detail::record_ref ref_;
};

class sqs_event {
 public:
  explicit sqs_event(std::string_view event) : core_(event, "SQS"), records_(core_) {}
  const events::detail::record_range<sqs_message>& records() const& noexcept { return records_; }
  void records() const&& = delete;  // the records would outlive the event
  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_range<sqs_message> records_;
};

// ---- SNS -------------------------------------------------------------------------------------

// One notification (Records[i]; its fields are those of Records[i].Sns).
class sns_message {
 public:
  std::string_view message_id() const;
  std::string_view message() const;
  std::optional<std::string_view> subject() const;  // absent or null when the publisher set none
  std::string_view topic_arn() const;
  std::string_view timestamp() const;  // ISO 8601, e.g. "2019-01-02T12:45:07.000Z"
  std::string_view type() const;       // "Notification"
  std::string_view event_subscription_arn() const;
  // MessageAttributes: the Value of attribute `name`, or nullopt.
  std::optional<std::string_view> message_attribute(std::string_view name) const;

  lambda::json::value json() const noexcept { return ref_.json; }
  std::size_t index() const noexcept { return ref_.index; }

 private:
  friend class events::detail::record_range<sns_message>;
  explicit sns_message(const events::detail::record_ref& ref) noexcept : ref_(ref) {}
  events::detail::record_ref ref_;
};

class sns_event {
 public:
  explicit sns_event(std::string_view event) : core_(event, "SNS"), records_(core_) {}
  const events::detail::record_range<sns_message>& records() const& noexcept { return records_; }
  void records() const&& = delete;  // the records would outlive the event
  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_range<sns_message> records_;
};

// ---- S3 --------------------------------------------------------------------------------------

// One S3 event notification (Records[i]).
class s3_record {
 public:
  std::string_view event_name() const;  // e.g. "ObjectCreated:Put", "ObjectRemoved:Delete"
  std::string_view event_time() const;  // ISO 8601
  std::string_view aws_region() const;
  std::string_view bucket_name() const;
  std::string_view bucket_arn() const;
  // The object's key, decoded: S3 sends it form-URL-encoded ('+' for a space, %XX for a byte),
  // so "my+photo%2Bdraft.jpg" reads "my photo+draft.jpg". Throws malformed_event for a bad %XX.
  std::string_view object_key() const;
  std::optional<std::int64_t> object_size() const;  // bytes; absent for deletions
  std::optional<std::string_view> object_etag() const;
  std::optional<std::string_view> object_version_id() const;  // versioned buckets only
  std::string_view object_sequencer() const;

  lambda::json::value json() const noexcept { return ref_.json; }
  std::size_t index() const noexcept { return ref_.index; }

 private:
  friend class events::detail::record_range<s3_record>;
  explicit s3_record(const events::detail::record_ref& ref) noexcept : ref_(ref) {}
  events::detail::record_ref ref_;
};

class s3_event {
 public:
  explicit s3_event(std::string_view event) : core_(event, "S3"), records_(core_) {}
  const events::detail::record_range<s3_record>& records() const& noexcept { return records_; }
  void records() const&& = delete;  // the records would outlive the event
  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_range<s3_record> records_;
};

// ---- EventBridge -----------------------------------------------------------------------------

// One EventBridge (CloudWatch Events) event: a single object, not a batch.
class eventbridge_event {
 public:
  explicit eventbridge_event(std::string_view event);

  std::string_view id() const;
  std::string_view source() const;       // e.g. "aws.ec2" or your own "com.example.orders"
  std::string_view detail_type() const;  // "detail-type"
  std::string_view account() const;
  std::string_view time() const;         // ISO 8601
  std::string_view region() const;
  std::string_view version() const;
  events::detail::string_range resources() const&;  // ARNs; empty when there are none
  void resources() const&& = delete;                 // they would outlive the event
  // The event's own payload, as JSON to read further (usually an object): absent when missing.
  lambda::json::value detail() const noexcept { return core_.document["detail"]; }

  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_ref self_;
};

// ---- DynamoDB Streams ------------------------------------------------------------------------

// One change of a DynamoDB stream (Records[i]). Keys and images are attribute-value maps as
// DynamoDB writes them, e.g. {"Id":{"N":"101"},"Name":{"S":"Ada"}}: read them as JSON,
// r.new_image()["Name"]["S"].get_string(scratch).
class dynamodb_record {
 public:
  std::string_view event_id() const;
  std::string_view event_name() const;  // "INSERT", "MODIFY" or "REMOVE"
  std::string_view event_source_arn() const;  // the stream's ARN
  std::string_view aws_region() const;
  std::string_view sequence_number() const;   // dynamodb.SequenceNumber: the batch item id
  std::string_view stream_view_type() const;  // e.g. "NEW_AND_OLD_IMAGES"
  double approximate_creation_date_time() const;  // Unix epoch seconds
  std::optional<std::int64_t> size_bytes() const;
  lambda::json::value keys() const;       // dynamodb.Keys
  lambda::json::value new_image() const;  // absent for REMOVE, or when the stream view has no new image
  lambda::json::value old_image() const;  // absent for INSERT, or when the stream view has no old image

  lambda::json::value json() const noexcept { return ref_.json; }
  std::size_t index() const noexcept { return ref_.index; }

 private:
  friend class events::detail::record_range<dynamodb_record>;
  explicit dynamodb_record(const events::detail::record_ref& ref) noexcept : ref_(ref) {}
  events::detail::record_ref ref_;
};

class dynamodb_event {
 public:
  explicit dynamodb_event(std::string_view event) : core_(event, "DynamoDB Streams"), records_(core_) {}
  const events::detail::record_range<dynamodb_record>& records() const& noexcept { return records_; }
  void records() const&& = delete;  // the records would outlive the event
  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_range<dynamodb_record> records_;
};

// ---- Kinesis ---------------------------------------------------------------------------------

// One record of a Kinesis data stream (Records[i]; the kinesis.* fields are its own).
class kinesis_record {
 public:
  std::string_view partition_key() const;
  std::string_view sequence_number() const;  // the batch item id
  // The record's bytes, base64-decoded (a copy in the event's scratch). Throws malformed_event
  // when the text is not strict base64.
  std::string_view data() const;
  double approximate_arrival_timestamp() const;  // Unix epoch seconds, with milliseconds
  std::string_view event_id() const;  // "shardId-...:sequenceNumber"
  std::string_view event_name() const;  // "aws:kinesis:record"
  std::string_view event_source_arn() const;  // the stream's ARN
  std::string_view aws_region() const;

  lambda::json::value json() const noexcept { return ref_.json; }
  std::size_t index() const noexcept { return ref_.index; }

 private:
  friend class events::detail::record_range<kinesis_record>;
  explicit kinesis_record(const events::detail::record_ref& ref) noexcept : ref_(ref) {}
  events::detail::record_ref ref_;
};

class kinesis_event {
 public:
  explicit kinesis_event(std::string_view event) : core_(event, "Kinesis"), records_(core_) {}
  const events::detail::record_range<kinesis_record>& records() const& noexcept { return records_; }
  void records() const&& = delete;  // the records would outlive the event
  lambda::json::value json() const noexcept { return core_.document.root(); }

 private:
  events::detail::event_core core_;
  events::detail::record_range<kinesis_record> records_;
};

// ---- Partial batch response ------------------------------------------------------------------

// The answer that tells SQS, Kinesis or DynamoDB Streams which records failed, so that only
// those are retried (the event source mapping must have ReportBatchItemFailures on):
// {"batchItemFailures":[{"itemIdentifier":"..."}]}, in the order they were added, and an empty
// list when every record succeeded. For SQS the item is the message id; for Kinesis and
// DynamoDB the sequence number (the stream resumes from the lowest one reported). It owns
// copies of the ids, so it may outlive the event.
class batch_response {
 public:
  void add_failure(std::string_view item_identifier) { failures_.emplace_back(item_identifier); }
  void add_failure(const sqs_message& m) { add_failure(m.message_id()); }
  void add_failure(const kinesis_record& r) { add_failure(r.sequence_number()); }
  void add_failure(const dynamodb_record& r) { add_failure(r.sequence_number()); }

  bool empty() const noexcept { return failures_.empty(); }
  const std::vector<std::string>& failures() const noexcept { return failures_; }

  std::string json() const;
  std::string str() const { return json(); }

 private:
  std::vector<std::string> failures_;
};

}  // namespace lambda::events
