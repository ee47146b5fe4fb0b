// lambda-emulator end to end: the real program driving the example bootstraps.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/symbolise.hpp"
#include "support/function_process.hpp"
#include "support/raw_http_client.hpp"
#include "support/served_emulator.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;
constexpr auto wait = 60s;

const std::string build_dir = LAMBDA_TEST_BUILD_DIR;
const std::string emulator = build_dir + "/lambda-emulator";
const std::string echo = build_dir + "/examples/echo/bootstrap";
const std::string hello = build_dir + "/examples/hello/bootstrap";
const std::string http_api = build_dir + "/examples/http-api/bootstrap";
const std::string probe = build_dir + "/test/functions/probe/bootstrap";

// A bootstrap in bash (its /dev/tcp is the HTTP client): takes one event, then dies by SIGSEGV.
const std::string crashing_runtime = R"(
IFS=: read -r host port <<< "$AWS_LAMBDA_RUNTIME_API"
exec 3<>"/dev/tcp/$host/$port"
printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read -r status <&3
kill -SEGV $$
)";

class temp_file {
 public:
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/emulator-test-XXXXXX";
    int fd = ::mkstemp(name);
    path_ = name;
    ::close(fd);
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct run_result {
  exit_status status;
  std::vector<std::string> lines;  // stdout
  std::string err;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> environment(std::vector<std::string> extra = {}) {
  extra.push_back("PATH=/usr/bin:/bin");
  return extra;
}

run_result run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), emulator);
  child_process child({.argv = args, .env = environment(std::move(env))});
  auto status = child.wait_exit(wait);
  if (!status) {
    ADD_FAILURE() << "the emulator did not finish";
    return {};
  }
  // Both pipes are drained once they close, which follows the exit at once.
  child.wait_output(child_process::stream::err, "\n", 1s);
  return {*status, split_lines(child.stdout_text()), child.stderr_text()};
}

std::string field(const std::string& line, const std::string& pointer) {
  auto value = json::find(line, pointer);
  return value ? std::string(*value) : "<" + pointer + " missing in " + line + ">";
}

std::string text_field(const std::string& line, const std::string& pointer) {
  return json::find_string(line, pointer).value_or("<" + pointer + " missing in " + line + ">");
}

TEST(Emulator, BatchAtConcurrencyOneAnswersEachLineInOrderWithItsExactBytes) {
  std::vector<std::string> events = {
      R"({"n":1})", R"({"text":"caf\u00e9 \"quoted\" \\ \n"})", R"([1,2.5e10,-0,true,null])",
      R"("just a string")", R"({"nested":{"deep":[{"a":{}}]}})"};
  std::string file_text;
  for (const auto& e : events) file_text += e + "\n";
  temp_file file(file_text);
  auto result = run({"--events", file.path(), "--", echo});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), events.size()) << result.err;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& line = result.lines[i];
    EXPECT_EQ(field(line, "/line"), std::to_string(i + 1));
    EXPECT_EQ(text_field(line, "/status"), "ok");
    EXPECT_EQ(field(line, "/response"), events[i]);
  }
  EXPECT_NE(result.err.find("5 invocations, 0 failed"), std::string::npos) << result.err;
  // echo registers no extension: stopped as Lambda stops it, with SIGKILL (extension_test has
  // the SIGTERM side).
  EXPECT_NE(result.err.find("bootstrap: no extension registered: SIGKILL"), std::string::npos) << result.err;
}

TEST(Emulator, BatchAtConcurrencyEightKeepsInputOrderWhateverOrderAnswersCome) {
  // Earlier events sleep longer, so answers come back in roughly reverse order.
  std::string file_text;
  std::vector<std::string> events;
  for (int i = 0; i < 16; ++i) {
    events.push_back(R"({"sleep_ms":)" + std::to_string((16 - i) * 10) + R"(,"i":)" + std::to_string(i) + "}");
    file_text += events.back() + "\r\n";
  }
  temp_file file(file_text);
  auto result = run({"--concurrency", "8", "--events", file.path(), "--", echo});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), events.size()) << result.err;
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(field(result.lines[i], "/response"), events[i]);
}

