// lambda::run end to end: real bootstraps against the project's Runtime API server on 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <algorithm>
#include <string>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"
#include "support/http_test_server.hpp"

namespace lambda::test {
namespace {

using emulator::child_process;
using emulator::event;
using emulator::invocation_state;
using emulator::post_kind;
using emulator::runtime_api_server;

// The answer an invocation got; fails the test if it got none in time.
emulator::post answer_of(const runtime_api_server& server, const std::string& id) {
  auto done = server.wait_finished(id, patience);
  if (!done || !done->answer) {
    ADD_FAILURE() << "no answer for " << id;
    return {};
  }
  EXPECT_EQ(done->state, invocation_state::answered);
  return *done->answer;
}

std::string field(std::string_view json, std::string_view pointer) {
  return lambda::json::find_string(json, pointer).value_or("<absent>");
}

class runtime : public ::testing::Test {
 protected:
  runtime_api_server server;
};

TEST_F(runtime, answers_every_event_once_with_its_exact_bytes_on_one_connection) {
  std::vector<std::string> payloads = {"{}", "[1,2,3]", "\"text\"", std::string("{\"nul\":\"\\u0000\"}"),
                                       std::string(100000, 'x'), ""};
  for (int i = 0; i < 50; ++i) payloads.push_back("{\"i\":" + std::to_string(i) + "}");
  std::vector<std::string> ids;
  for (const auto& p : payloads) ids.push_back(server.enqueue({.payload = p, .content_type = "application/x-test"}));
  auto function = start_function(example("echo"), server.address());

  for (size_t i = 0; i < ids.size(); ++i) {
    auto answer = answer_of(server, ids[i]);
    EXPECT_EQ(answer.kind, post_kind::response);
    EXPECT_EQ(answer.status, 202);
    EXPECT_EQ(answer.body, payloads[i]);
    EXPECT_EQ(answer.content_type, "application/x-test");
  }
  ASSERT_TRUE(server.wait_parked(1, patience));
  auto stats = server.stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.posts, ids.size());
  for (const auto& p : server.posts()) {
    EXPECT_EQ(p.user_agent.rfind("lambda-ric-cpp/", 0), 0u) << p.user_agent;
  }
}

struct wire_case {
  const char* name;
  emulator::wire_faults faults;
};

class runtime_on_the_wire : public runtime, public ::testing::WithParamInterface<wire_case> {};

TEST_P(runtime_on_the_wire, answers_every_event) {
  server.set_wire_faults(GetParam().faults);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(server.enqueue({.payload = "{\"n\":" + std::to_string(i) + "}"}));
  auto function = start_function(example("echo"), server.address());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(answer_of(server, ids[i]).body, "{\"n\":" + std::to_string(i) + "}");
}

INSTANTIATE_TEST_SUITE_P(
    faults, runtime_on_the_wire,
    ::testing::Values(wire_case{"chunked", {.chunked = true}}, wire_case{"dribbled", {.dribble = true}},
                      wire_case{"close_after_each_answer", {.close_after = true}},
                      wire_case{"http10", {.http10 = true}},
                      wire_case{"chunked_dribbled_closing", {.chunked = true, .dribble = true, .close_after = true}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(runtime, a_poll_cut_before_its_answer_loses_nothing) {
  auto id = server.enqueue({.payload = "{\"cut\":1}", .drop_polls = 2});
  auto function = start_function(example("echo"), server.address());
  EXPECT_EQ(answer_of(server, id).body, "{\"cut\":1}");
  EXPECT_GE(server.stats().connections_accepted, 3u);
}

TEST_F(runtime, an_event_without_content_type_is_answered) {
  auto id = server.enqueue({.payload = "{\"plain\":true}", .content_type = std::nullopt});
  auto function = start_function(example("echo"), server.address());
  auto answer = answer_of(server, id);
  EXPECT_EQ(answer.body, "{\"plain\":true}");
  EXPECT_EQ(answer.content_type, "application/json");
}

TEST_F(runtime, a_6_mb_payload_round_trips) {
  std::string big = "\"" + std::string(6 * 1024 * 1024 - 2, 'a') + "\"";
  auto id = server.enqueue({.payload = big});
  auto function = start_function(example("echo"), server.address());
  auto answer = answer_of(server, id);
  EXPECT_EQ(answer.body.size(), big.size());
  EXPECT_TRUE(answer.body == big);
}

// At N = 8 a RIC keeps 2 MiB of receive buffer: the 6 MB event's buffer is released by the
// answer's POST, which echo's borrowed response makes from those very bytes.
TEST_F(runtime, a_6_mb_payload_round_trips_when_its_buffer_is_not_kept) {
  std::string big = "\"" + std::string(6 * 1024 * 1024 - 2, 'a') + "\"";
  for (std::size_t i = 1; i + 1 < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  auto id = server.enqueue({.payload = big});
  auto after = server.enqueue({.payload = R"({"after":1})"});
  auto function = start_function(example("echo"), server.address(), {"AWS_LAMBDA_MAX_CONCURRENCY=8"});
  auto answer = answer_of(server, id);
  EXPECT_EQ(answer.body.size(), big.size());
  EXPECT_TRUE(answer.body == big);
  EXPECT_EQ(answer_of(server, after).body, R"({"after":1})");
}

TEST_F(runtime, an_event_over_the_body_limit_is_failed_not_lost) {
  auto oversized = server.enqueue({.payload = "\"" + std::string(17 << 20, 'x') + "\""});
  auto next = server.enqueue({.payload = R"({"after":1})"});
  auto function = start_function(example("echo"), server.address());
  auto error = answer_of(server, oversized);
  EXPECT_EQ(error.kind, post_kind::error);
  EXPECT_EQ(error.error_type, "Runtime.EventTooLarge");
  EXPECT_NE(field(error.body, "/errorMessage").find("over the limit"), std::string::npos) << error.body;
  EXPECT_EQ(answer_of(server, next).body, R"({"after":1})");
}

TEST_F(runtime, a_chunked_event_over_the_body_limit_is_failed_not_lost) {
  auto oversized = server.enqueue({.payload = "\"" + std::string(17 << 20, 'x') + "\"", .wire = {.chunked = true}});
  auto next = server.enqueue({.payload = R"({"after":1})"});
  auto function = start_function(example("echo"), server.address());
  auto error = answer_of(server, oversized);
  EXPECT_EQ(error.kind, post_kind::error);
  EXPECT_EQ(error.error_type, "Runtime.EventTooLarge");
  EXPECT_EQ(answer_of(server, next).body, R"({"after":1})");
}

// /next answered with a whole head and a broken body: the request id is known, so the
// invocation is failed with a Runtime.* type that says why, never dropped.
struct broken_event_case {
  const char* name;
  const char* answer;  // /next's answer for request id "broken-1"; the connection closes after it
  const char* error_type;
};

class broken_event : public ::testing::TestWithParam<broken_event_case> {};

TEST_P(broken_event, is_failed_not_dropped) {
  std::vector<http_test_request> seen;
  http_test_server api({[](http_test_peer& peer) {
                          http_test_request req;
                          if (peer.read_request(req)) peer.write(GetParam().answer);
                        },
                        answer_each({"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"}, &seen)});
  auto function = start_function(example("echo"), api.address());
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "broken-1", patience)) << function.stdout_text();
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << function.stdout_text();
  ASSERT_TRUE(api.wait_until_done());
  ASSERT_GE(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/2018-06-01/runtime/invocation/broken-1/error");
  EXPECT_EQ(seen[0].header("Lambda-Runtime-Function-Error-Type"), GetParam().error_type);
  EXPECT_EQ(field(seen[0].body, "/errorType"), GetParam().error_type);
}

INSTANTIATE_TEST_SUITE_P(
    bodies, broken_event,
    ::testing::Values(
        broken_event_case{"cut_mid_body",
                          "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: broken-1\r\nContent-Length: 100\r\n\r\n{\"a\"",
                          "Runtime.IncompleteEvent"},
        broken_event_case{"malformed_chunk",
                          "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: broken-1\r\n"
                          "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                          "Runtime.MalformedEvent"},
        broken_event_case{"chunked_cut_mid_chunk",
                          "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: broken-1\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"a\"",
                          "Runtime.IncompleteEvent"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(runtime, a_content_type_that_cannot_be_sent_fails_the_invocation) {
  auto bad = server.enqueue({.payload = R"({"body":"hi","content_type":"text/plain\r\nX-Injected: 1"})"});
  auto good = server.enqueue({.payload = R"({"body":"hi","content_type":"text/html"})"});
  auto function = start_function(test_function("probe"), server.address());
  auto error = answer_of(server, bad);
  EXPECT_EQ(error.kind, post_kind::error);
  EXPECT_EQ(error.error_type, "Runtime.InvalidContentType");
  auto answer = answer_of(server, good);
  EXPECT_EQ(answer.body, "hi");
  EXPECT_EQ(answer.content_type, "text/html");
}

TEST_F(runtime, a_throwing_handler_posts_an_error_and_the_loop_goes_on) {
  auto failing = server.enqueue({.payload = R"({"fail":true})"});
  auto next = server.enqueue({.payload = R"({"after":1})"});
  auto function = start_function(example("echo"), server.address());

  auto error = answer_of(server, failing);
  EXPECT_EQ(error.kind, post_kind::error);
  EXPECT_EQ(error.error_type, "Function.RuntimeError");
  EXPECT_EQ(error.content_type, "application/json");
  EXPECT_EQ(error.body, R"({"errorMessage":"requested failure","errorType":"std::runtime_error","stackTrace":[]})");
  EXPECT_EQ(answer_of(server, next).body, R"({"after":1})");
}

// Every stdout line of a JSON-logging function, as (requestId, level, message, errorType).
struct log_line {
  std::string request_id, level, message, error_type, error_message;
};

std::vector<log_line> json_lines(const std::string& out) {
  std::vector<log_line> lines;
  std::size_t start = 0;
  for (auto end = out.find('\n'); end != std::string::npos; start = end + 1, end = out.find('\n', start)) {
    std::string_view line(out.data() + start, end - start);
    EXPECT_TRUE(lambda::json::is_valid(line)) << line;
    lines.push_back({field(line, "/requestId"), field(line, "/level"), field(line, "/message"),
                     field(line, "/errorType"), field(line, "/errorMessage")});
  }
  return lines;
}

TEST_F(runtime, echo_logs_one_record_per_invocation_and_one_error_record_per_failure) {
  auto ok = server.enqueue({.payload = R"({"n":1})"});
  auto failing = server.enqueue({.payload = R"({"fail":true})"});
  auto function = start_function(example("echo"), server.address(), {"AWS_LAMBDA_LOG_FORMAT=json"});
  answer_of(server, ok);
  answer_of(server, failing);
  ASSERT_TRUE(server.wait_parked(1, patience));
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));

  std::map<std::string, std::vector<log_line>> by_request;
  for (auto& line : json_lines(function.stdout_text())) by_request[line.request_id].push_back(line);
  ASSERT_EQ(by_request[ok].size(), 1u);
  EXPECT_EQ(by_request[ok][0].level, "INFO");
  EXPECT_EQ(by_request[ok][0].message, "echoing 7 bytes");
  ASSERT_EQ(by_request[failing].size(), 2u);
  EXPECT_EQ(by_request[failing][1].level, "ERROR");
  EXPECT_EQ(by_request[failing][1].error_type, "std::runtime_error");
  EXPECT_EQ(by_request[failing][1].error_message, "requested failure");
}

TEST_F(runtime, exceptions_of_every_kind_and_returned_failures_become_error_posts) {
  auto custom = server.enqueue({.payload = R"({"throw":"custom"})"});
  auto non_standard = server.enqueue({.payload = R"({"throw":"int"})"});
  auto returned = server.enqueue({.payload = R"({"failure":{"type":"ValidationError","message":"no \"name\""}})"});
  auto platform_type = server.enqueue({.payload = R"({"failure":{"type":"Function.Custom","message":"m"}})"});
  auto function = start_function(test_function("probe"), server.address());

  auto a = answer_of(server, custom);
  EXPECT_EQ(a.error_type, "Function.DatabaseUnreachable");
  EXPECT_EQ(field(a.body, "/errorType"), "(anonymous namespace)::database_unreachable");
  EXPECT_EQ(field(a.body, "/errorMessage"), "no route to the database");

  auto b = answer_of(server, non_standard);
  EXPECT_EQ(b.error_type, "Function.Int");
  EXPECT_EQ(field(b.body, "/errorType"), "int");

  auto c = answer_of(server, returned);
  EXPECT_EQ(c.kind, post_kind::error);
  EXPECT_EQ(c.error_type, "Function.ValidationError");
  EXPECT_EQ(c.body, R"({"errorMessage":"no \"name\"","errorType":"ValidationError","stackTrace":[]})");

  EXPECT_EQ(answer_of(server, platform_type).error_type, "Function.Custom");
}

// The platform's rule for Lambda-Runtime-Function-Error-Type, (Runtime|Function)\.[A-Z][a-zA-Z]+,
// written here independently of the runtime's code: a value that does not match is recorded as
// Runtime.Unknown. (std::regex would do, but trips GCC 12's warnings under the sanitizers.)
bool platform_keeps(std::string_view error_type) {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (std::string_view prefix : {"Runtime.", "Function."}) {
    if (!error_type.starts_with(prefix)) continue;
    const std::string_view name = error_type.substr(prefix.size());
    return name.size() >= 2 && name[0] >= 'A' && name[0] <= 'Z' && std::all_of(name.begin(), name.end(), letter);
  }
  return false;
}

TEST_F(runtime, every_error_type_header_is_one_the_platform_keeps) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"E", "Function.Unknown"},           {"my::X", "Function.Unknown"},
      {"Runtime.A", "Runtime.Unknown"},    {"Function.Foo2", "Function.Foo"},
      {"Function.Ab", "Function.Ab"},      {"Runtime.ExitError", "Runtime.ExitError"},
      {"ValidationError", "Function.ValidationError"}, {"std::out_of_range", "Function.OutOfRange"},
      {"function.lower", "Function.FunctionLower"},    {"Function.", "Function.Unknown"},
      {"42", "Function.Unknown"},          {"ns::bad_thing<int>", "Function.BadThing"}};
  std::vector<std::string> ids;
  for (const auto& [type, expected] : cases) {
    ids.push_back(server.enqueue({.payload = R"({"failure":{"type":")" + type + R"(","message":"m"}})"}));
  }
  auto function = start_function(test_function("probe"), server.address());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto answer = answer_of(server, ids[i]);
    EXPECT_TRUE(platform_keeps(answer.error_type)) << cases[i].first << " → " << answer.error_type;
    EXPECT_EQ(answer.error_type, cases[i].second) << cases[i].first;
    EXPECT_EQ(field(answer.body, "/errorType"), cases[i].first) << "the body keeps the type as it was";
  }
}

