// The HTTP adapter: http_request read from every source's event (examples/events/http and
// events written here), http_response written in every source's shape, the handler adapters,
// and examples/http-api run end to end as a real bootstrap against the project's Runtime API
// server, for each source.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <lambda/base64.hpp>
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"

namespace lambda::test {
namespace {

using emulator::invocation_state;
using emulator::post_kind;
using emulator::runtime_api_server;
using sv = std::string_view;
using views = std::vector<std::string_view>;

// examples/events/http/<name>, found from the build folder up (builds may sit deeper).
std::string read_event(const std::string& name) {
  for (std::filesystem::path dir = LAMBDA_TEST_BUILD_DIR; !dir.empty(); dir = dir.parent_path()) {
    const auto file = dir / "examples" / "events" / "http" / name;
    if (std::filesystem::exists(file)) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      return text.str();
    }
    if (dir == dir.parent_path()) break;
  }
  ADD_FAILURE() << "no examples/events/http/" << name;
  return {};
}

std::string str(std::string_view json, std::string_view pointer) {
  return json::find_string(json, pointer).value_or("<absent>");
}
bool has(std::string_view json, std::string_view pointer) { return json::find(json, pointer).ok(); }
std::string raw(std::string_view json, std::string_view pointer) {
  return std::string(json::find(json, pointer).value_or("<absent>"));
}

std::string all_bytes() {
  std::string bytes(256, '\0');
  for (int i = 0; i < 256; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return bytes;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The message of the malformed_event that parsing `event` throws, or "<no throw>".
std::string malformed_reason(std::string_view event) {
  try {
    http_request::parse(event);
  } catch (const malformed_event& e) {
    return e.what();
  }
  return "<no throw>";
}

TEST(http_request, reads_an_api_gateway_rest_event_from_its_multi_value_maps) {
  const std::string event = read_event("apigw-v1.json");
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::apigw_v1);
  EXPECT_EQ(to_string(req.source()), "apigw_v1");
  EXPECT_EQ(req.method(), "POST");
  EXPECT_EQ(req.path(), "/hello");
  EXPECT_EQ(req.query("lang"), sv("fr"));
  EXPECT_EQ(req.query("q"), sv("caf\xC3\xA9 au lait"));
  EXPECT_EQ(req.query_all("tag"), (views{"a", "b"}));
  EXPECT_EQ(req.query("missing"), std::nullopt);
  EXPECT_EQ(req.raw_query(), "lang=fr&q=caf%C3%A9%20au%20lait&tag=a&tag=b");
  EXPECT_EQ(req.header_all("x-tag"), (views{"one", "two"})) << "multiValueHeaders win over headers";
  EXPECT_EQ(req.header("USER-AGENT"), sv("curl/8.5.0 \"quoted\""));
  EXPECT_EQ(req.header("user-agent"), req.header("User-Agent"));
  ASSERT_EQ(req.cookies().size(), 2u);
  EXPECT_EQ(req.cookie("session"), sv("abc123"));
  EXPECT_EQ(req.cookie("theme"), sv("dark"));
  EXPECT_EQ(req.body(), R"({"name":"Ada \"the first\" Lovelace"})");
  EXPECT_FALSE(req.body_was_base64());
  EXPECT_EQ(req.path_parameter("proxy"), sv("hello"));
  EXPECT_EQ(req.stage(), "prod");
  EXPECT_EQ(req.source_ip(), "198.51.100.7");
  EXPECT_EQ(req.request_id(), "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  EXPECT_EQ(req.domain_name(), "abcdef1234.execute-api.us-east-1.amazonaws.com");
  EXPECT_EQ(req.claim("email"), sv("ada@example.com"));
  EXPECT_EQ(req.claim("cognito:username"), sv("ada"));
  EXPECT_TRUE(req.authorizer_json().starts_with("{"));
}

TEST(http_request, reads_an_api_gateway_rest_event_with_single_value_maps_only) {
  const std::string event = R"({"httpMethod":"GET","path":"/a%20b","headers":{"Host":"x","Cookie":"a=1"},
    "multiValueHeaders":null,"queryStringParameters":{"k":"v w","e":""},"multiValueQueryStringParameters":null,
    "pathParameters":null,"requestContext":{"stage":"dev","requestId":"r1","identity":{"sourceIp":"192.0.2.1"},
    "authorizer":{"principalId":"user-7","tier":"gold","count":3}},"body":null,"isBase64Encoded":false})";
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::apigw_v1);
  EXPECT_EQ(req.path(), "/a%20b") << "the path as the source gives it";
  EXPECT_EQ(req.header("host"), sv("x"));
  EXPECT_EQ(req.query("k"), sv("v w"));
  EXPECT_EQ(req.query("e"), sv(""));
  EXPECT_EQ(req.raw_query(), "k=v%20w&e=");
  EXPECT_EQ(req.cookie("a"), sv("1"));
  EXPECT_TRUE(req.path_parameters().empty());
  EXPECT_EQ(req.body(), "");
  EXPECT_EQ(req.claim("principalId"), sv("user-7")) << "a Lambda authorizer's context";
  EXPECT_EQ(req.claim("count"), sv("3"));
}

