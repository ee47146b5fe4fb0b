// Reading an HTTP event of any source into one http_request: the document is validated once,
// then each object is walked once, its members picked by key.
#include <lambda/base64.hpp>
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include <algorithm>
#include <cstring>

#include "events/http_text.hpp"

namespace lambda {

namespace detail {

char* http_arena::allocate(std::size_t bytes) {
  if (bytes > left_) {
    const std::size_t size = std::max<std::size_t>(bytes, 1024);
    blocks_.emplace_back(new char[size]);
    free_ = blocks_.back().get();
    left_ = size;
  }
  char* at = free_;
  free_ += bytes;
  left_ -= bytes;
  return at;
}

std::string_view http_arena::store(std::string_view text) {
  if (text.empty()) return {};
  char* at = allocate(text.size());
  std::memcpy(at, text.data(), text.size());
  return {at, text.size()};
}

}  // namespace detail

std::string_view to_string(http_source source) noexcept {
  switch (source) {
    case http_source::apigw_v1: return "apigw_v1";
    case http_source::apigw_v2: return "apigw_v2";
    case http_source::alb: return "alb";
    case http_source::function_url: return "function_url";
  }
  return "unknown";
}

namespace {

using json::value;
using json::value_kind;

bool is(value v, value_kind kind) { return v && v.kind() == kind; }

std::optional<std::string_view> first(const std::vector<http_field>& fields, std::string_view name,
                                      bool ignore_case) {
  for (const http_field& f : fields) {
    if (ignore_case ? events::equals_ignoring_case(f.name, name) : f.name == name) return f.value;
  }
  return std::nullopt;
}

std::vector<std::string_view> all(const std::vector<http_field>& fields, std::string_view name, bool ignore_case) {
  std::vector<std::string_view> out;
  for (const http_field& f : fields) {
    if (ignore_case ? events::equals_ignoring_case(f.name, name) : f.name == name) out.push_back(f.value);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "name=value" (a cookie), split at the first '='; a pair without one is all name.
http_field split_pair(std::string_view pair) {
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos) return {pair, {}};
  return {pair.substr(0, eq), pair.substr(eq + 1)};
}

}  // namespace

// Fills an http_request from one event. The members it found at the top level and in
// requestContext are kept as values, then read in the way the source asks for.
class http_request_reader {
 public:
  explicit http_request_reader(http_request& out) : out_(out) {}

  void read(std::string_view event) {
    const json::document doc(event);
    if (!doc) {
      throw malformed_event(std::string("the HTTP event is not JSON: ") + doc.error().reason() + " at byte " +
                            std::to_string(doc.error().offset));
    }
    if (!is(doc.root(), value_kind::object)) throw malformed_event("the HTTP event is not a JSON object");
    pick_top_level(doc.root());
    pick_request_context();
    out_.source_ = source();
    read_method_and_path();
    read_headers();
    read_query();
    read_cookies();
    read_body();
    read_context();
  }

 private:
  void pick_top_level(value root) {
    for (const json::member& m : root.members()) {
      const std::string_view k = m.raw_key;
      if (k == "version") version_ = m.value;
      else if (k == "httpMethod") http_method_ = m.value;
      else if (k == "path") path_ = m.value;
      else if (k == "rawPath") raw_path_ = m.value;
      else if (k == "rawQueryString") raw_query_ = m.value;
      else if (k == "headers") headers_ = m.value;
      else if (k == "multiValueHeaders") multi_headers_ = m.value;
      else if (k == "queryStringParameters") query_ = m.value;
      else if (k == "multiValueQueryStringParameters") multi_query_ = m.value;
      else if (k == "cookies") cookies_ = m.value;
      else if (k == "pathParameters") path_parameters_ = m.value;
      else if (k == "requestContext") context_ = m.value;
      else if (k == "body") body_ = m.value;
      else if (k == "isBase64Encoded") base64_ = m.value;
    }
  }

  void pick_request_context() {
    for (const json::member& m : context_.members()) {
      const std::string_view k = m.raw_key;
      if (k == "http") http_ = m.value;
      else if (k == "elb") elb_ = m.value;
      else if (k == "identity") identity_ = m.value;
      else if (k == "authorizer") authorizer_ = m.value;
      else if (k == "requestId") request_id_ = m.value;
      else if (k == "stage") stage_ = m.value;
      else if (k == "domainName") domain_name_ = m.value;
    }
  }