TEST(Emulator, ConcurrencyEightRunsEightInvocationsAtOnce) {
  std::string file_text;
  for (int i = 0; i < 8; ++i) file_text += "{\"barrier\":8}\n";
  temp_file file(file_text);
  auto result = run({"--concurrency", "8", "--events", file.path(), "--", probe},
                    {"PROBE_MODE=concurrent"});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 8u);
  for (const auto& line : result.lines) EXPECT_EQ(text_field(line, "/status"), "ok") << line;
}

TEST(Emulator, SixteenHundredInvocationsRunAtOnce) {
  std::string file_text;
  for (int i = 0; i < 1600; ++i) file_text += "{\"barrier\":1600}\n";
  temp_file file(file_text);
  auto result = run({"--concurrency", "1600", "--log-level", "WARN", "--events", file.path(), "--", probe},
                    {"PROBE_MODE=concurrent"});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 1600u) << result.err;
  EXPECT_NE(result.err.find("1600 invocations, 0 failed"), std::string::npos) << result.err;
}

TEST(Emulator, RepeatSendsTheEventsAgain) {
  temp_file file("{\"a\":1}\n\n{\"b\":2}\n");
  auto result = run({"--repeat", "3", "--events", file.path(), "--", echo});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(field(result.lines[i], "/line"), i % 2 == 0 ? "1" : "3");
    EXPECT_EQ(field(result.lines[i], "/response"), i % 2 == 0 ? R"({"a":1})" : R"({"b":2})");
  }
}

TEST(Emulator, ReadsEventsFromStandardInput) {
  child_process child({.argv = {"/bin/sh", "-c", "printf '{\"in\":1}\\n{\"in\":2}\\n' | \"$0\" --events - -- \"$1\"",
                                emulator, echo},
                       .env = environment()});
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << child.stderr_text();
  ASSERT_TRUE(child.wait_output(child_process::stream::out, "{\"in\":2}}\n", wait)) << child.stdout_text();
  auto lines = split_lines(child.stdout_text());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(field(lines[0], "/response"), R"({"in":1})");
}

TEST(Emulator, ErrorsAreShownWithTheirTypeAndMessage) {
  temp_file file("{\"fail\":true}\n{\"ok\":1}\n");
  auto result = run({"--events", file.path(), "--", echo});
  EXPECT_EQ(result.status.code, 1);
  ASSERT_EQ(result.lines.size(), 2u) << result.err;
  EXPECT_EQ(text_field(result.lines[0], "/status"), "error");
  EXPECT_EQ(text_field(result.lines[0], "/errorType"), "Function.RuntimeError") << result.lines[0];
  EXPECT_EQ(text_field(result.lines[0], "/errorMessage"), "requested failure");
  EXPECT_EQ(text_field(result.lines[1], "/status"), "ok");
  EXPECT_NE(result.err.find("2 invocations, 1 failed"), std::string::npos) << result.err;
}

TEST(Emulator, TimedOutInvocationsAreReportedAndTheirLateAnswerGets410) {
  // At concurrency 1 the second event is taken only after the late answer was posted.
  temp_file file("{\"sleep_ms\":300}\n{\"after\":1}\n");
  auto result = run({"--timeout", "0.1", "--events", file.path(), "--", echo});
  EXPECT_EQ(result.status.code, 1);
  ASSERT_EQ(result.lines.size(), 2u) << result.err;
  EXPECT_EQ(text_field(result.lines[0], "/status"), "timeout");
  EXPECT_EQ(text_field(result.lines[0], "/errorType"), "Sandbox.Timedout");
  EXPECT_EQ(text_field(result.lines[0], "/errorMessage"), "Task timed out after 0.10 seconds");
  EXPECT_EQ(text_field(result.lines[1], "/status"), "ok");
  EXPECT_NE(result.err.find("1 answer came after the timeout and got 410 Gone"), std::string::npos) << result.err;
}