TEST(http_request, reads_an_http_api_event_and_decodes_its_raw_query_and_base64_body) {
  const std::string event = read_event("apigw-v2.json");
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::apigw_v2);
  EXPECT_FALSE(req.multi_value());
  EXPECT_EQ(req.method(), "POST");
  EXPECT_EQ(req.path(), "/hello");
  EXPECT_EQ(req.raw_query(), "lang=fr&q=caf%C3%A9+au+lait&tag=a&tag=b&empty=&flag");
  EXPECT_EQ(req.query("q"), sv("caf\xC3\xA9 au lait")) << "%C3%A9 and '+' decoded";
  EXPECT_EQ(req.query_all("tag"), (views{"a", "b"}));
  EXPECT_EQ(req.query("empty"), sv(""));
  EXPECT_EQ(req.query("flag"), sv(""));
  EXPECT_EQ(req.header("X-Tag"), sv("one,two")) << "v2 joins repeated headers; they stay joined";
  EXPECT_EQ(req.header("Content-Length"), sv("23"));
  ASSERT_EQ(req.cookies().size(), 2u);
  EXPECT_EQ(req.cookies()[1].name, "theme");
  EXPECT_EQ(req.cookies()[1].value, "dark");
  EXPECT_TRUE(req.body_was_base64());
  EXPECT_EQ(req.body(), R"({"name":"Grace Hopper"})");
  EXPECT_EQ(req.stage(), "$default");
  EXPECT_EQ(req.path_parameter("id"), sv("42"));
  EXPECT_EQ(req.source_ip(), "198.51.100.7");
  EXPECT_EQ(req.request_id(), "JKJaXmPLvHcESHA=");
  EXPECT_EQ(req.claim("email"), sv("ada@example.com"));
  EXPECT_EQ(req.claim("email_verified"), sv("true")) << "a non-string claim as its JSON text";
}

TEST(http_request, tells_a_function_url_from_an_http_api_by_its_domain) {
  const std::string event = read_event("function-url.json");
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::function_url);
  EXPECT_EQ(to_string(req.source()), "function_url");
  EXPECT_EQ(req.method(), "GET");
  EXPECT_EQ(req.query("lang"), sv("\xC3\xA9t\xC3\xA9"));
  EXPECT_EQ(req.cookies().size(), 1u);
  EXPECT_EQ(req.body(), "") << "no body member";
  EXPECT_EQ(req.claim("userArn"), sv("arn:aws:iam::123456789012:user/ada")) << "the IAM caller";
  EXPECT_EQ(req.source_ip(), "203.0.113.9");
}

TEST(http_request, decodes_an_alb_query_that_arrives_percent_encoded) {
  const std::string event = read_event("alb.json");
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::alb);
  EXPECT_FALSE(req.multi_value());
  EXPECT_EQ(req.query("lang"), sv("caf\xC3\xA9"));
  EXPECT_EQ(req.query("q"), sv("a b&c"));
  EXPECT_EQ(req.raw_query(), "lang=caf%C3%A9&q=a+b%26c") << "as the client sent it";
  EXPECT_EQ(req.cookies().size(), 3u);
  EXPECT_EQ(req.source_ip(), "192.0.2.44") << "the first X-Forwarded-For entry";
  EXPECT_EQ(req.request_id(), "");
  EXPECT_EQ(req.stage(), "");
  EXPECT_EQ(req.body(), R"({"name":"Barbara"})");
}

