// The emulator's command-line pieces on their own: options, event lines, the Lambda
// environment, and how invocations are reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <lambda/json.hpp>

#include "../tools/emulator/command_line.hpp"
#include "../tools/emulator/emulator_modes.hpp"
#include "../tools/emulator/reports.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;

cli_options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "lambda-emulator");
  return parse_cli(static_cast<int>(args.size()), args.data());
}

TEST(CliOptions, ReadsEveryOption) {
  auto o = parse({"--events", "e.jsonl", "--repeat", "3", "--concurrency", "8", "--timeout", "0.25",
                  "--function-name", "f", "--memory", "512", "--log-format", "JSON", "--log-level",
                  "DEBUG", "--", "./bootstrap", "--flag"});
  EXPECT_EQ(o.events, "e.jsonl");
  EXPECT_EQ(o.repeat, 3);
  EXPECT_EQ(o.concurrency, 8);
  EXPECT_EQ(o.timeout, 250ms);
  EXPECT_EQ(o.function_name, "f");
  EXPECT_EQ(o.memory_mb, 512);
  EXPECT_EQ(o.log_format, "JSON");
  EXPECT_EQ(o.log_level, "DEBUG");
  EXPECT_EQ(o.bootstrap, (std::vector<std::string>{"./bootstrap", "--flag"}));
  EXPECT_TRUE(o.managed_instances());
  EXPECT_EQ(o.in_flight_limit(), 8);
}

TEST(CliOptions, DefaultsToClassicLambdaWithAThreeSecondTimeout) {
  auto o = parse({"--", "b"});
  EXPECT_FALSE(o.managed_instances());
  EXPECT_EQ(o.in_flight_limit(), 1);
  EXPECT_EQ(o.timeout, 3000ms);
  EXPECT_EQ(o.repeat, 1);
  EXPECT_TRUE(parse({"--help"}).help);
}

TEST(CliOptions, HttpServesOnAPortOfLoopbackOrALoopbackAddress) {
  auto port = parse({"--http", "9000", "--", "b"});
  EXPECT_EQ(port.serve, "127.0.0.1:9000");
  EXPECT_TRUE(port.http_api);
  EXPECT_EQ(parse({"--http", "[::1]:9001", "--", "b"}).serve, "[::1]:9001");
  EXPECT_FALSE(parse({"--serve", "127.0.0.1:9000", "--", "b"}).http_api);
  EXPECT_THROW(parse({"--http", "9000", "--events", "e", "--", "b"}), std::invalid_argument);
}

TEST(CliOptions, RejectsMistakesWithTheOptionsName) {
  for (std::vector<const char*> bad : {std::vector<const char*>{"--events", "e"},
                                       {"--repeat", "0", "--", "b"},
                                       {"--concurrency", "1601", "--", "b"},
                                       {"--concurrency", "2x", "--", "b"},
                                       {"--timeout", "0", "--", "b"},
                                       {"--timeout", "-1", "--", "b"},
                                       {"--memory", "64", "--", "b"},
                                       {"--events"},
                                       {"--bogus", "--", "b"},
                                       {"--serve", "127.0.0.1:1", "--events", "e", "--", "b"},
                                       {"--serve", "127.0.0.1:1", "--event", "e", "--", "b"},
                                       {"--events", "e", "--event", "f", "--", "b"},
                                       {"--env", "NO_EQUALS", "--", "b"},
                                       {"--env", "=value", "--", "b"},
                                       {"--env", "AWS_LAMBDA_MAX_CONCURRENCY=8", "--", "b"},
                                       {"--env"}}) {
    EXPECT_THROW(parse(bad), std::invalid_argument) << bad.front();
  }
  try {
    parse({"--repeat", "many", "--", "b"});
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--repeat wants a whole number from 1 to 1000000, not 'many'");
  }
  try {
    parse({"--env", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "--", "b"});
    ADD_FAILURE() << "--env AWS_LAMBDA_RUNTIME_API was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--env cannot set AWS_LAMBDA_RUNTIME_API: it is the emulator's own address");
  }
}

TEST(CliOptions, ReadsOneEventEnvironmentEntriesAndTheHandler) {
  auto o = parse({"--event", "e.json", "--env", "A=1", "--env", "B=", "--env", "C=x=y", "--handler",
                  "app.handler", "--", "b"});
  EXPECT_EQ(o.event, "e.json");
  EXPECT_EQ(o.env, (std::vector<std::string>{"A=1", "B=", "C=x=y"}));
  EXPECT_EQ(o.handler, "app.handler");
}