TEST(Emulator, ABootstrapThatCrashesFailsItsInvocationWithExitError) {
  temp_file file("{\"a\":1}\n{\"b\":2}\n");
  auto result = run({"--events", file.path(), "--", "/bin/bash", "-c", crashing_runtime});
  EXPECT_EQ(result.status.code, 1);
  ASSERT_EQ(result.lines.size(), 2u) << result.err;
  EXPECT_EQ(text_field(result.lines[0], "/errorType"), "Runtime.ExitError");
  EXPECT_NE(text_field(result.lines[0], "/errorMessage").find("SIGSEGV"), std::string::npos) << result.lines[0];
  EXPECT_EQ(text_field(result.lines[1], "/status"), "not_run");
  EXPECT_EQ(text_field(result.lines[1], "/errorType"), "Runtime.ExitError");
  EXPECT_NE(result.err.find("bootstrap: killed by signal 11 (SIGSEGV)"), std::string::npos) << result.err;
}

TEST(Emulator, RelayedOutputArrivesInOrderAndInFullBeforeTheExitIsTold) {
  std::mutex mutex;
  std::string relayed;
  std::string relayed_at_exit;
  {
    child_process child({.argv = {"/bin/sh", "-c", "echo one; echo two >&2; printf 'no newline'"},
                         .env = environment(),
                         .output = child_output::relay,
                         .on_exit = [&](const exit_status&) {
                           std::lock_guard lock(mutex);
                           relayed_at_exit = relayed;
                         },
                         .on_output = [&](std::string_view piece) {
                           std::lock_guard lock(mutex);
                           relayed += piece;
                         }});
    ASSERT_TRUE(child.wait_exit(wait));
  }
  EXPECT_EQ(relayed, "one\ntwo\nno newline");
  EXPECT_EQ(relayed_at_exit, relayed);
}

TEST(Emulator, ACrashRecordIsParsedInTextAndJsonFormats) {
  const std::string members =
      R"({"signal":"SIGSEGV","address":"0x0","inFlight":[],"buildId":"5d99ab","loadBase":"0x1000",)"
      R"("backtrace":["0x41ab44","0x43eb70"]})";
  const std::string text = "2026-11-30T13:00:00.000Z\tid\tFATAL\tthe handler crashed: SIGSEGV\t" + members;
  for (const std::string& line : {text, R"({"level":"FATAL",)" + members.substr(1)}) {
    auto record = parse_crash_record(line);
    ASSERT_TRUE(record) << line;
    EXPECT_EQ(record->build_id, "5d99ab");
    EXPECT_EQ(record->load_base, 0x1000u);
    EXPECT_EQ(record->backtrace, (std::vector<std::uint64_t>{0x41ab44, 0x43eb70}));
  }
  EXPECT_FALSE(parse_crash_record("an ordinary line"));
  EXPECT_FALSE(parse_crash_record(R"({"backtrace":["0x1"]})"));  // no buildId nor loadBase
}

