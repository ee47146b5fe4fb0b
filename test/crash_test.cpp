// Crash reports: real bootstraps that crash in a handler (a null dereference, abort(), a stack
// overflow, a division by zero, a crash on a thread of their own) against the project's Runtime
// API server. The crashing invocation is answered with a Runtime.* error before the process dies
// of the signal, and one FATAL record says what happened.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"

namespace lambda::test {
namespace {

using emulator::child_process;
using emulator::post_kind;
using emulator::runtime_api_server;

// Sanitizer runtimes would take the signal for a report of their own and exit 1; these tests
// are about the runtime's report and the process dying of the signal.
const std::string sanitizers_step_aside =
    "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0:"
    "detect_leaks=0";

std::vector<std::string> crash_env(std::vector<std::string> more = {}) {
  more.push_back("AWS_LAMBDA_LOG_FORMAT=JSON");
  more.push_back(sanitizers_step_aside);
  return more;
}

// The FATAL records the function wrote.
std::vector<std::string> fatal_records(const std::string& out) {
  std::vector<std::string> records;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"level\":\"FATAL\"") != std::string::npos) records.push_back(line);
  }
  return records;
}

std::string text(std::string_view json, std::string_view pointer) {
  return lambda::json::find_string(json, pointer).value_or("<absent>");
}

std::vector<std::string> strings_at(std::string_view json, std::string_view pointer) {
  std::vector<std::string> out;
  lambda::json::document doc(json);
  for (lambda::json::value v : doc.at(pointer).elements()) out.push_back(v.get_string().value_or("<not a string>"));
  return out;
}

struct crash_case {
  const char* name;
  const char* how;
  int signal;
  const char* error_type;
  const char* signal_name;
  std::vector<std::string> env;
  int rics = 1;
};

class crash : public ::testing::TestWithParam<crash_case> {
 protected:
  runtime_api_server server;
};

TEST_P(crash, is_answered_reported_and_then_kills_the_process_with_its_signal) {
  const crash_case& c = GetParam();
  auto id = server.enqueue({.payload = std::string(R"({"crash":")") + c.how + "\"}"});
  auto function = start_function(test_function("probe"), server.address(), crash_env(c.env));
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, c.signal) << status->describe() << "\n" << function.stdout_text();

  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer) << function.stdout_text();
  EXPECT_EQ(done->answer->kind, post_kind::error);
  EXPECT_EQ(done->answer->error_type, c.error_type);
  EXPECT_EQ(text(done->answer->body, "/errorType"), c.error_type);
  EXPECT_EQ(text(done->answer->body, "/errorMessage").rfind(std::string("the handler crashed: ") + c.signal_name, 0), 0u)
      << done->answer->body;

  auto records = fatal_records(function.stdout_text());
  ASSERT_EQ(records.size(), 1u) << function.stdout_text();
  const std::string& record = records[0];
  EXPECT_EQ(text(record, "/requestId"), id);
  EXPECT_EQ(text(record, "/signal"), c.signal_name);
  const auto ric = lambda::json::find_int(record, "/ric").value_or(0);
  EXPECT_GE(ric, 1);
  EXPECT_LE(ric, c.rics);
  EXPECT_EQ(text(record, "/buildId").size(), 40u) << record;
  EXPECT_GE(strings_at(record, "/backtrace").size(), 3u) << record;
  EXPECT_TRUE(strings_at(record, "/inFlight").empty()) << record;
}

