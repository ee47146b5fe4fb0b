// The --http front door's translation, without sockets: requests into API Gateway HTTP API
// (payload format 2.0) events, and the function's answers into HTTP answers.
#include <gtest/gtest.h>

#include <lambda/base64.hpp>
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include <string>
#include <vector>

#include "../tools/emulator/http_gateway.hpp"

namespace lambda::emulator {
namespace {

struct request_parts {
  std::string method = "GET";
  std::string target = "/";
  std::vector<http::header> headers;
  std::string body;
};

std::string event_of(const request_parts& parts) {
  received_request request;
  request.method = parts.method;
  request.target = parts.target;
  request.headers = parts.headers;
  request.body = parts.body;
  request.body_bytes = parts.body.size();
  gateway_context context;
  context.request_id = "0a1b2c3d-0000-4000-8000-000000000001";
  context.epoch_ms = 1710078052123;
  context.port = 9000;
  context.trace_id = "Root=1-65f1e2d3-0123456789abcdef01234567";
  return http_api_event(request, context);
}

std::string text(const std::string& json, const std::string& pointer) {
  return json::find_string(json, pointer).value_or("<" + pointer + " missing>");
}

json::status state_of(const std::string& json, const std::string& pointer) { return json::find(json, pointer).state; }

TEST(HttpApiEvent, CarriesThePathTheQueryTheHeadersAndTheContext) {
  std::string event = event_of({"GET",
                                "/hello?lang=fr&tag=a&tag=b&q=caf%C3%A9+au+lait&flag&empty=",
                                {{"Host", "127.0.0.1:9000"},
                                 {"User-Agent", "curl/8.5.0"},
                                 {"X-Tag", "one"},
                                 {"x-tag", "two"},
                                 {"Accept", "*/*"}},
                                ""});
  ASSERT_TRUE(json::is_valid(event)) << event;
  EXPECT_EQ(text(event, "/version"), "2.0");
  EXPECT_EQ(text(event, "/routeKey"), "$default");
  EXPECT_EQ(text(event, "/rawPath"), "/hello");
  EXPECT_EQ(text(event, "/rawQueryString"), "lang=fr&tag=a&tag=b&q=caf%C3%A9+au+lait&flag&empty=");
  EXPECT_EQ(text(event, "/headers/host"), "127.0.0.1:9000");
  EXPECT_EQ(text(event, "/headers/x-tag"), "one,two");
  EXPECT_EQ(text(event, "/headers/accept"), "*/*");
  EXPECT_EQ(text(event, "/headers/x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(text(event, "/headers/x-forwarded-port"), "9000");
  EXPECT_EQ(text(event, "/headers/x-forwarded-proto"), "http");
  EXPECT_EQ(text(event, "/headers/x-amzn-trace-id"), "Root=1-65f1e2d3-0123456789abcdef01234567");
  EXPECT_EQ(text(event, "/queryStringParameters/lang"), "fr");
  EXPECT_EQ(text(event, "/queryStringParameters/tag"), "a,b");
  EXPECT_EQ(text(event, "/queryStringParameters/q"), "café au lait");
  EXPECT_EQ(text(event, "/queryStringParameters/empty"), "");
  EXPECT_EQ(state_of(event, "/queryStringParameters/flag"), json::status::missing);
  EXPECT_EQ(state_of(event, "/cookies"), json::status::missing);
  EXPECT_EQ(state_of(event, "/pathParameters"), json::status::missing);
  EXPECT_EQ(state_of(event, "/body"), json::status::missing);
  EXPECT_EQ(json::find_bool(event, "/isBase64Encoded").value_or(true), false);

  EXPECT_EQ(text(event, "/requestContext/accountId"), "123456789012");
  EXPECT_EQ(text(event, "/requestContext/domainName"), "127.0.0.1");
  EXPECT_EQ(text(event, "/requestContext/domainPrefix"), "127");
  EXPECT_EQ(text(event, "/requestContext/http/method"), "GET");
  EXPECT_EQ(text(event, "/requestContext/http/path"), "/hello");
  EXPECT_EQ(text(event, "/requestContext/http/protocol"), "HTTP/1.1");
  EXPECT_EQ(text(event, "/requestContext/http/sourceIp"), "127.0.0.1");
  EXPECT_EQ(text(event, "/requestContext/http/userAgent"), "curl/8.5.0");
  EXPECT_EQ(text(event, "/requestContext/requestId"), "0a1b2c3d-0000-4000-8000-000000000001");
  EXPECT_EQ(text(event, "/requestContext/routeKey"), "$default");
  EXPECT_EQ(text(event, "/requestContext/stage"), "$default");
  EXPECT_EQ(text(event, "/requestContext/time"), "10/Mar/2024:13:40:52 +0000");
  EXPECT_EQ(json::find_int(event, "/requestContext/timeEpoch").value_or(0), 1710078052123);
}

TEST(HttpApiEvent, TurnsCookieHeadersIntoCookiesAndKeepsThemOutOfHeaders) {
  std::string event = event_of({"GET", "/", {{"Cookie", "a=1; b=2"}, {"cookie", " c=3 ;"}}, ""});
  EXPECT_EQ(json::find(event, "/cookies").value_or(""), R"(["a=1","b=2","c=3"])");
  EXPECT_EQ(state_of(event, "/headers/cookie"), json::status::missing);
  EXPECT_EQ(state_of(event, "/queryStringParameters"), json::status::missing);
  EXPECT_EQ(text(event, "/requestContext/domainName"), "localhost") << "no Host header";
}

TEST(HttpApiEvent, PassesATextBodyAsItIs) {
  for (std::string type : {"application/json", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                           "application/problem+json", "APPLICATION/XML"}) {
    std::string event = event_of({"POST", "/", {{"Content-Type", type}}, "{\"name\":\"Grace \\\"é\\\"\"}"});
    EXPECT_EQ(text(event, "/body"), "{\"name\":\"Grace \\\"é\\\"\"}") << type;
    EXPECT_EQ(json::find_bool(event, "/isBase64Encoded").value_or(true), false) << type;
  }
}

TEST(HttpApiEvent, Base64EncodesABinaryBody) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  struct input {
    std::string type, body;
  };
  for (const input& in : {input{"application/octet-stream", bytes}, input{"text/plain", "caf\xe9"},
                          input{"", "plain words"}, input{"image/png", "\x89PNG"}}) {
    std::string event = event_of({"PUT", "/upload", {{"Content-Type", in.type}}, in.body});
    EXPECT_EQ(base64::decode(text(event, "/body")).value_or("<not base64>"), in.body) << in.type;
    EXPECT_EQ(json::find_bool(event, "/isBase64Encoded").value_or(false), true) << in.type;
  }
}

TEST(HttpApiEvent, ReadsBackThroughTheLibrarysHttpRequest) {
  std::string event = event_of({"POST",
                                "/hello?lang=fr",
                                {{"Host", "127.0.0.1:9000"}, {"Cookie", "a=1; b=2"}, {"Content-Type", "application/octet-stream"}},
                                std::string("\0\xff", 2)});
  http_request request = http_request::parse(event);
  EXPECT_EQ(request.source(), http_source::apigw_v2);
  EXPECT_EQ(request.method(), "POST");
  EXPECT_EQ(request.path(), "/hello");
  EXPECT_EQ(request.query("lang").value_or(""), "fr");
  EXPECT_EQ(request.cookies().size(), 2u);
  EXPECT_EQ(request.body(), std::string("\0\xff", 2));
}

invocation answered(std::string body, post_kind kind = post_kind::response) {
  invocation done;
  done.request_id = "0a1b2c3d-0000-4000-8000-000000000002";
  done.state = invocation_state::answered;
  post p;
  p.kind = kind;
  p.status = 202;
  p.body = std::move(body);
  p.content_type = "application/json";
  done.answer = std::move(p);
  return done;
}

const std::string internal_error = R"({"message":"Internal Server Error"})";

TEST(HttpApiAnswer, TakesStatusHeadersCookiesAndBodyFromAStatusCode) {
  http_answer a = http_api_answer(answered(
      R"({"statusCode":201,"headers":{"content-type":"text/plain","x-n":"1","x-skip":2,"x-bad":"a\r\nb"},)"
      R"("cookies":["a=b; Path=/","c=d"],"body":"hi \"there\"","isBase64Encoded":false})"));
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(a.header_lines, "content-type: text/plain\r\nx-n: 1\r\nSet-Cookie: a=b; Path=/\r\nSet-Cookie: c=d\r\n");
  EXPECT_EQ(a.body, "hi \"there\"");
  EXPECT_TRUE(a.problem.empty());
}

TEST(HttpApiAnswer, DecodesABase64Body) {
  http_answer a = http_api_answer(answered(R"({"statusCode":200,"body":"AAH/","isBase64Encoded":true})"));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, std::string("\0\x01\xff", 3));
  http_answer empty = http_api_answer(answered(R"({"statusCode":204})"));
  EXPECT_EQ(empty.status, 204);
  EXPECT_EQ(empty.body, "");
}

TEST(HttpApiAnswer, GivesAnyOtherJsonAs200ApplicationJson) {
  for (std::string body : {R"({"ok":true})", R"("text")", "[1,2]", "42", "null", R"({"status":404})"}) {
    http_answer a = http_api_answer(answered(body));
    EXPECT_EQ(a.status, 200) << body;
    EXPECT_EQ(a.header_lines, "Content-Type: application/json\r\n") << body;
    EXPECT_EQ(a.body, body);
  }
}

TEST(HttpApiAnswer, PassesOnAStreamWhoseHeadWasNeverSentAsItIs) {
  invocation done = answered(R"({"statusCode":404})");
  done.answer->streamed = true;
  done.answer->content_type = "text/plain";
  http_answer a = http_api_answer(done);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header_lines, "Content-Type: text/plain\r\n");
  EXPECT_EQ(a.body, R"({"statusCode":404})");
}

TEST(HttpApiAnswer, AnswersAFunctionErrorOrATimeoutWith500) {
  http_answer error = http_api_answer(answered(R"({"errorMessage":"boom","errorType":"Boom"})", post_kind::error));
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.body, internal_error);
  EXPECT_EQ(error.header_lines, "Content-Type: application/json\r\n");

  invocation late;
  late.state = invocation_state::timed_out;
  late.failure_type = "Sandbox.Timedout";
  EXPECT_EQ(http_api_answer(late).status, 500);
  EXPECT_EQ(http_api_answer(late).body, internal_error);
}

TEST(HttpApiAnswer, AnswersAMalformedAnswerWith500AndSaysWhy) {
  struct input {
    std::string body, problem;
  };
  for (const input& in : {input{"hello", "not JSON"}, input{R"({"statusCode":"200"})", "statusCode"},
                          input{R"({"statusCode":99})", "statusCode"}, input{R"({"statusCode":200,"body":{}})", "body"},
                          input{R"({"statusCode":200,"body":"a b","isBase64Encoded":true})", "base64"}}) {
    http_answer a = http_api_answer(answered(in.body));
    EXPECT_EQ(a.status, 500) << in.body;
    EXPECT_EQ(a.body, internal_error) << in.body;
    EXPECT_NE(a.problem.find(in.problem), std::string::npos) << in.body << ": " << a.problem;
  }
}

}  // namespace
}  // namespace lambda::emulator