TEST(Emulator, AnUnstrippedBootstrapsCrashIsSymbolisedAfterItsRecord) {
#if defined(__SANITIZE_THREAD__)
  // GCC's ThreadSanitizer runtime maps page zero, so echo's null store does not fault there;
  // the normal and ASan/UBSan builds run this test.
  GTEST_SKIP() << "a null store does not fault under ThreadSanitizer";
#endif
  temp_file file("{\"crash\":true}\n");
  auto result = run({"--events", file.path(), "--", echo},
                    {"ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:detect_leaks=0"});
  ASSERT_EQ(result.lines.size(), 1u) << result.err;
  EXPECT_EQ(text_field(result.lines[0], "/errorType"), "Runtime.SegmentationFault") << result.lines[0];
  const std::vector<std::string> err = split_lines(result.err);
  std::size_t record = 0;
  while (record < err.size() && err[record].find("\"backtrace\":[") == std::string::npos) ++record;
  ASSERT_LT(record + 1, err.size()) << result.err;
  // Right after the record, which is passed through unchanged.
  EXPECT_NE(err[record].find("\tFATAL\tthe handler crashed: SIGSEGV"), std::string::npos) << result.err;
  EXPECT_EQ(err[record + 1].rfind("lambda-emulator: backtrace of the crash in ", 0), 0u) << result.err;
  bool names_echo = false;
  for (std::size_t i = record + 2; i < err.size() && err[i].starts_with("  #"); ++i) {
    names_echo = names_echo || (err[i].find("echo") != std::string::npos &&
                                err[i].find("examples/echo/main.cpp:") != std::string::npos);
  }
  EXPECT_TRUE(names_echo) << result.err;
}

TEST(Emulator, InitErrorsAreReportedAsInitFailures) {
  temp_file file("{\"a\":1}\n");
  auto result = run({"--events", file.path(), "--", probe}, {"PROBE_INIT=throw"});
  EXPECT_EQ(result.status.code, 1);
  ASSERT_EQ(result.lines.size(), 1u) << result.err;
  EXPECT_EQ(text_field(result.lines[0], "/status"), "not_run");
  EXPECT_EQ(text_field(result.lines[0], "/errorType"), "Function.DatabaseUnreachable");
  EXPECT_EQ(text_field(result.lines[0], "/errorMessage"), "cannot reach the database");
  EXPECT_NE(result.err.find("bootstrap: exited with status 1 after an init error: "
                            "Function.DatabaseUnreachable: cannot reach the database"),
            std::string::npos)
      << result.err;
}

TEST(Emulator, MalformedEventsAreReportedAndNothingIsSent) {
  temp_file marker("");
  std::remove(marker.path().c_str());
  temp_file file("{\"ok\":1}\n{\"a\":1,}\n[1,2]\n{'single':1}\n");
  auto result = run({"--events", file.path(), "--", "/bin/sh", "-c", "touch " + marker.path()});
  EXPECT_EQ(result.status.code, 2);
  EXPECT_TRUE(result.lines.empty());
  EXPECT_NE(result.err.find(file.path() + ":2: not a JSON document (trailing comma"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(file.path() + ":4: not a JSON document"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(":3:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no event was sent"), std::string::npos);
  // One pretty-printed document: its flaw is named by line and column.
  temp_file document("{\n  \"a\": 1,\n  \"b\": [1, 2,]\n}\n");
  auto one = run({"--event", document.path(), "--", "/bin/sh", "-c", "touch " + marker.path()});
  EXPECT_EQ(one.status.code, 2);
  EXPECT_NE(one.err.find(document.path() + ":3:14: not a JSON document (trailing comma)"), std::string::npos)
      << one.err;
  EXPECT_NE(::access(marker.path().c_str(), F_OK), 0) << "the bootstrap was started";
}

TEST(Emulator, AMissingOrNonExecutableBootstrapIsAClearError) {
  temp_file file("{}\n");
  auto missing = run({"--events", file.path(), "--", "/nonexistent/bootstrap"});
  EXPECT_EQ(missing.status.code, 2);
  EXPECT_NE(missing.err.find("cannot start /nonexistent/bootstrap: No such file or directory"), std::string::npos)
      << missing.err;
  auto not_executable = run({"--events", file.path(), "--", file.path()});
  EXPECT_EQ(not_executable.status.code, 2);
  EXPECT_NE(not_executable.err.find("Permission denied"), std::string::npos) << not_executable.err;
}

TEST(Emulator, BadUsageIsExplained) {
  auto no_bootstrap = run({"--events", "x"});
  EXPECT_EQ(no_bootstrap.status.code, 2);
  EXPECT_NE(no_bootstrap.err.find("after '--'"), std::string::npos);
  EXPECT_NE(no_bootstrap.err.find("usage:"), std::string::npos);
  auto bad_count = run({"--concurrency", "0", "--", echo});
  EXPECT_NE(bad_count.err.find("--concurrency wants a whole number from 1 to 1600"), std::string::npos);
  auto public_address = run({"--serve", "0.0.0.0:9000", "--", echo});
  EXPECT_EQ(public_address.status.code, 2);
  EXPECT_NE(public_address.err.find("not a numeric loopback address"), std::string::npos) << public_address.err;
  auto runtime_api = run({"--env", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "--", echo});
  EXPECT_EQ(runtime_api.status.code, 2);
  EXPECT_NE(runtime_api.err.find("--env cannot set AWS_LAMBDA_RUNTIME_API"), std::string::npos) << runtime_api.err;
  auto no_value = run({"--env", "GREETING", "--", echo});
  EXPECT_EQ(no_value.status.code, 2);
  EXPECT_NE(no_value.err.find("--env wants NAME=value, not 'GREETING'"), std::string::npos) << no_value.err;
}

// As AWS's documentation and the console show test events: indented over many lines.
const std::string pretty_event = R"({
  "order": {
    "id": "A-1001",
    "items": [
      {"sku": "SKU-1", "qty": 2}
    ]
  },
  "note": "caf\u00e9\nau lait"
})";