INSTANTIATE_TEST_SUITE_P(
    kinds, crash,
    ::testing::Values(
        crash_case{"null_dereference", "null", SIGSEGV, "Runtime.SegmentationFault", "SIGSEGV", {}},
        crash_case{"null_dereference_n1", "null", SIGSEGV, "Runtime.SegmentationFault", "SIGSEGV",
                   {"PROBE_MODE=concurrent"}},
        crash_case{"abort", "abort", SIGABRT, "Runtime.Aborted", "SIGABRT", {}},
        crash_case{"divide_by_zero", "divide", SIGFPE, "Runtime.ArithmeticError", "SIGFPE", {}},
        crash_case{"stack_overflow", "overflow", SIGSEGV, "Runtime.SegmentationFault", "SIGSEGV", {}},
        crash_case{"stack_overflow_on_a_ric_thread", "overflow", SIGSEGV, "Runtime.SegmentationFault", "SIGSEGV",
                   {"PROBE_MODE=concurrent", "AWS_LAMBDA_MAX_CONCURRENCY=2"}, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(crash_report, names_the_crashing_ric_and_every_other_invocation_in_flight) {
  runtime_api_server server;
  fifo gate;
  std::vector<std::string> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(server.enqueue({.payload = R"({"announce":"running-)" + std::to_string(i) + R"(","read_fifo":")" +
                                                 gate.path() + R"("})"}));
  }
  auto function = start_function(test_function("probe"), server.address(),
                                 crash_env({"PROBE_MODE=concurrent", "AWS_LAMBDA_MAX_CONCURRENCY=4"}));
  // Each handler logs once it runs, so its invocation is in the flight table by then.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(function.wait_output(child_process::stream::out, "running-" + std::to_string(i), patience));
  }
  ASSERT_TRUE(server.wait_parked(1, patience));
  auto crashing = server.enqueue({.payload = R"({"crash":"null"})"});
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGSEGV) << status->describe();

  auto done = server.wait_finished(crashing, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->error_type, "Runtime.SegmentationFault");
  for (const auto& id : waiting) {
    auto invocation = server.find(id);
    ASSERT_TRUE(invocation);
    EXPECT_FALSE(invocation->answer) << "only the crashing invocation is answered by its thread";
  }
  auto records = fatal_records(function.stdout_text());
  ASSERT_EQ(records.size(), 1u) << function.stdout_text();
  EXPECT_EQ(text(records[0], "/requestId"), crashing);
  const auto ric = lambda::json::find_int(records[0], "/ric").value_or(0);
  EXPECT_GE(ric, 1);
  EXPECT_LE(ric, 4);
  auto in_flight = strings_at(records[0], "/inFlight");
  std::sort(in_flight.begin(), in_flight.end());
  std::sort(waiting.begin(), waiting.end());
  EXPECT_EQ(in_flight, waiting);
  EXPECT_EQ(text(records[0], "/address"), "0x0");
}

TEST(crash_report, a_crash_on_a_thread_that_runs_no_ric_is_reported_without_an_answer) {
  runtime_api_server server;
  auto id = server.enqueue({.payload = R"({"crash":"thread"})"});
  auto function = start_function(test_function("probe"), server.address(), crash_env());
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGSEGV) << status->describe();
  auto records = fatal_records(function.stdout_text());
  ASSERT_EQ(records.size(), 1u) << function.stdout_text();
  EXPECT_NE(text(records[0], "/message").find("on a thread that runs no RIC"), std::string::npos) << records[0];
  EXPECT_EQ(text(records[0], "/requestId"), "<absent>");
  EXPECT_EQ(strings_at(records[0], "/inFlight"), std::vector<std::string>{id}) << "the RIC that started the thread";
  auto invocation = server.find(id);
  ASSERT_TRUE(invocation);
  EXPECT_FALSE(invocation->answer);
}

TEST(crash_report, the_echo_example_keeps_its_crash_contract) {
  runtime_api_server server;
  auto id = server.enqueue({.payload = R"({"crash":true})"});
  auto function = start_function(example("echo"), server.address(), crash_env());
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGSEGV) << status->describe();
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->error_type, "Runtime.SegmentationFault");
  EXPECT_EQ(text(done->answer->body, "/errorMessage"), "the handler crashed: SIGSEGV (segmentation fault) at address 0x0");
}

TEST(crash_report, text_format_keeps_the_fields_on_the_record_line) {
  runtime_api_server server;
  auto id = server.enqueue({.payload = R"({"crash":"abort"})"});
  auto function = start_function(test_function("probe"), server.address(), {sanitizers_step_aside});
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGABRT);
  const std::string out = function.stdout_text();
  const std::string prefix = "\t" + id + "\tFATAL\tthe handler crashed: SIGABRT (aborted)\t{\"signal\":\"SIGABRT\"";
  EXPECT_EQ(count_of(out, prefix), 1u) << out;
}

}  // namespace
}  // namespace lambda::test
