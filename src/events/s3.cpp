// S3 event notifications: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
#include <lambda/events.hpp>

#include <cstring>

#include "events/fields.hpp"

namespace lambda::events {
namespace {

std::string_view s3_string(const detail::record_ref& r, const char* parent, const char* name) {
  return detail::required_string(r, r.json["s3"][parent][name], {"s3", parent, name});
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form-URL decoding in place ('+' is a space, %XX a byte): returns the decoded size, or -1
// for a '%' without two hex digits. Never lengthens.
std::ptrdiff_t form_decode(char* text, std::size_t size) noexcept {
  std::size_t out = 0;
  for (std::size_t i = 0; i < size; ++i, ++out) {
    if (text[i] == '+') {
      text[out] = ' ';
    } else if (text[i] != '%') {
      text[out] = text[i];
    } else {
      if (size - i < 3) return -1;
      const int hi = hex_digit(text[i + 1]);
      const int lo = hex_digit(text[i + 2]);
      if (hi < 0 || lo < 0) return -1;
      text[out] = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return static_cast<std::ptrdiff_t>(out);
}

}  // namespace

std::string_view s3_record::event_name() const { return detail::required_string(ref_, ref_.json["eventName"], "eventName"); }
std::string_view s3_record::event_time() const { return detail::required_string(ref_, ref_.json["eventTime"], "eventTime"); }
std::string_view s3_record::aws_region() const { return detail::required_string(ref_, ref_.json["awsRegion"], "awsRegion"); }
std::string_view s3_record::bucket_name() const { return s3_string(ref_, "bucket", "name"); }
std::string_view s3_record::bucket_arn() const { return s3_string(ref_, "bucket", "arn"); }
std::string_view s3_record::object_sequencer() const { return s3_string(ref_, "object", "sequencer"); }

std::string_view s3_record::object_key() const {
  const std::string_view key = s3_string(ref_, "object", "key");
  if (key.find_first_of("+%") == std::string_view::npos) return key;
  // The unescaped key may already be in the scratch; decoding a second copy keeps it simple.
  detail::scratch& scratch = ref_.event->scratch;
  char* out = scratch.reserve(key.size());
  std::memcpy(out, key.data(), key.size());
  const std::ptrdiff_t size = form_decode(out, key.size());
  if (size < 0) detail::fail(ref_, {"s3", "object", "key"}, "is not URL-encoded (a '%' without two hex digits)");
  return scratch.keep(static_cast<std::size_t>(size));
}

std::optional<std::int64_t> s3_record::object_size() const {
  return detail::optional_int(ref_, ref_.json["s3"]["object"]["size"], {"s3", "object", "size"});
}
std::optional<std::string_view> s3_record::object_etag() const {
  return detail::optional_string(ref_, ref_.json["s3"]["object"]["eTag"], {"s3", "object", "eTag"});
}
std::optional<std::string_view> s3_record::object_version_id() const {
  return detail::optional_string(ref_, ref_.json["s3"]["object"]["versionId"], {"s3", "object", "versionId"});
}

}  // namespace lambda::events