TEST(Emulator, OneEventMayBePrettyPrintedAndRepeated) {
  temp_file file("\n" + pretty_event + "\n");
  auto result = run({"--event", file.path(), "--repeat", "2", "--", echo});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 2u) << result.err;
  for (const std::string& line : result.lines) {
    EXPECT_EQ(text_field(line, "/status"), "ok") << line;
    // The bootstrap got the document as written: echo answers it byte for byte.
    EXPECT_EQ(text_field(line, "/responseText"), pretty_event) << line;
  }
}

TEST(Emulator, TheSampleApiGatewayEventReachesTheHttpExample) {
  // Found beside this file, as events_test finds the samples (the suites run from the project's root).
  const auto sample = std::filesystem::path(__FILE__).parent_path() / ".." / "examples/events/http/apigw-v2.json";
  auto result = run({"--event", sample.string(), "--", http_api});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 1u) << result.err;
  EXPECT_EQ(field(result.lines[0], "/response/statusCode"), "200") << result.lines[0];
  auto body = json::find_string(result.lines[0], "/response/body");
  ASSERT_TRUE(body) << result.lines[0];
  EXPECT_EQ(text_field(*body, "/source"), "apigw_v2");
  EXPECT_EQ(text_field(*body, "/lang"), "fr");
}

TEST(Emulator, EnvironmentEntriesAndTheHandlerReachTheBootstrap) {
  temp_file file(R"({"getenv": ["GREETING", "EMPTY", "AWS_REGION", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME"]})");
  auto result = run({"--env", "GREETING=hello world", "--env", "EMPTY=", "--env", "AWS_REGION=eu-west-3",
                     "--handler", "app.handler", "--function-name", "greeter", "--event", file.path(), "--", probe},
                    {"AWS_REGION=us-west-2"});
  EXPECT_EQ(result.status.code, 0) << result.err;
  ASSERT_EQ(result.lines.size(), 1u) << result.err;
  EXPECT_EQ(field(result.lines[0], "/response"),
            R"({"GREETING":"hello world","EMPTY":"","AWS_REGION":"eu-west-3","_HANDLER":"app.handler",)"
            R"("AWS_LAMBDA_FUNCTION_NAME":"greeter"})");
}

// Serve mode with these options, "--" and the bootstrap.
test::served_emulator serve(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), {emulator, "--serve"});
  return test::served_emulator(std::move(args), std::move(env), wait);
}

std::string invoke_request(const std::string& body) {
  return test::post_request("/2015-03-31/functions/function/invocations", body);
}