TEST(http_request, remembers_an_alb_multi_value_request) {
  const std::string event = read_event("alb-multi-value.json");
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.source(), http_source::alb);
  EXPECT_TRUE(req.multi_value());
  EXPECT_EQ(req.query("lang"), sv("en GB"));
  EXPECT_EQ(req.query_all("tag"), (views{"a", "b/c"}));
  EXPECT_EQ(req.header_all("X-TAG"), (views{"one", "two"}));
  EXPECT_EQ(req.cookies().size(), 2u) << "one cookie on each of two Cookie lines";
  EXPECT_EQ(req.body(), "");
}

TEST(http_request, reads_events_with_every_optional_field_absent_or_null) {
  const auto v2 = http_request::parse(
      R"({"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"isBase64Encoded":false})");
  EXPECT_EQ(v2.source(), http_source::apigw_v2);
  EXPECT_EQ(v2.raw_query(), "");
  EXPECT_TRUE(v2.query_parameters().empty());
  EXPECT_TRUE(v2.headers().empty());
  EXPECT_TRUE(v2.cookies().empty());
  EXPECT_EQ(v2.body(), "");
  EXPECT_EQ(v2.header("host"), std::nullopt);
  const auto v1 = http_request::parse(R"({"httpMethod":"GET","path":"/","headers":null,"multiValueHeaders":null,
    "queryStringParameters":null,"multiValueQueryStringParameters":null,"body":null,"requestContext":{}})");
  EXPECT_TRUE(v1.query_parameters().empty());
  EXPECT_TRUE(v1.headers().empty());
  EXPECT_EQ(v1.body(), "");
  EXPECT_EQ(v1.source_ip(), "");
  EXPECT_TRUE(v1.claims().empty());
  const auto alb = http_request::parse(R"({"requestContext":{"elb":{}},"httpMethod":"GET","path":"/"})");
  EXPECT_EQ(alb.source(), http_source::alb);
  EXPECT_FALSE(alb.multi_value());
}

TEST(http_request, unescapes_every_field_a_user_reads) {
  const std::string event = R"({"httpMethod":"P\u004FST","path":"/caf\u00e9/\"x\"","headers":{"X-\u0041":"a\tb\\c",
    "Cookie":"n\u0061me=v\u00e9"},"queryStringParameters":{"k\u00e9y":"line\nbreak"},
    "pathParameters":{"i\u0064":"\/7"},"requestContext":{"stage":"st\u0061ge","requestId":"r\u002d1",
    "identity":{"sourceIp":"10.0.0.\u0031"},"authorizer":{"claims":{"n\u0061me":"\u00c9mile \ud83d\ude00"}}},
    "body":"{\"a\":\"\\u00e9\"}"})";
  const auto req = http_request::parse(event);
  EXPECT_EQ(req.method(), "POST");
  EXPECT_EQ(req.path(), "/caf\xC3\xA9/\"x\"");
  EXPECT_EQ(req.header("x-a"), sv("a\tb\\c"));
  EXPECT_EQ(req.cookie("name"), sv("v\xC3\xA9"));
  EXPECT_EQ(req.query("k\xC3\xA9y"), sv("line\nbreak"));
  EXPECT_EQ(req.path_parameter("id"), sv("/7"));
  EXPECT_EQ(req.stage(), "stage");
  EXPECT_EQ(req.request_id(), "r-1");
  EXPECT_EQ(req.source_ip(), "10.0.0.1");
  EXPECT_EQ(req.claim("name"), sv("\xC3\x89mile \xF0\x9F\x98\x80"));
  EXPECT_EQ(req.body(), R"({"a":"\u00e9"})");
}

TEST(http_request, keeps_its_views_valid_when_moved) {
  const std::string event = R"({"version":"2.0","rawPath":"/p\u0061th","requestContext":{"http":{"method":"GET"}},
    "rawQueryString":"a=%41","body":"aGk=","isBase64Encoded":true})";
  auto first = http_request::parse(event);
  const http_request moved = std::move(first);
  auto holder = std::make_unique<http_request>(http_request::parse(event));
  http_request again = std::move(*holder);
  holder.reset();
  for (const http_request* req : {&moved, static_cast<const http_request*>(&again)}) {
    EXPECT_EQ(req->path(), "/path");
    EXPECT_EQ(req->query("a"), sv("A"));
    EXPECT_EQ(req->body(), "hi") << "a short decoded body survives the move";
  }
}