// Records the runtime writes about an invocation's answer carry its request id and RIC, even
// when the event was large enough for the receive buffer to be released before the answer is
// posted (under ASan a view into that buffer would be caught here).
TEST_F(runtime, records_about_an_answer_carry_the_invocation_ids) {
  const std::string padding(100000, 'p');
  auto bad_type = server.enqueue(
      {.payload = R"({"body":"hi","content_type":"text/plain\r\nX-Injected: 1","pad":")" + padding + "\"}",
       .trace_id = "Root=1-abc", .tenant_id = "tenant-7"});
  auto gone = server.enqueue({.payload = R"({"pad":")" + padding + "\"}", .post_status = 410});
  auto too_large = server.enqueue({.payload = R"({"pad":")" + padding + "\"}", .post_status = 413});
  auto function = start_function(test_function("probe"), server.address(), {"AWS_LAMBDA_LOG_FORMAT=JSON"});
  for (const auto& id : {bad_type, gone, too_large}) ASSERT_TRUE(server.wait_finished(id, patience));
  ASSERT_TRUE(server.wait_parked(1, patience));
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));

  const auto out = function.stdout_text();
  std::map<std::string, std::vector<std::string>> messages;
  for (auto& line : json_lines(out)) messages[line.request_id].push_back(line.message + "|" + line.error_type);
  EXPECT_EQ(messages[bad_type], (std::vector<std::string>{"invocation failed|Runtime.InvalidContentType"})) << out;
  ASSERT_EQ(messages[gone].size(), 1u) << out;
  EXPECT_NE(messages[gone][0].find("answered 410"), std::string::npos) << out;
  ASSERT_EQ(messages[too_large].size(), 1u) << out;
  EXPECT_NE(messages[too_large][0].find("answered 413"), std::string::npos) << out;
  for (std::string_view line : {std::string_view(out)}) {
    EXPECT_NE(line.find(R"("requestId":")" + bad_type + R"(","tenantId":"tenant-7","traceId":"Root=1-abc","ric":1)"),
              std::string::npos) << out;
  }
}

