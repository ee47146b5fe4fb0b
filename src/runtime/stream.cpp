#include "runtime/stream.hpp"

#include <algorithm>
#include <stdexcept>

#include <lambda/http_stream.hpp>
#include <lambda/json.hpp>

#include "http/chars.hpp"

namespace lambda {

void response_stream::set_content_type(std::string_view type) { stream_->set_content_type(type); }

void response_stream::write(std::string_view bytes) { stream_->write(std::span(&bytes, 1)); }

void response_stream::write(std::initializer_list<std::string_view> pieces) {
  stream_->write(std::span(pieces.begin(), pieces.size()));
}

void response_stream::flush() { stream_->write({}); }

bool response_stream::started() const noexcept { return stream_->started(); }

std::uint64_t response_stream::bytes_written() const noexcept { return stream_->bytes_written(); }

namespace detail {

constexpr std::string_view default_content_type = "application/octet-stream";

void answer_stream::set_content_type(std::string_view type) {
  if (started_) {
    throw std::logic_error("response_stream::set_content_type after the answer started: set the content type "
                           "before the first write or flush");
  }
  if (!http::chars::all_field_bytes(type))
    throw std::invalid_argument("response_stream::set_content_type: the type holds control characters (CR, LF, ...)");
  content_type_.assign(type);
}

void answer_stream::start() {
  started_ = true;
  auto begun = api_.stream_begin(content_type_.empty() ? default_content_type : std::string_view(content_type_));
  if (begun.status != api_status::ok) broken_ = std::move(begun.reason);
}

void answer_stream::write(std::span<const std::string_view> pieces) {
  if (!started_) start();
  if (broken_.empty()) {
    auto sent = api_.stream_write(pieces);
    if (sent.status != api_status::ok) broken_ = std::move(sent.reason);
  }
  if (!broken_.empty()) throw stream_error("the answer's stream is broken: " + broken_);
  for (std::string_view piece : pieces) bytes_ += piece.size();
}

api_result answer_stream::end(const error_description* error) {
  if (!started_) start();
  return api_.stream_end(error);
}

}  // namespace detail
}  // namespace lambda

namespace lambda {
namespace {

bool same_header_name(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// The prelude's headers are a JSON object: a name given twice (in any case) is one member, its
// values joined with ", " as HTTP allows.
void write_prelude_headers(json::writer& w, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string joined;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const std::string& name = headers[i].first;  // not a structured binding: lambdas capture it
    const std::string& value = headers[i].second;
    auto earlier = [&](const auto& h) { return same_header_name(h.first, name); };
    if (std::any_of(headers.begin(), headers.begin() + static_cast<std::ptrdiff_t>(i), earlier)) continue;
    joined = value;
    for (std::size_t j = i + 1; j < headers.size(); ++j) {
      if (same_header_name(headers[j].first, name)) joined.append(", ").append(headers[j].second);
    }
    w.key(name).value(joined);
  }
}

}  // namespace

void begin_http_response(response_stream& out, const http_response_head& head) {
  out.set_content_type(http_integration_content_type);
  std::string prelude;
  json::writer w(prelude);
  w.begin_object();
  w.key("statusCode").value(head.status_code);
  w.key("headers").begin_object();
  write_prelude_headers(w, head.headers);
  w.end_object();
  w.key("cookies").begin_array();
  for (const std::string& cookie : head.cookies) w.value(cookie);
  w.end_array();
  w.end_object();
  // Eight NUL bytes end the prelude; the platform reads the body from there.
  out.write({prelude, std::string_view("\0\0\0\0\0\0\0\0", 8)});
}

}  // namespace lambda