TEST(http_request, leaves_invalid_percent_sequences_as_they_are) {
  const auto req = http_request::parse(
      R"({"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"rawQueryString":"a=100%&b=%zz&c=%4&&=x"})");
  EXPECT_EQ(req.query("a"), sv("100%"));
  EXPECT_EQ(req.query("b"), sv("%zz"));
  EXPECT_EQ(req.query("c"), sv("%4"));
  EXPECT_EQ(req.query(""), sv("x"));
}

TEST(http_request, throws_a_named_error_for_a_malformed_event) {
  EXPECT_EQ(malformed_reason("not json"), "the HTTP event is not JSON: invalid literal (true, false and null only) at byte 1");
  EXPECT_EQ(malformed_reason(R"({"httpMethod":"GET",)"), "the HTTP event is not JSON: unexpected end of input at byte 20");
  EXPECT_EQ(malformed_reason(""), "the HTTP event is not JSON: empty document at byte 0");
  EXPECT_EQ(malformed_reason("[1]"), "the HTTP event is not a JSON object");
  EXPECT_NE(malformed_reason(R"({"Records":[]})").find("not an HTTP event"), std::string::npos);
  EXPECT_EQ(malformed_reason(R"({"httpMethod":5,"path":"/"})"), "the HTTP event has no httpMethod string");
  EXPECT_EQ(malformed_reason(R"({"httpMethod":"GET"})"), "the HTTP event has no path string");
  EXPECT_EQ(malformed_reason(R"({"version":"2.0","rawPath":"/"})"),
            "the HTTP event has no requestContext.http.method string");
  EXPECT_EQ(malformed_reason(R"({"httpMethod":"GET","path":"/","body":"not base64!","isBase64Encoded":true})"),
            "the HTTP event's body is flagged isBase64Encoded but is not base64");
  EXPECT_EQ(malformed_reason(R"({"httpMethod":"GET","path":"/","body":"x"})"), "<no throw>");
}

http_response sample() {
  return http_response(201)
      .header("content-type", "application/json")
      .header("x-tag", "one")
      .header("X-Tag", "two")
      .cookie("a=1; Path=/")
      .header("Set-Cookie", "b=2")
      .body(R"({"ok":true})");
}

TEST(http_response, writes_the_rest_shape_with_headers_and_multi_value_headers) {
  const std::string out = sample().to_json(http_source::apigw_v1);
  ASSERT_TRUE(json::is_valid(out)) << out;
  EXPECT_EQ(raw(out, "/statusCode"), "201");
  EXPECT_EQ(str(out, "/headers/content-type"), "application/json");
  EXPECT_EQ(str(out, "/headers/x-tag"), "one, two");
  EXPECT_EQ(str(out, "/headers/Set-Cookie"), "a=1; Path=/");
  EXPECT_EQ(raw(out, "/multiValueHeaders/x-tag"), R"(["one","two"])");
  EXPECT_EQ(raw(out, "/multiValueHeaders/Set-Cookie"), R"(["a=1; Path=/","b=2"])");
  EXPECT_EQ(str(out, "/body"), R"({"ok":true})");
  EXPECT_EQ(raw(out, "/isBase64Encoded"), "false");
  EXPECT_FALSE(has(out, "/cookies"));
  EXPECT_FALSE(has(out, "/statusDescription"));
}

TEST(http_response, writes_the_http_api_and_function_url_shape_with_a_cookies_array) {
  for (http_source source : {http_source::apigw_v2, http_source::function_url}) {
    const std::string out = sample().to_json(source);
    ASSERT_TRUE(json::is_valid(out)) << out;
    EXPECT_EQ(raw(out, "/statusCode"), "201");
    EXPECT_EQ(str(out, "/headers/x-tag"), "one, two");
    EXPECT_EQ(raw(out, "/cookies"), R"(["a=1; Path=/","b=2"])");
    EXPECT_FALSE(has(out, "/headers/Set-Cookie"));
    EXPECT_FALSE(has(out, "/multiValueHeaders"));
    EXPECT_FALSE(has(out, "/statusDescription"));
    EXPECT_EQ(raw(out, "/isBase64Encoded"), "false");
  }
  EXPECT_EQ(raw(http_response(204).to_json(http_source::apigw_v2), "/cookies"), "[]");
}