TEST(EventDocument, TakesOnePrettyPrintedDocumentWithoutTheSpaceAroundIt) {
  const std::string pretty = "{\n  \"a\": [\n    1,\n    2\n  ],\r\n  \"b\": \"x y\"\n}";
  std::istringstream in("\n  " + pretty + "\n\n");
  auto read = read_event_document(in, "event.json");
  EXPECT_TRUE(read.errors.empty());
  ASSERT_EQ(read.events.size(), 1u);
  EXPECT_EQ(read.events[0].line, 1u);
  EXPECT_EQ(read.events[0].json, pretty);
}

TEST(EventDocument, NamesTheLineAndColumnOfTheFlaw) {
  std::istringstream trailing_comma("{\n  \"a\": 1,\n  \"b\": [1, 2,]\n}\n");
  auto read = read_event_document(trailing_comma, "event.json");
  EXPECT_TRUE(read.events.empty());
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0], "event.json:3:14: not a JSON document (trailing comma)") << read.errors[0];
  std::istringstream two_documents("{\"a\":1}\n{\"b\":2}\n");
  read = read_event_document(two_documents, "events.jsonl");
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_TRUE(read.errors[0].starts_with("events.jsonl:2:1: not a JSON document (")) << read.errors[0];
  std::istringstream blank(" \n\t\n");
  read = read_event_document(blank, "empty.json");
  EXPECT_EQ(read.errors, (std::vector<std::string>{"empty.json: no JSON document in it"}));
}

TEST(EventLines, KeepsValidLinesAndNamesEachBadOne) {
  std::istringstream in("{\"a\":1}\r\n\n   \n[1,2]\n{\"b\":}\nnull\n01\n");
  auto lines = read_event_lines(in, "events.jsonl");
  ASSERT_EQ(lines.events.size(), 3u);
  EXPECT_EQ(lines.events[0].line, 1u);
  EXPECT_EQ(lines.events[0].json, "{\"a\":1}");
  EXPECT_EQ(lines.events[1].line, 4u);
  EXPECT_EQ(lines.events[2].json, "null");
  ASSERT_EQ(lines.errors.size(), 2u);
  EXPECT_EQ(lines.errors[0], "events.jsonl:5: not a JSON document (expected a value at column 6)")
      << lines.errors[0];
  EXPECT_TRUE(lines.errors[1].starts_with("events.jsonl:7: not a JSON document (")) << lines.errors[1];
}

bool holds(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(LambdaEnvironment, SetsWhatThePlatformSetsAndKeepsTheRest) {
  auto o = parse({"--function-name", "greeter", "--memory", "256", "--", "/opt/fn/bootstrap"});
  auto env = lambda_environment(o, "127.0.0.1:9001",
                                {"HOME=/root", "AWS_REGION=eu-west-3", "AWS_LAMBDA_MAX_CONCURRENCY=99",
                                 "_HANDLER=old", "LAMBDA_TASK_ROOT=/old"});
  EXPECT_TRUE(holds(env, "HOME=/root"));
  EXPECT_TRUE(holds(env, "AWS_REGION=eu-west-3"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_FUNCTION_NAME=greeter"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_LOG_FORMAT=Text"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand"));
  EXPECT_TRUE(holds(env, "LAMBDA_TASK_ROOT=/opt/fn"));
  EXPECT_TRUE(holds(env, "_HANDLER=greeter"));
  EXPECT_FALSE(holds(env, "_HANDLER=old"));
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](const std::string& e) {
    return e.starts_with("AWS_LAMBDA_MAX_CONCURRENCY=");
  }));
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](const std::string& e) {
    return e.starts_with("AWS_LAMBDA_LOG_LEVEL=");
  }));
}

TEST(LambdaEnvironment, ManagedInstancesGetTheirConcurrencyAndJsonLogs) {
  auto o = parse({"--concurrency", "4", "--log-level", "WARN", "--", "bootstrap"});
  auto env = lambda_environment(o, "127.0.0.1:1", {});
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_MAX_CONCURRENCY=4"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_LOG_FORMAT=JSON"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_LOG_LEVEL=WARN"));
  EXPECT_TRUE(holds(env, "AWS_REGION=us-east-1"));
  EXPECT_TRUE(holds(env, "LAMBDA_TASK_ROOT=."));
}