TEST(Emulator, ServeModeAnswersConcurrentClientsAndQueuesTheOverflow) {
  test::served_emulator served = serve({"--concurrency", "2", "--", echo});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  std::vector<std::unique_ptr<test::raw_http_client>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<test::raw_http_client>(served.address()));
    clients.back()->send(invoke_request(R"({"sleep_ms":50,"client":)" + std::to_string(i) + "}"));
  }
  for (int i = 0; i < 6; ++i) {
    auto answer = clients[static_cast<std::size_t>(i)]->read_answer(wait);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->body, R"({"sleep_ms":50,"client":)" + std::to_string(i) + "}");
    EXPECT_FALSE(answer->has_header("X-Amz-Function-Error"));
    EXPECT_FALSE(answer->header("X-Amzn-RequestId").empty());
  }
  clients[0]->send(invoke_request(R"({"fail":true})"));
  auto failed = clients[0]->read_answer(wait);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 200);
  EXPECT_EQ(failed->header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(text_field(failed->body, "/errorMessage"), "requested failure");

  clients[1]->send("GET /2015-03-31/functions/function/invocations HTTP/1.1\r\n\r\n");
  EXPECT_EQ(clients[1]->read_answer(wait)->status, 405);
  clients[1]->send(test::post_request("/elsewhere", "{}"));
  EXPECT_EQ(clients[1]->read_answer(wait)->status, 404);

  served.process().signal(SIGINT);
  auto status = served.process().wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << served.process().stderr_text();
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err, "7 invocations, 1 failed", wait))
      << served.process().stderr_text();
  EXPECT_EQ(split_lines(served.process().stdout_text()).size(), 7u);
}

TEST(Emulator, ServeModeTimesOutAnInvocation) {
  test::served_emulator served = serve({"--timeout", "0.1", "--", echo});
  ASSERT_FALSE(served.address().empty());
  test::raw_http_client client(served.address());
  client.send(invoke_request(R"({"sleep_ms":300})"));
  auto answer = client.read_answer(wait);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(text_field(answer->body, "/errorType"), "Sandbox.Timedout");
  EXPECT_EQ(text_field(answer->body, "/errorMessage"), "Task timed out after 0.10 seconds");
}

std::optional<test::raw_answer> invoke(test::raw_http_client& client, const std::string& body) {
  client.send(invoke_request(body));
  return client.read_answer(wait);
}

// Stops the emulator as Ctrl-C does; returns its exit status.
int interrupt(test::served_emulator& served) {
  served.process().signal(SIGINT);
  auto status = served.process().wait_exit(wait);
  return status ? status->code : -1;
}

TEST(Emulator, ServeModeRestartsABootstrapThatExitedAndKeepsWhatWasQueuedForTheNewOne) {
  test::fifo gate;
  test::served_emulator served = serve({"--", probe});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  test::raw_http_client first(served.address()), held(served.address()), queued(served.address()),
      other(served.address());
  auto before = invoke(first, R"({"pid":true})");
  ASSERT_TRUE(before);
  const std::string first_pid = field(before->body, "/pid");
  ASSERT_EQ(invoke(other, R"({"no":"op"})")->status, 200);

  // In flight until the gate opens, then the bootstrap exits with status 3.
  held.send(invoke_request(R"({"announce":"holding","read_fifo":")" + gate.path() + R"(","exit":3})"));
  ASSERT_TRUE(served.process().wait_output(child_process::stream::err, "holding", wait));
  // Classic Lambda runs one invocation at a time: this one waits in line. The endpoint serves
  // both connections (each accepted already) from one loop, so once `other` has its 404, the
  // invoke sent before it on `queued` was queued too.
  queued.send(invoke_request(R"({"pid":true})"));
  other.send(test::post_request("/elsewhere", "{}"));
  ASSERT_EQ(other.read_answer(wait)->status, 404);
  gate.release(1);

  auto exited = held.read_answer(wait);
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->status, 200);
  EXPECT_EQ(exited->header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(text_field(exited->body, "/errorType"), "Runtime.ExitError");
  EXPECT_EQ(text_field(exited->body, "/errorMessage"), "Runtime exited with error: exit status 3");
  auto after = queued.read_answer(wait);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_FALSE(after->has_header("X-Amz-Function-Error")) << after->body;
  EXPECT_NE(field(after->body, "/pid"), first_pid) << "the same bootstrap answered";
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err,
                                           "lambda-emulator: bootstrap: exited with status 3; starting it again\n", wait))
      << served.process().stderr_text();

  EXPECT_EQ(interrupt(served), 1);
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err, "; 1 exit while serving\n", wait))
      << served.process().stderr_text();
}