TEST(http_response, writes_the_alb_shape_with_a_status_description) {
  const std::string single = sample().to_json(http_source::alb, false);
  ASSERT_TRUE(json::is_valid(single)) << single;
  EXPECT_EQ(str(single, "/statusDescription"), "201 Created");
  EXPECT_EQ(str(single, "/headers/x-tag"), "one, two");
  EXPECT_EQ(str(single, "/headers/Set-Cookie"), "a=1; Path=/") << "a single-value answer holds one cookie";
  EXPECT_FALSE(has(single, "/multiValueHeaders"));
  EXPECT_FALSE(has(single, "/cookies"));

  const std::string multi = sample().to_json(http_source::alb, true);
  ASSERT_TRUE(json::is_valid(multi)) << multi;
  EXPECT_EQ(raw(multi, "/multiValueHeaders/x-tag"), R"(["one","two"])");
  EXPECT_EQ(raw(multi, "/multiValueHeaders/Set-Cookie"), R"(["a=1; Path=/","b=2"])");
  EXPECT_FALSE(has(multi, "/headers"));

  EXPECT_EQ(str(http_response(404).to_json(http_source::alb), "/statusDescription"), "404 Not Found");
  EXPECT_EQ(str(http_response(299).to_json(http_source::alb), "/statusDescription"), "299");
}

TEST(http_response, answers_in_the_shape_of_the_request_it_answers) {
  const std::string multi_event = read_event("alb-multi-value.json");
  const std::string single_event = read_event("alb.json");
  const auto multi = http_request::parse(multi_event);
  const auto single = http_request::parse(single_event);
  EXPECT_TRUE(has(sample().to_json(multi), "/multiValueHeaders"));
  EXPECT_FALSE(has(sample().to_json(single), "/multiValueHeaders"));
}

TEST(http_response, sends_a_binary_body_as_base64) {
  const std::string out =
      http_response(200).header("content-type", "application/octet-stream").body(all_bytes()).to_json(http_source::apigw_v2);
  ASSERT_TRUE(json::is_valid(out));
  EXPECT_EQ(raw(out, "/isBase64Encoded"), "true");
  EXPECT_EQ(base64::decode(str(out, "/body")), all_bytes());
}

TEST(http_response, decides_text_or_binary_by_content_type_unless_told) {
  auto binary = [](std::string_view type) { return http_response().header("Content-Type", type).is_binary(); };
  for (sv text : {"text/plain", "text/html; charset=utf-8", "TEXT/CSV", "application/json", "application/json;charset=utf-8",
                  "application/javascript", "application/xml", "application/problem+json", "image/svg+xml"}) {
    EXPECT_FALSE(binary(text)) << text;
  }
  for (sv bytes : {"application/octet-stream", "image/png", "application/pdf", "application/jsonx", "font/woff2"}) {
    EXPECT_TRUE(binary(bytes)) << bytes;
  }
  EXPECT_FALSE(http_response().body("x").is_binary()) << "no content type: text";
  EXPECT_TRUE(http_response().header("content-type", "text/plain").encoding(http_body_encoding::binary).is_binary());
  EXPECT_FALSE(http_response().header("content-type", "image/png").encoding(http_body_encoding::text).is_binary());
}

TEST(http_response, refuses_header_names_and_values_that_would_split_the_head) {
  http_response r;
  EXPECT_THROW(r.header("x-a", "b\r\nSet-Cookie: evil"), std::invalid_argument);
  EXPECT_THROW(r.header("bad name", "v"), std::invalid_argument);
  EXPECT_THROW(r.header("", "v"), std::invalid_argument);
  EXPECT_THROW(r.cookie("a=1\n"), std::invalid_argument);
  EXPECT_TRUE(r.headers().empty());
  r.header("SET-COOKIE", "c=3");
  EXPECT_TRUE(r.headers().empty());
  EXPECT_EQ(r.cookies(), std::vector<std::string>{"c=3"});
}

TEST(http_response, gives_its_head_for_a_streamed_answer) {
  // Beside the http_response overload, a braced head still means an http_response_head.
  [[maybe_unused]] auto braced = [](response_stream& out) { begin_http_response(out, {404}); };
  const http_response_head head = sample().head();
  EXPECT_EQ(head.status_code, 201);
  ASSERT_EQ(head.headers.size(), 3u);
  EXPECT_EQ(head.headers[2], (std::pair<std::string, std::string>{"X-Tag", "two"}));
  EXPECT_EQ(head.cookies, (std::vector<std::string>{"a=1; Path=/", "b=2"}));
}