TEST_F(runtime, the_context_carries_every_header) {
  auto id = server.enqueue({.payload = R"({"context":true})",
                            .trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
                            .tenant_id = "tenant-7",
                            .invocation_id = "attempt-1",
                            .client_context = R"({"client":{"app_title":"t"}})",
                            .cognito_identity = R"({"cognitoIdentityId":"i","cognitoIdentityPoolId":"p"})"});
  auto function = start_function(test_function("probe"), server.address());
  auto answer = answer_of(server, id);
  const auto& body = answer.body;
  EXPECT_EQ(field(body, "/request_id"), id);
  EXPECT_EQ(field(body, "/trace_id"), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
  EXPECT_EQ(field(body, "/trace_env"), field(body, "/trace_id")) << "classic mode sets _X_AMZN_TRACE_ID";
  EXPECT_EQ(field(body, "/tenant_id"), "tenant-7");
  EXPECT_EQ(field(body, "/invocation_id"), "attempt-1");
  EXPECT_EQ(field(body, "/client_context"), R"({"client":{"app_title":"t"}})");
  EXPECT_EQ(field(body, "/cognito_identity"), R"({"cognitoIdentityId":"i","cognitoIdentityPoolId":"p"})");
  EXPECT_EQ(field(body, "/content_type"), "application/json");
  EXPECT_EQ(field(body, "/invoked_function_arn").rfind("arn:aws:lambda:", 0), 0u);
  EXPECT_EQ(lambda::json::find_int(body, "/ric").value_or(0), 1);
  EXPECT_TRUE(lambda::json::find_bool(body, "/this_invocation_matches").value_or(false));
  auto remaining = lambda::json::find_int(body, "/remaining_ms");
  ASSERT_TRUE(remaining);
  EXPECT_GT(*remaining, 0);
  EXPECT_LE(*remaining, 3000);
  EXPECT_EQ(answer.invocation_id, "attempt-1") << "the invocation id is echoed on the answer";
}

struct function_case {
  const char* name;
  std::vector<std::string> env;
};

class runtime_knows_the_function : public runtime, public ::testing::WithParamInterface<function_case> {};

TEST_P(runtime_knows_the_function, from_the_environment_read_at_start_up) {
  auto first = server.enqueue({.payload = R"({"context":true})"});
  auto second = server.enqueue({.payload = R"({"context":true})"});
  std::vector<std::string> env = GetParam().env;
  for (const char* setting : {"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769",
                              "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/test-function",
                              "AWS_LAMBDA_LOG_STREAM_NAME=2026/11/30/[$LATEST]0123456789abcdef"}) {
    env.push_back(setting);
  }
  auto function = start_function(test_function("probe"), server.address(), env);
  for (const auto& id : {first, second}) {
    const auto body = answer_of(server, id).body;
    EXPECT_EQ(field(body, "/function_name"), "test-function");
    EXPECT_EQ(field(body, "/function_version"), "$LATEST");
    EXPECT_EQ(lambda::json::find_int(body, "/memory_limit_mb").value_or(0), 1769);
    EXPECT_EQ(field(body, "/log_group_name"), "/aws/lambda/test-function");
    EXPECT_EQ(field(body, "/log_stream_name"), "2026/11/30/[$LATEST]0123456789abcdef");
  }
}

INSTANTIATE_TEST_SUITE_P(modes, runtime_knows_the_function,
                         ::testing::Values(function_case{"run", {}},
                                           function_case{"concurrent", {"PROBE_MODE=concurrent",
                                                                        "AWS_LAMBDA_MAX_CONCURRENCY=2"}}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(runtime, an_absent_or_unreadable_memory_size_is_zero) {
  auto id = server.enqueue({.payload = R"({"context":true})"});
  auto function = start_function(test_function("probe"), server.address(), {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=12x"});
  const auto body = answer_of(server, id).body;
  EXPECT_EQ(lambda::json::find_int(body, "/memory_limit_mb").value_or(-1), 0);
  EXPECT_EQ(field(body, "/function_version"), "");
}

TEST_F(runtime, absent_headers_are_absent_and_the_trace_variable_is_unset) {
  auto traced = server.enqueue({.payload = R"({"context":true})", .trace_id = "Root=1-a"});
  auto untraced = server.enqueue({.payload = R"({"context":true})", .deadline = emulator::deadline_style::absent});
  auto function = start_function(test_function("probe"), server.address());
  EXPECT_EQ(field(answer_of(server, traced).body, "/trace_env"), "Root=1-a");
  auto answer = answer_of(server, untraced);
  EXPECT_EQ(lambda::json::find(answer.body, "/trace_env").value_or(""), "null");
  EXPECT_EQ(lambda::json::find(answer.body, "/remaining_ms").value_or(""), "null");
  EXPECT_EQ(lambda::json::find_int(answer.body, "/deadline_ms").value_or(-1), 0);
  EXPECT_EQ(field(answer.body, "/tenant_id"), "");
  EXPECT_TRUE(answer.invocation_id.empty()) << "no invocation id is sent when /next gave none";
}

TEST_F(runtime, far_future_and_overflowing_deadlines_do_not_overflow) {
  auto far = server.enqueue({.payload = R"({"context":true})", .deadline = emulator::deadline_style::far_future});
  auto huge = server.enqueue({.payload = R"({"context":true})", .deadline = emulator::deadline_style::absent,
                              .extra_headers = "Lambda-Runtime-Deadline-Ms: 99999999999999999999999\r\n"});
  auto function = start_function(test_function("probe"), server.address());
  auto a = lambda::json::find_int(answer_of(server, far).body, "/remaining_ms");
  ASSERT_TRUE(a);
  EXPECT_GT(*a, std::int64_t{200} * 365 * 24 * 3600 * 1000);
  auto b = lambda::json::find_int(answer_of(server, huge).body, "/remaining_ms");
  ASSERT_TRUE(b);
  EXPECT_GT(*b, 0);
}

TEST_F(runtime, an_invalid_request_id_is_logged_and_never_sent) {
  auto bad = server.enqueue({.payload = "{}", .request_id = "../../init/error"});
  auto good = server.enqueue({.payload = R"({"ok":1})"});
  auto function = start_function(example("echo"), server.address());
  EXPECT_EQ(answer_of(server, good).body, R"({"ok":1})");
  EXPECT_FALSE(server.find(bad)->finished());
  for (const auto& p : server.posts()) EXPECT_NE(p.kind, post_kind::init_error);
  EXPECT_TRUE(function.wait_output(emulator::child_process::stream::out, "invalid request id", patience));
}

struct allocation_case {
  const char* name;
  std::vector<std::string> env;
  unsigned rics;
};

class runtime_allocations : public runtime, public ::testing::WithParamInterface<allocation_case> {};

// The function answers its allocation count so far: once every RIC is warm, the runtime's loop
// (next, context, handler call, answer) must not move it.
TEST_P(runtime_allocations, steady_state_allocates_nothing) {
  auto function = start_function(test_function("counting"), server.address(), GetParam().env);
  ASSERT_TRUE(server.wait_parked(GetParam().rics, patience)) << "every RIC polls before the first event";
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(server.enqueue({.payload = R"({"some":"event","n":)" + std::to_string(i) + "}",
                                  .trace_id = "Root=1-" + std::to_string(1000000 + i),
                                  .invocation_id = "attempt-" + std::to_string(i)}));
  }
  std::vector<std::string> counts;
  for (const auto& id : ids) counts.push_back(answer_of(server, id).body);
  EXPECT_EQ(counts[100], counts[299]) << "allocations between invocation 100 and 299";
}

INSTANTIATE_TEST_SUITE_P(modes, runtime_allocations,
                         ::testing::Values(allocation_case{"classic", {}, 1},
                                           allocation_case{"concurrent_1", {"COUNTING_MODE=concurrent"}, 1},
                                           allocation_case{"concurrent_4",
                                                           {"COUNTING_MODE=concurrent", "AWS_LAMBDA_MAX_CONCURRENCY=4"},
                                                           4}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(runtime, rejected_posts_are_logged_and_the_loop_goes_on) {
  const int statuses[] = {400, 403, 410, 413};
  std::vector<std::string> rejected, next;
  for (int status : statuses) {
    rejected.push_back(server.enqueue({.payload = "{}", .post_status = status}));
    next.push_back(server.enqueue({.payload = "{\"after\":" + std::to_string(status) + "}"}));
  }
  auto function = start_function(example("echo"), server.address());
  for (size_t i = 0; i < rejected.size(); ++i) {
    auto done = server.wait_finished(rejected[i], patience);
    ASSERT_TRUE(done && done->answer);
    EXPECT_EQ(done->answer->status, statuses[i]);
    EXPECT_EQ(answer_of(server, next[i]).body, "{\"after\":" + std::to_string(statuses[i]) + "}");
    EXPECT_TRUE(function.wait_output(emulator::child_process::stream::out,
                                     "answered " + std::to_string(statuses[i]), patience));
  }
  EXPECT_FALSE(function.status()) << "still running";
}

TEST_F(runtime, a_500_to_a_post_is_fatal) {
  server.enqueue({.payload = "{}", .post_status = 500});
  auto function = start_function(example("echo"), server.address());
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  EXPECT_TRUE(function.wait_output(emulator::child_process::stream::out, "answered 500", 0ms));
}

TEST_F(runtime, a_500_to_a_poll_is_fatal) {
  server.fail_polls(500);
  auto function = start_function(example("echo"), server.address());
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  EXPECT_NE(function.stdout_text().find("GET /next answered 500"), std::string::npos) << function.stdout_text();
}

TEST_F(runtime, init_failures_are_posted_and_exit_1) {
  auto function = start_function(test_function("probe"), server.address(), {"PROBE_INIT=throw"});
  auto posted = expect_init_failure(function, server, "Function.DatabaseUnreachable");
  EXPECT_EQ(field(posted.body, "/errorMessage"), "cannot reach the database");
  EXPECT_NE(function.stdout_text().find("cannot reach the database"), std::string::npos);
  EXPECT_EQ(server.stats().requests, 1u) << "the init error was the only request";
}

TEST_F(runtime, an_empty_handler_is_an_init_failure) {
  auto function = start_function(test_function("probe"), server.address(), {"PROBE_INIT=empty"});
  expect_init_failure(function, server, "Runtime.InvalidHandler");
}

struct bad_address {
  const char* name;
  const char* value;  // nullptr: unset
  const char* says;
};

class runtime_without_api : public ::testing::TestWithParam<bad_address> {};

TEST_P(runtime_without_api, exits_1_with_a_clear_message) {
  std::vector<std::string> env;
  if (GetParam().value) env.push_back(std::string("AWS_LAMBDA_RUNTIME_API=") + GetParam().value);
  auto function = start_function(example("echo"), "", env);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  EXPECT_NE(function.stdout_text().find(GetParam().says), std::string::npos) << function.stdout_text();
}

INSTANTIATE_TEST_SUITE_P(
    addresses, runtime_without_api,
    ::testing::Values(bad_address{"unset", nullptr, "AWS_LAMBDA_RUNTIME_API is not set"},
                      bad_address{"empty", "", "AWS_LAMBDA_RUNTIME_API is not set"},
                      bad_address{"no_port", "127.0.0.1", "AWS_LAMBDA_RUNTIME_API is malformed"},
                      bad_address{"port_zero", "127.0.0.1:0", "AWS_LAMBDA_RUNTIME_API is malformed"},
                      bad_address{"scheme", "http://127.0.0.1:9001", "AWS_LAMBDA_RUNTIME_API is malformed"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(runtime_unreachable, exits_1_after_bounded_retries) {
  std::string address;
  {
    runtime_api_server gone;  // an ephemeral port that is closed once the server is destroyed
    address = gone.address();
  }
  auto function = start_function(example("echo"), address);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  EXPECT_NE(function.stdout_text().find("FATAL"), std::string::npos) << function.stdout_text();
}

}  // namespace
}  // namespace lambda::test