TEST(Emulator, ServeModeRestartsABootstrapKilledByASignalAndFailsItsInvocationWithExitError) {
  // This bootstrap takes one event, then dies by SIGSEGV without answering it.
  test::served_emulator served = serve({"--", "/bin/bash", "-c", crashing_runtime});
  ASSERT_FALSE(served.address().empty());
  test::raw_http_client client(served.address());
  for (int start = 1; start <= 2; ++start) {
    auto answer = invoke(client, "{}");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->header("X-Amz-Function-Error"), "Unhandled");
    EXPECT_EQ(text_field(answer->body, "/errorType"), "Runtime.ExitError");
    EXPECT_EQ(text_field(answer->body, "/errorMessage"),
              "Runtime exited with error: killed by signal 11 (SIGSEGV)");
  }
  // Each took an invocation, so each was started again at once.
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err,
                                           "bootstrap: killed by signal 11 (SIGSEGV); starting it again\n", wait));
  EXPECT_EQ(test::count_of(served.process().stderr_text(), "; starting it again\n"), 2u)
      << served.process().stderr_text();
  EXPECT_EQ(interrupt(served), 1);
}

TEST(Emulator, ServeModeRestartsTheEchoExampleAfterItsCrash) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a null store does not fault under ThreadSanitizer";
#endif
  test::served_emulator served = serve({"--", echo}, {"ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:detect_leaks=0"});
  ASSERT_FALSE(served.address().empty());
  test::raw_http_client client(served.address());
  // The runtime's crash report answers the invocation before the process dies.
  auto crashed = invoke(client, R"({"crash":true})");
  ASSERT_TRUE(crashed);
  EXPECT_EQ(crashed->header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(text_field(crashed->body, "/errorType"), "Runtime.SegmentationFault") << crashed->body;
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err,
                                           "bootstrap: killed by signal 11 (SIGSEGV); starting it again\n", wait))
      << served.process().stderr_text();
  auto next = invoke(client, R"({"after":"the crash"})");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, R"({"after":"the crash"})");
  EXPECT_EQ(interrupt(served), 1);
}

TEST(Emulator, ServeModeBacksOffFromABootstrapThatKeepsFailingItsInit) {
  test::served_emulator served = serve({"--", probe}, {"PROBE_INIT=throw"});
  ASSERT_FALSE(served.address().empty());
  test::raw_http_client client(served.address());
  // Whichever start the invoke waited for, that start's init failed: so does the invoke.
  auto answer = invoke(client, "{}");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(text_field(answer->body, "/errorType"), "Function.DatabaseUnreachable");
  const std::string died = "bootstrap: exited with status 1 after an init error: Function.DatabaseUnreachable: "
                           "cannot reach the database; starting it again";
  for (const char* delay : {"\n", " in 0.1 s (2 times in a row before taking an invocation)\n",
                                   " in 0.2 s (3 times in a row before taking an invocation)\n"}) {
    EXPECT_TRUE(served.process().wait_output(child_process::stream::err, died + delay, wait))
        << served.process().stderr_text();
  }
  EXPECT_EQ(interrupt(served), 1);
}

}  // namespace
}  // namespace lambda::emulator