TEST(http_handler, parses_calls_and_answers_in_the_sources_shape) {
  auto state = std::make_unique<int>(0);  // move-only state the handler owns
  handler h = http_handler([state = std::move(state)](const http_request& req, const context& ctx) {
    ++*state;
    return http_response(200).header("content-type", "text/plain").body(std::string(req.method()) + " " +
                                                                         std::string(ctx.request_id) + " " +
                                                                         std::to_string(*state));
  });
  context ctx;
  ctx.request_id = "req-1";
  const std::string event = read_event("apigw-v2.json");
  const response answer = h(event, ctx);
  EXPECT_FALSE(answer.is_failure());
  EXPECT_EQ(answer.content_type(), "application/json");
  EXPECT_EQ(str(answer.payload(), "/body"), "POST req-1 1");
  EXPECT_TRUE(has(answer.payload(), "/cookies"));
  EXPECT_THROW(h("{}", ctx), malformed_event);
  EXPECT_THROW(h("<html>", ctx), malformed_event);

  handler request_only = http_handler([](const http_request& req) { return http_response(200).body(req.path()); });
  EXPECT_EQ(str(request_only(read_event("alb.json"), ctx).payload(), "/statusDescription"), "200 OK");
}

// examples/http-api end to end.

class http_api : public ::testing::Test {
 protected:
  // The answer's JSON; fails the test when the invocation did not succeed.
  std::string answer(const std::string& payload) {
    const auto id = server.enqueue({.payload = payload});
    const auto done = server.wait_finished(id, patience);
    if (!done || !done->answer) {
      ADD_FAILURE() << "no answer";
      return {};
    }
    EXPECT_EQ(done->state, invocation_state::answered);
    EXPECT_EQ(done->answer->kind, post_kind::response);
    EXPECT_TRUE(json::is_valid(done->answer->body)) << done->answer->body;
    return done->answer->body;
  }

  runtime_api_server server;
  emulator::child_process function = start_function(example("http-api"), server.address());
};

struct source_case {
  const char* file;
  const char* source;
  const char* method;
  const char* lang;  // the JSON text of the body's lang
  const char* name;  // the JSON text of the body's name
  int cookies;
};

class http_api_sources : public http_api, public ::testing::WithParamInterface<source_case> {};

// The cookie seen=1 where the source reads it.
void expect_seen_cookie(const std::string& out, std::string_view source) {
  if (source == "apigw_v2" || source == "function_url") {
    EXPECT_EQ(raw(out, "/cookies"), R"(["seen=1"])") << out;
    EXPECT_FALSE(has(out, "/headers/Set-Cookie"));
  } else if (has(out, "/multiValueHeaders")) {
    EXPECT_EQ(raw(out, "/multiValueHeaders/Set-Cookie"), R"(["seen=1"])") << out;
  } else {
    EXPECT_EQ(str(out, "/headers/Set-Cookie"), "seen=1") << out;
  }
}

std::string content_type(const std::string& out) {
  if (has(out, "/headers/content-type")) return str(out, "/headers/content-type");
  return str(out, "/multiValueHeaders/content-type/0");
}

TEST_P(http_api_sources, answers_hello_with_what_the_request_carried) {
  const source_case& c = GetParam();
  const std::string out = answer(read_event(c.file));
  EXPECT_EQ(raw(out, "/statusCode"), "200");
  EXPECT_EQ(content_type(out), "application/json");
  expect_seen_cookie(out, c.source);
  EXPECT_EQ(raw(out, "/isBase64Encoded"), "false");
  const std::string body = str(out, "/body");
  ASSERT_TRUE(json::is_valid(body)) << body;
  EXPECT_EQ(str(body, "/method"), c.method);
  EXPECT_EQ(str(body, "/path"), "/hello");
  EXPECT_EQ(raw(body, "/lang"), c.lang);
  EXPECT_EQ(raw(body, "/name"), c.name);
  EXPECT_EQ(raw(body, "/cookies"), std::to_string(c.cookies));
  EXPECT_EQ(str(body, "/source"), c.source);
  if (std::string_view(c.source) == "alb") {
    EXPECT_EQ(str(out, "/statusDescription"), "200 OK");
    EXPECT_EQ(has(out, "/multiValueHeaders"), std::string_view(c.file) == "alb-multi-value.json");
    EXPECT_NE(has(out, "/headers"), has(out, "/multiValueHeaders"));
  }
}