  http_source source() const {
    if (is(elb_, value_kind::object)) return http_source::alb;
    if (is(http_, value_kind::object) || version_.json() == "\"2.0\"") {
      const std::string_view domain = domain_name_.json();
      return domain.find(".lambda-url.") != std::string_view::npos ? http_source::function_url
                                                                   : http_source::apigw_v2;
    }
    if (http_method_) return http_source::apigw_v1;
    throw malformed_event(
        "not an HTTP event: no httpMethod (API Gateway REST, ALB) or requestContext.http (HTTP API, function URL)");
  }

  bool is_v2() const { return out_.source_ == http_source::apigw_v2 || out_.source_ == http_source::function_url; }

  // A string's text, unescaped: a view of the event when it holds no escape, else of the arena.
  std::string_view text_of(std::string_view quoted) {
    const std::string_view inner = quoted.substr(1, quoted.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return inner;
    char* at = out_.arena_.allocate(inner.size());
    return {at, json::unescape(inner, at)};
  }
  std::optional<std::string_view> string_of(value v) {
    if (!is(v, value_kind::string)) return std::nullopt;
    return text_of(v.json());
  }
  std::string_view key_of(const json::member& m) {
    if (m.raw_key.find('\\') == std::string_view::npos) return m.raw_key;
    char* at = out_.arena_.allocate(m.raw_key.size());
    return {at, json::unescape(m.raw_key, at)};
  }
  // A string value as it is; any other value as its JSON text.
  std::string_view string_or_json(value v) { return is(v, value_kind::string) ? text_of(v.json()) : v.json(); }

  std::string_view required(value v, const char* what) {
    auto s = string_of(v);
    if (!s) throw malformed_event(std::string("the HTTP event has no ") + what + " string");
    return *s;
  }

  std::string_view percent_decoded(std::string_view s) {
    if (!events::needs_percent_decoding(s, true)) return s;
    char* at = out_.arena_.allocate(s.size());
    return {at, events::percent_decode(s, true, at)};
  }

  void read_method_and_path() {
    if (is_v2()) {
      out_.method_ = required(http_["method"], "requestContext.http.method");
      out_.path_ = raw_path_ ? required(raw_path_, "rawPath") : required(http_["path"], "rawPath");
      return;
    }
    out_.method_ = required(http_method_, "httpMethod");
    out_.path_ = required(path_, "path");
  }

  // Each member of `object` whose value is a string, or (`multi`) each string of its array.
  template <class Add>
  void each_field(value object, bool multi, Add add) {
    for (const json::member& m : object.members()) {
      const std::string_view name = key_of(m);
      if (!multi) {
        if (auto s = string_of(m.value)) add(name, *s);
        continue;
      }
      for (value element : m.value.elements()) {
        if (auto s = string_of(element)) add(name, *s);
      }
    }
  }

  void read_headers() {
    const bool multi = !is_v2() && is(multi_headers_, value_kind::object);
    if (out_.source_ == http_source::alb) out_.multi_value_ = multi || is(multi_query_, value_kind::object);
    each_field(multi ? multi_headers_ : headers_, multi,
               [&](std::string_view name, std::string_view v) { out_.headers_.push_back({name, v}); });
  }

  void read_query() {
    if (is_v2()) {
      read_raw_query(string_of(raw_query_).value_or(std::string_view()));
      return;
    }
    const bool multi = is(multi_query_, value_kind::object);
    const value fields = multi ? multi_query_ : query_;
    std::string raw;
    if (out_.source_ == http_source::alb) {
      // ALB passes the query as the client sent it, still percent-encoded.
      each_field(fields, multi, [&](std::string_view name, std::string_view v) {
        append_raw_pair(raw, name, v);
        out_.query_.push_back({percent_decoded(name), percent_decoded(v)});
      });
    } else {
      each_field(fields, multi, [&](std::string_view name, std::string_view v) {
        if (!raw.empty()) raw.push_back('&');
        events::append_percent_encoded(raw, name);
        raw.push_back('=');
        events::append_percent_encoded(raw, v);
        out_.query_.push_back({name, v});
      });
    }
    out_.raw_query_ = out_.arena_.store(raw);
  }

  static void append_raw_pair(std::string& raw, std::string_view name, std::string_view v) {
    if (!raw.empty()) raw.push_back('&');
    raw.append(name).append("=").append(v);
  }

  void read_raw_query(std::string_view raw) {
    out_.raw_query_ = raw;
    while (!raw.empty()) {
      const auto amp = raw.find('&');
      const std::string_view pair = raw.substr(0, amp);
      raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
      if (pair.empty()) continue;
      const http_field f = split_pair(pair);
      out_.query_.push_back({percent_decoded(f.name), percent_decoded(f.value)});
    }
  }

  void read_cookies() {
    if (is_v2()) {
      for (value element : cookies_.elements()) {
        if (auto s = string_of(element)) out_.cookies_.push_back(split_pair(trim(*s)));
      }
      return;
    }
    for (const http_field& h : out_.headers_) {
      if (!events::equals_ignoring_case(h.name, "cookie")) continue;
      std::string_view line = h.value;
      while (!line.empty()) {
        const auto semicolon = line.find(';');
        const std::string_view pair = trim(line.substr(0, semicolon));
        line = semicolon == std::string_view::npos ? std::string_view() : line.substr(semicolon + 1);
        if (!pair.empty()) out_.cookies_.push_back(split_pair(pair));
      }
    }
  }

  void read_body() {
    const auto body = string_of(body_);
    if (!body) return;
    if (base64_.json() != "true") {
      out_.body_ = *body;
      return;
    }
    if (!base64::append_decoded(out_.decoded_body_, *body)) {
      throw malformed_event("the HTTP event's body is flagged isBase64Encoded but is not base64");
    }
    out_.body_was_base64_ = true;
  }

  void read_context() {
    each_field(path_parameters_, false,
               [&](std::string_view name, std::string_view v) { out_.path_parameters_.push_back({name, v}); });
    out_.stage_ = string_of(stage_).value_or(std::string_view());
    out_.request_id_ = string_of(request_id_).value_or(std::string_view());
    out_.domain_name_ = string_of(domain_name_).value_or(std::string_view());
    if (out_.source_ == http_source::alb) {
      const std::string_view forwarded = first(out_.headers_, "x-forwarded-for", true).value_or(std::string_view());
      out_.source_ip_ = trim(forwarded.substr(0, forwarded.find(',')));
    } else {
      const value ip = is_v2() ? http_["sourceIp"] : identity_["sourceIp"];
      out_.source_ip_ = string_of(ip).value_or(std::string_view());
    }
    read_claims();
  }

  void read_claims() {
    if (!is(authorizer_, value_kind::object)) return;
    out_.authorizer_json_ = authorizer_.json();
    value claims;
    if (is_v2()) {
      claims = authorizer_["jwt"]["claims"];
      if (!claims) claims = authorizer_["lambda"];
      if (!claims) claims = authorizer_["iam"];
    } else {
      claims = authorizer_["claims"];
      if (!claims) claims = authorizer_;  // a Lambda authorizer's context sits in the authorizer itself
    }
    for (const json::member& m : claims.members()) out_.claims_.push_back({key_of(m), string_or_json(m.value)});
  }

  http_request& out_;
  value version_, http_method_, path_, raw_path_, raw_query_, headers_, multi_headers_, query_, multi_query_,
      cookies_, path_parameters_, context_, body_, base64_;
  value http_, elb_, identity_, authorizer_, request_id_, stage_, domain_name_;
};

http_request http_request::parse(std::string_view event) {
  http_request request;
  http_request_reader(request).read(event);
  return request;
}

std::optional<std::string_view> http_request::query(std::string_view name) const noexcept {
  return first(query_, name, false);
}
std::vector<std::string_view> http_request::query_all(std::string_view name) const { return all(query_, name, false); }

std::optional<std::string_view> http_request::header(std::string_view name) const noexcept {
  return first(headers_, name, true);
}
std::vector<std::string_view> http_request::header_all(std::string_view name) const {
  return all(headers_, name, true);
}

std::optional<std::string_view> http_request::cookie(std::string_view name) const noexcept {
  return first(cookies_, name, false);
}

std::optional<std::string_view> http_request::path_parameter(std::string_view name) const noexcept {
  return first(path_parameters_, name, false);
}

std::optional<std::string_view> http_request::claim(std::string_view name) const noexcept {
  return first(claims_, name, false);
}

}  // namespace lambda
