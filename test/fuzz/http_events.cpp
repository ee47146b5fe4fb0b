// Fuzz target: the HTTP adapter (include/lambda/http.hpp): http_request::parse of any source
// (API Gateway v1 and v2, ALB single- and multi-value, function URL), and http_response's
// serialisation in every source's shape, directly and through http_handler's answer.
//
// Input: one event. A hash of it picks the answer's status and body encoding.
//
// Oracles: parse either returns or throws malformed_event, never anything else; it returns only
// for a JSON object; every view the request hands out is readable (ASan checks the bytes are
// alive), also after the request is moved; a lookup by name finds the first field of that name
// (any case for headers); an answer built from the request's own fields (headers and cookies the
// builder refuses with std::invalid_argument, as documented, are left out) serialises to valid
// JSON in every shape, whose statusCode is the status and whose body decodes back to the bytes
// given (base64 exactly; text with each ill-formed UTF-8 sequence as U+FFFD); http_handler
// answers with the request's own shape.
//
//   make fuzz FUZZ_TARGETS=http_events FUZZ_SECONDS=60
#include <lambda/base64.hpp>
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

using namespace lambda;

// ASCII case-insensitive equality, written here rather than taken from the adapter it checks.
bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Reads every byte of a view, so that ASan sees a view into freed or foreign memory.
std::size_t touch(std::string_view v) {
  std::size_t sum = 0;
  for (char c : v) sum += static_cast<unsigned char>(c);
  return sum;
}

// The fields' bytes, and that looking each name up finds the first field of that name.
template <class Lookup>
std::size_t check_fields(const std::vector<http_field>& fields, Lookup lookup, bool any_case, std::string_view what) {
  std::size_t sum = 0;
  for (const http_field& f : fields) {
    sum += touch(f.name) + touch(f.value);
    const std::optional<std::string_view> found = lookup(f.name);
    fuzz::check(found.has_value(), std::string(what) + ": a field is not found by its name");
    for (const http_field& first : fields) {
      if (any_case ? same_ignoring_case(first.name, f.name) : first.name == f.name) {
        fuzz::check(*found == first.value, std::string(what) + ": a lookup does not find the first field of its name");
        break;
      }
    }
  }
  return sum;
}

std::size_t check_request(const http_request& r) {
  std::size_t sum = touch(r.method()) + touch(r.path()) + touch(r.raw_query()) + touch(r.body()) + touch(r.stage()) +
                    touch(r.source_ip()) + touch(r.request_id()) + touch(r.domain_name()) + touch(r.authorizer_json()) +
                    touch(to_string(r.source()));
  fuzz::check(!r.method().empty(), "a request without a method");
  fuzz::check(r.authorizer_json().empty() || json::is_valid(r.authorizer_json()), "authorizer_json is not JSON");
  sum += check_fields(r.query_parameters(), [&](std::string_view n) { return r.query(n); }, false, "query");
  sum += check_fields(r.headers(), [&](std::string_view n) { return r.header(n); }, true, "header");
  sum += check_fields(r.cookies(), [&](std::string_view n) { return r.cookie(n); }, false, "cookie");
  sum += check_fields(r.path_parameters(), [&](std::string_view n) { return r.path_parameter(n); }, false, "path parameter");
  sum += check_fields(r.claims(), [&](std::string_view n) { return r.claim(n); }, false, "claim");
  for (const http_field& f : r.query_parameters()) {
    fuzz::check(!r.query_all(f.name).empty(), "query_all misses a parameter");
  }
  for (const http_field& f : r.headers()) {
    fuzz::check(!r.header_all(f.name).empty(), "header_all misses a header");
  }
  fuzz::check(!r.multi_value() || r.source() == http_source::alb, "multi-value outside ALB");
  return sum;
}

// An answer made of the request's own fields: whatever bytes they hold.
http_response answer_from(const http_request& r, int status, http_body_encoding encoding) {
  http_response out(status);
  for (const http_field& f : r.headers()) {
    try {
      out.header(f.name, f.value);
    } catch (const std::invalid_argument&) {
    }
  }
  for (const http_field& c : r.cookies()) {
    try {
      out.cookie(std::string(c.name) + "=" + std::string(c.value));
    } catch (const std::invalid_argument&) {
    }
  }
  return std::move(out.body(r.body()).encoding(encoding));
}

void check_serialised(const http_response& answer, std::string_view json_text) {
  fuzz::check(json::is_valid(json_text), "a serialised response is not valid JSON");
  fuzz::check(json::find_int(json_text, "/statusCode").value_or(-1) == answer.status(), "statusCode is not the status");
  const auto base64 = json::find_bool(json_text, "/isBase64Encoded");
  fuzz::check(base64.ok() && *base64 == answer.is_binary(), "isBase64Encoded does not say the encoding");
  const auto body = json::find_string(json_text, "/body");
  fuzz::check(body.ok(), "a response without its body");
  if (*base64) {
    const auto decoded = base64::decode(*body);
    fuzz::check(decoded && *decoded == answer.body(), "a base64 body does not decode to the bytes given");
  } else {
    fuzz::check(*body == fuzz::replace_invalid_utf8(answer.body()), "a text body is not the bytes given");
  }
}

void check_answers(const http_request& r, std::uint64_t pick) {
  const int statuses[] = {200, 204, 302, 404, 418, 500, 599, 0, -1, 1000000};
  const http_body_encoding encodings[] = {http_body_encoding::automatic, http_body_encoding::text,
                                          http_body_encoding::binary};
  const http_response answer = answer_from(r, statuses[pick % 10], encodings[(pick >> 8) % 3]);
  for (http_source source : {http_source::apigw_v1, http_source::apigw_v2, http_source::alb, http_source::function_url}) {
    for (bool multi : {false, true}) check_serialised(answer, answer.to_json(source, multi));
  }
  const std::string own = answer.to_json(r);
  check_serialised(answer, own);
  fuzz::check(own == answer.to_json(r.source(), r.multi_value()), "to_json(request) is not the request's shape");
  const http_response_head head = answer.head();
  fuzz::check(head.status_code == answer.status() && head.headers == answer.headers() && head.cookies == answer.cookies(),
              "the head is not the answer's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::exact_copy bytes({reinterpret_cast<const char*>(data), size});
  const std::string_view input = bytes.view();
  fuzz::splitter split(input);
  const std::uint64_t pick = split.next();
  std::optional<http_request> request;
  try {
    request.emplace(http_request::parse(input));
  } catch (const events::malformed_event&) {
    return 0;
  }
  fuzz::check(json::document(input).root().kind() == json::value_kind::object, "a request from an event that is not a JSON object");
  const std::size_t sum = check_request(*request);
  const http_request moved = std::move(*request);
  request.reset();
  fuzz::check(check_request(moved) == sum, "a view changed when the request was moved");
  check_answers(moved, pick);

  // http_handler's answer: the same parse, the answer in the request's own shape.
  const auto echo = [&](const http_request& r, const context&) { return answer_from(r, 200, http_body_encoding::automatic); };
  auto f = echo;
  const response answered = detail::answer_http(f, input, context{});
  fuzz::check(!answered.is_failure(), "http_handler failed a request that parses");
  fuzz::check(answered.payload() == echo(moved, context{}).to_json(moved), "http_handler's answer is not in the request's shape");
  return 0;
}