TEST_P(http_api_sources, answers_binary_with_the_256_bytes_in_base64) {
  const std::string out = answer(replace_all(read_event(GetParam().file), "\"/hello\"", "\"/binary\""));
  EXPECT_EQ(raw(out, "/statusCode"), "200");
  EXPECT_EQ(content_type(out), "application/octet-stream");
  EXPECT_EQ(raw(out, "/isBase64Encoded"), "true");
  EXPECT_EQ(base64::decode(str(out, "/body")), all_bytes());
}

TEST_P(http_api_sources, answers_any_other_path_with_a_json_404) {
  const std::string out = answer(replace_all(read_event(GetParam().file), "\"/hello\"", "\"/nowhere\""));
  EXPECT_EQ(raw(out, "/statusCode"), "404");
  EXPECT_EQ(content_type(out), "application/json");
  const std::string body = str(out, "/body");
  EXPECT_EQ(str(body, "/error"), "not found");
  EXPECT_EQ(str(body, "/path"), "/nowhere");
  if (std::string_view(GetParam().source) == "alb") {
    EXPECT_EQ(str(out, "/statusDescription"), "404 Not Found");
  }
}

INSTANTIATE_TEST_SUITE_P(
    sources, http_api_sources,
    ::testing::Values(
        source_case{"apigw-v1.json", "apigw_v1", "POST", R"("fr")", R"("Ada \"the first\" Lovelace")", 2},
        source_case{"apigw-v2.json", "apigw_v2", "POST", R"("fr")", R"("Grace Hopper")", 2},
        source_case{"alb.json", "alb", "POST", "\"caf\xC3\xA9\"", R"("Barbara")", 3},
        source_case{"alb-multi-value.json", "alb", "GET", R"("en GB")", "null", 2},
        source_case{"function-url.json", "function_url", "GET", "\"\xC3\xA9t\xC3\xA9\"", "null", 1}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST_F(http_api, fails_a_malformed_event_with_a_named_error_and_goes_on) {
  const auto bad = server.enqueue({.payload = R"({"Records":[]})"});
  const auto done = server.wait_finished(bad, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->kind, post_kind::error);
  EXPECT_EQ(done->answer->error_type, "Function.MalformedEvent");
  EXPECT_NE(str(done->answer->body, "/errorMessage").find("not an HTTP event"), std::string::npos);
  EXPECT_EQ(raw(answer(read_event("apigw-v2.json")), "/statusCode"), "200");
}

// A streamed HTTP answer: an http_streaming_handler run by lambda::run in a child process of
// this test, its head in the function URL prelude.
TEST(http_streaming_handler, streams_an_http_response_head_through_the_prelude) {
  runtime_api_server server;
  const auto id = server.enqueue({.payload = read_event("function-url.json")});
  const std::string address = server.address();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setenv("AWS_LAMBDA_RUNTIME_API", address.c_str(), 1);
    setenv("AWS_LAMBDA_FUNCTION_NAME", "http-stream", 1);
    _exit(lambda::run(http_streaming_handler([](const http_request& req, const context&, response_stream& out) {
      begin_http_response(out, http_response(203)
                                   .header("content-type", "text/plain")
                                   .header("x-part", "1")
                                   .header("X-Part", "2")
                                   .cookie("seen=1")
                                   .body("lang=" + std::string(req.query("lang").value_or("?")) + "\n"));
      out.write("more\n");
    })));
  }
  const auto done = server.wait_finished(id, patience);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(done && done->answer);
  EXPECT_TRUE(done->answer->streamed);
  EXPECT_EQ(done->answer->content_type, http_integration_content_type);
  const std::string prelude =
      R"({"statusCode":203,"headers":{"content-type":"text/plain","x-part":"1, 2"},"cookies":["seen=1"]})" +
      std::string(8, '\0');
  EXPECT_EQ(done->answer->body, prelude + "lang=\xC3\xA9t\xC3\xA9\nmore\n");
}

}  // namespace
}  // namespace lambda::test
