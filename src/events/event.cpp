// What every event view shares: the validated document, the scratch for decoded fields, and the
// errors that name the field at fault.
#include <lambda/events.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "events/fields.hpp"

namespace lambda::events::detail {
namespace {

constexpr std::size_t largest_block = std::size_t{1} << 20;

[[noreturn]] void throw_malformed(const event_core& event, std::string_view what) {
  std::string message = "malformed ";
  message += event.source;
  message += " event: ";
  message += what;
  throw malformed_event(message);
}

std::string where(const record_ref& r, const std::string& field) {
  if (r.index == whole_event) return field;
  return "Records[" + std::to_string(r.index) + "]" + (field.empty() ? "" : ".") + field;
}

}  // namespace

char* scratch::reserve(std::size_t size) {
  if (size <= left_) return next_;
  // Blocks double up to a ceiling, so a big batch makes few of them; a field larger than the
  // ceiling gets a block of its own size.
  const std::size_t block = std::max(size, next_block_);
  next_block_ = std::min(next_block_ * 2, largest_block);
  blocks_.push_back(std::make_unique_for_overwrite<char[]>(block));  // written before it is read
  next_ = blocks_.back().get();
  left_ = block;
  return next_;
}

std::string_view scratch::keep(std::size_t used) noexcept {
  const std::string_view kept(next_, used);
  next_ += used;
  left_ -= used;
  return kept;
}

std::string_view scratch::keep(std::string bytes) {
  strings_.push_back(std::move(bytes));
  return strings_.back();
}

event_core::event_core(std::string_view bytes, const char* source_name)
    : document(bytes), source(source_name) {
  if (!document) {
    const json::parse_error& e = document.error();
    throw_malformed(*this, std::string("not JSON (") + e.reason() + " at byte " + std::to_string(e.offset) + ")");
  }
  if (document.root().kind() != json::value_kind::object) throw_malformed(*this, "not a JSON object");
}

json::value records_of(const event_core& event) {
  const json::value records = event.document["Records"];
  if (!records) throw_malformed(event, "Records is missing");
  if (records.kind() != json::value_kind::array) throw_malformed(event, "Records is not an array");
  return records;
}

void not_an_object(const event_core& event, std::size_t index) {
  throw_malformed(event, "Records[" + std::to_string(index) + "] is not an object");
}

std::string_view string_range::iterator::operator*() const {
  if (at_->kind() != json::value_kind::string) {
    const record_ref whole{{}, whole_event, event_};
    const std::string element = std::string(path_) + "[" + std::to_string(index_) + "]";
    fail(whole, element.c_str(), "is not a string");
  }
  return text_of(*event_, *at_);
}

std::string path::text() const {
  std::string joined(parts[0]);
  for (std::string_view part : {parts[1], parts[2]}) {
    if (part.empty()) continue;
    joined += '.';
    joined += part;
  }
  return joined;
}

void fail(const record_ref& r, const path& at, std::string_view problem) {
  throw_malformed(*r.event, where(r, at.text()) + " " + std::string(problem));
}

std::string_view text_of(const event_core& event, json::value string) {
  const std::string_view quoted = string.json();
  const std::string_view text = quoted.substr(1, quoted.size() - 2);
  if (std::memchr(text.data(), '\\', text.size()) == nullptr) return text;
  char* out = event.scratch.reserve(text.size());  // unescaping never lengthens
  return event.scratch.keep(json::unescape(text, out));
}

std::string_view required_string(const record_ref& r, json::value v, const path& at) {
  if (!v) fail(r, at, "is missing");
  if (v.kind() != json::value_kind::string) fail(r, at, "is not a string");
  return text_of(*r.event, v);
}

std::optional<std::string_view> optional_string(const record_ref& r, json::value v, const path& at) {
  if (!v || v.is_null()) return std::nullopt;
  if (v.kind() != json::value_kind::string) fail(r, at, "is not a string");
  return text_of(*r.event, v);
}

std::optional<std::int64_t> optional_int(const record_ref& r, json::value v, const path& at) {
  if (!v || v.is_null()) return std::nullopt;
  const json::result<std::int64_t> n = v.get_int();
  if (!n) fail(r, at, "is not an integer");
  return *n;
}

double required_double(const record_ref& r, json::value v, const path& at) {
  if (!v) fail(r, at, "is missing");
  const json::result<double> n = v.get_double();
  if (!n) fail(r, at, "is not a number");
  return *n;
}

json::value optional_object(const record_ref& r, json::value v, const path& at) {
  if (!v || v.is_null()) return {};
  if (v.kind() != json::value_kind::object) fail(r, at, "is not an object");
  return v;
}

std::int64_t int_in_string(const record_ref& r, json::value v, const path& at) {
  const json::result<std::int64_t> n = json::to_int64(required_string(r, v, at));
  if (!n) fail(r, at, "is not an integer in a string");
  return *n;
}

}  // namespace lambda::events::detail