TEST(LambdaEnvironment, TheUsersEntriesWinAndTheHandlerIsItsOwn) {
  auto o = parse({"--function-name", "greeter", "--handler", "app.handler", "--env", "AWS_REGION=eu-west-3",
                  "--env", "GREETING=hello", "--env", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024", "--", "b"});
  auto env = lambda_environment(o, "127.0.0.1:1", {"AWS_REGION=us-west-2", "GREETING=hi"});
  EXPECT_TRUE(holds(env, "_HANDLER=app.handler"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_FUNCTION_NAME=greeter"));
  EXPECT_TRUE(holds(env, "AWS_REGION=eu-west-3"));
  EXPECT_TRUE(holds(env, "GREETING=hello"));
  EXPECT_TRUE(holds(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024"));
  for (std::string_view name : {"AWS_REGION=", "GREETING=", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=", "_HANDLER="}) {
    EXPECT_EQ(std::count_if(env.begin(), env.end(), [&](const std::string& e) { return e.starts_with(name); }), 1)
        << name;
  }
}

invocation answered(post_kind kind, std::string body, std::string error_type = {}) {
  invocation done;
  done.request_id = "req-1";
  done.state = invocation_state::answered;
  done.delivered_at = time_point(1s);
  done.finished_at = time_point(1s) + 1500us;
  post p;
  p.kind = kind;
  p.status = 202;
  p.body = std::move(body);
  p.error_type = std::move(error_type);
  done.answer = p;
  return done;
}

TEST(InvocationReport, EmbedsOneLineJsonResponsesAsTheyAre) {
  EXPECT_EQ(report_line(answered(post_kind::response, R"({"x": [1, 2]})"), 3),
            R"({"line":3,"requestId":"req-1","status":"ok","durationMs":1.5,"response":{"x": [1, 2]}})");
  EXPECT_EQ(report_line(answered(post_kind::response, "plain text"), 1),
            R"({"line":1,"requestId":"req-1","status":"ok","durationMs":1.5,"responseText":"plain text"})");
  EXPECT_EQ(report_line(answered(post_kind::response, "{\n}"), 1),
            R"({"line":1,"requestId":"req-1","status":"ok","durationMs":1.5,"responseText":"{\n}"})");
}

TEST(InvocationReport, ShowsErrorsWithTheTypeThePlatformWouldKeep) {
  std::string body = R"({"errorMessage":"no \"name\"","errorType":"ValidationError","stackTrace":[]})";
  auto kept = outcome_of(answered(post_kind::error, body, "Function.ValidationError"));
  EXPECT_FALSE(kept.ok);
  EXPECT_EQ(kept.error_type, "Function.ValidationError");
  EXPECT_EQ(kept.error_message, "no \"name\"");
  for (std::string type : {"", "ValidationError", "Function.lower", "Function.Has.Dot", "Other.Error"}) {
    EXPECT_EQ(outcome_of(answered(post_kind::error, body, type)).error_type, "Runtime.Unknown") << type;
  }
  EXPECT_EQ(outcome_of(answered(post_kind::error, "not json", "Runtime.Crash")).error_message, "not json");
  EXPECT_EQ(report_line(answered(post_kind::error, body, "Function.ValidationError"), 2),
            R"({"line":2,"requestId":"req-1","status":"error","durationMs":1.5,)"
            R"("errorType":"Function.ValidationError","errorMessage":"no \"name\""})");
}

// The platform's rule: the whole value matches (Runtime|Function)\.[A-Z][a-zA-Z]+
TEST(InvocationReport, KeepsOnlyErrorTypesThePlatformKeeps) {
  for (std::string type : {"Function.Ab", "Runtime.ExitError", "Function.ValidationError"}) {
    EXPECT_EQ(outcome_of(answered(post_kind::error, "{}", type)).error_type, type);
  }
  for (std::string type : {"Function.E", "Runtime.A", "Function.Foo2", "function.Foo", "Function.",
                           "Other.Foo", "Runtime.Foo ", " Runtime.Foo", "Runtime.Fo-o"}) {
    EXPECT_EQ(outcome_of(answered(post_kind::error, "{}", type)).error_type, "Runtime.Unknown") << type;
  }
}

TEST(InvocationReport, TimeoutsAndUndeliveredFailures) {
  invocation late;
  late.request_id = "r";
  late.state = invocation_state::timed_out;
  late.failure_type = "Sandbox.Timedout";
  late.failure_message = "Task timed out after 3.00 seconds";
  late.delivered_at = time_point(1s);
  late.finished_at = time_point(4s);
  EXPECT_EQ(report_line(late, 1),
            R"({"line":1,"requestId":"r","status":"timeout","durationMs":3000,)"
            R"("errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 3.00 seconds"})");
  invocation never;
  never.request_id = "n";
  never.state = invocation_state::failed;
  never.failure_type = "Runtime.ExitError";
  never.failure_message = "Runtime exited with error: exit status 1";
  EXPECT_EQ(report_line(never, 9),
            R"({"line":9,"requestId":"n","status":"not_run",)"
            R"("errorType":"Runtime.ExitError","errorMessage":"Runtime exited with error: exit status 1"})");
  EXPECT_EQ(not_run_line(4, "Runtime.ExitError", "gone"),
            R"({"line":4,"status":"not_run","errorType":"Runtime.ExitError","errorMessage":"gone"})");
}

TEST(InvocationReport, AnswersInvokersAsLambdasInvokeApiDoes) {
  auto ok = answered(post_kind::response, "hi");
  ok.answer->content_type = "text/plain";
  auto a = invoker_answer_for(ok);
  EXPECT_EQ(a.headers, "X-Amzn-RequestId: req-1\r\nContent-Type: text/plain\r\n");
  EXPECT_EQ(a.body, "hi");
  std::string body = R"({"errorMessage":"m","errorType":"E","stackTrace":[]})";
  auto failed = invoker_answer_for(answered(post_kind::error, body, "Function.E"));
  EXPECT_NE(failed.headers.find("X-Amz-Function-Error: Unhandled\r\n"), std::string::npos);
  EXPECT_EQ(failed.body, body);
  invocation timed_out;
  timed_out.state = invocation_state::timed_out;
  timed_out.failure_type = "Sandbox.Timedout";
  timed_out.failure_message = "Task timed out after 1.00 seconds";
  EXPECT_EQ(invoker_answer_for(timed_out).body,
            R"({"errorMessage":"Task timed out after 1.00 seconds","errorType":"Sandbox.Timedout"})");
}

invocation streamed(std::string body) {
  invocation done = answered(post_kind::response, std::move(body));
  post& p = *done.answer;
  p.streamed = true;
  p.chunk_sizes = {2, 3};
  p.body_bytes = 5;
  p.first_byte_at = time_point(1s) + 250us;
  return done;
}

TEST(InvocationReport, ShowsStreamsWithTheirChunksBytesAndFirstByte) {
  EXPECT_EQ(report_line(streamed("hello"), 4),
            R"({"line":4,"requestId":"req-1","status":"ok","durationMs":1.5,"streamed":true,"chunks":2,)"
            R"("bytes":5,"firstByteMs":0.25,"responseText":"hello"})");
  invocation failed = streamed("hello");
  failed.state = invocation_state::failed;
  failed.failure_type = "Function.RuntimeError";
  failed.failure_message = "went wrong";
  EXPECT_EQ(report_line(failed, 4),
            R"({"line":4,"requestId":"req-1","status":"error","durationMs":1.5,"streamed":true,"chunks":2,)"
            R"("bytes":5,"firstByteMs":0.25,"errorType":"Function.RuntimeError","errorMessage":"went wrong"})");
}

TEST(InvocationReport, CutsResponsesOverOneMebibyteAndSaysSo) {
  std::string body = "[" + std::string(max_reported_body, '1') + "]";
  std::string line = report_line(streamed(body), 1);
  EXPECT_EQ(json::find_string(line, "/responseText")->size(), max_reported_body);
  EXPECT_EQ(json::find(line, "/truncated").value_or("missing"), "true");
  // Never inside a UTF-8 sequence.
  std::string accents(max_reported_body - 1, 'a');
  accents += "\u00e9\u00e9";
  line = report_line(streamed(accents), 1);
  EXPECT_EQ(json::find_string(line, "/responseText")->size(), max_reported_body - 1);
  EXPECT_FALSE(json::find(report_line(streamed("short"), 1), "/truncated"));
}

TEST(InvocationReport, SummarizesCountsPercentilesAndThroughput) {
  run_stats stats;
  for (int i = 1; i <= 100; ++i) {
    auto done = answered(post_kind::response, "{}");
    done.finished_at = done.delivered_at + std::chrono::milliseconds(i);
    stats.add(done);
  }
  stats.add_not_run();
  EXPECT_FALSE(stats.all_succeeded());
  EXPECT_EQ(stats.summary(2s),
            "101 invocations, 1 failed; latency p50 50.000 ms, p90 90.000 ms, p99 99.000 ms; "
            "50 invocations/s over 2.000 s\n");
  EXPECT_EQ(run_stats().summary(1s), "0 invocations, 0 failed\n");
}

}  // namespace
}  // namespace lambda::emulator
