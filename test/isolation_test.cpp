// isolation::process: real bootstraps whose RICs run in worker processes under a supervisor,
// against the project's Runtime API server. A worker's death costs only its own invocations,
// which the supervisor answers; nothing is lost and nothing is answered twice.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"

namespace lambda::test {
namespace {

using emulator::child_process;
using emulator::invocation_state;
using emulator::post_kind;
using emulator::runtime_api_server;
using emulator::server_stats;

const std::string no_sanitizer_handlers =
    "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";

std::vector<std::string> isolated(int rics, std::vector<std::string> more = {}) {
  more.push_back("PROBE_MODE=concurrent");
  more.push_back("LAMBDA_RIC_ISOLATION=process");
  more.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics));
  more.push_back(no_sanitizer_handlers);
  return more;
}

std::string text(std::string_view json, std::string_view pointer) {
  return lambda::json::find_string(json, pointer).value_or("<absent>");
}

emulator::post answer_of(const runtime_api_server& server, const std::string& id) {
  auto done = server.wait_finished(id, patience);
  if (!done || !done->answer) {
    ADD_FAILURE() << "no answer for " << id;
    return {};
  }
  return *done->answer;
}

// Waits (bounded, without sleeping) until process `pid` has ended.
bool wait_gone(pid_t pid) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd ended{fd, POLLIN, 0};
  const bool gone = ::poll(&ended, 1, static_cast<int>(patience.count())) == 1;
  ::close(fd);
  return gone;
}

class isolation_process : public ::testing::Test {
 protected:
  runtime_api_server server;

  // Gives two workers one probe invocation each, holds both until both run (so no worker takes
  // two), then returns the pids the two answered with.
  std::set<pid_t> pids_of_two_busy_workers() {
    fifo gate;
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(server.enqueue({.payload = R"({"pid":true,"read_fifo":")" + gate.path() + R"("})"}));
    if (!server.wait_until([](const server_stats& s) { return s.running == 2; }, patience)) return {};
    gate.release(2);
    std::set<pid_t> pids;
    for (const auto& id : ids) pids.insert(static_cast<pid_t>(lambda::json::find_int(answer_of(server, id).body, "/pid").value_or(0)));
    return pids;
  }
};

TEST_F(isolation_process, a_crash_costs_only_its_own_invocation_and_a_new_worker_takes_over) {
  fifo gate;
  std::vector<std::string> waiting;
  for (int i = 0; i < 3; ++i) waiting.push_back(server.enqueue({.payload = R"({"read_fifo":")" + gate.path() + R"("})"}));
  auto function = start_function(test_function("probe"), server.address(), isolated(4));
  ASSERT_TRUE(server.wait_until([](const server_stats& s) { return s.running == 3 && s.polls_parked == 1; }, patience));

  auto crashing = server.enqueue({.payload = R"({"crash":"null"})"});
  auto crashed = answer_of(server, crashing);
  EXPECT_EQ(crashed.kind, post_kind::error);
  EXPECT_EQ(crashed.error_type, "Runtime.SegmentationFault");
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "killed by signal 11 (SIGSEGV); starting another",
                                   patience))
      << function.stdout_text();
  // The replacement polls: 4 RICs parked or running again.
  ASSERT_TRUE(server.wait_until([](const server_stats& s) { return s.polls_parked == 1 && s.running == 3; }, patience));

  gate.release(3);
  for (const auto& id : waiting) {
    auto answer = answer_of(server, id);
    EXPECT_EQ(answer.kind, post_kind::response) << "the other workers never noticed";
  }
  std::vector<std::string> later;
  for (int i = 0; i < 8; ++i) later.push_back(server.enqueue({.payload = "{\"n\":" + std::to_string(i) + "}"}));
  for (const auto& id : later) EXPECT_EQ(answer_of(server, id).kind, post_kind::response);
  EXPECT_EQ(server.stats().posts, 12u) << "each invocation answered exactly once";

  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << function.stdout_text();
}

TEST_F(isolation_process, a_worker_that_exits_has_its_invocation_answered_by_the_supervisor) {
  auto exiting = server.enqueue({.payload = R"({"exit":3})"});
  auto function = start_function(test_function("probe"), server.address(), isolated(2));
  auto answer = answer_of(server, exiting);
  EXPECT_EQ(answer.kind, post_kind::error);
  EXPECT_EQ(answer.error_type, "Runtime.ExitError");
  const std::string message = text(answer.body, "/errorMessage");
  EXPECT_EQ(message.rfind("the worker process running RIC ", 0), 0u) << message;
  EXPECT_NE(message.find("exited with status 3"), std::string::npos) << message;
  auto next = server.enqueue({.payload = R"({"after":true})"});
  EXPECT_EQ(answer_of(server, next).body, R"({"after":true})");
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));
  EXPECT_EQ(count_of(function.stdout_text(), "exited with status 3; starting another"), 1u) << function.stdout_text();
}

TEST_F(isolation_process, a_death_after_the_answer_was_posted_is_not_answered_twice) {
  auto function = start_function(test_function("probe"), server.address(),
                                 isolated(1, {"AWS_LAMBDA_LOG_LEVEL=DEBUG"}));
  ASSERT_TRUE(server.wait_parked(1, patience));
  server.hold_posts();
  auto id = server.enqueue({.payload = R"({"pid":true})"});
  // The answer is recorded, but the worker still waits for the server's reply: its slot still
  // shows the invocation when it dies.
  auto answer = answer_of(server, id);
  const auto worker = lambda::json::find_int(answer.body, "/pid");
  ASSERT_TRUE(worker) << answer.body;
  ASSERT_NE(*worker, function.pid());
  ::kill(static_cast<pid_t>(*worker), SIGKILL);
  ASSERT_TRUE(wait_gone(static_cast<pid_t>(*worker)));
  server.release_posts();
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "POST /error for " + id + " answered 400", patience))
      << function.stdout_text();
  auto done = server.find(id);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->kind, post_kind::response) << "the first answer stands";
  const std::string out = function.stdout_text();
  EXPECT_EQ(count_of(out, "\tDEBUG\tPOST /error for " + id + " answered 400"), 1u) << "logged at debug level\n" << out;
  auto next = server.enqueue({.payload = R"({"after":true})"});
  EXPECT_EQ(answer_of(server, next).kind, post_kind::response);
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));
}

TEST_F(isolation_process, a_worker_dying_at_start_up_backs_off_and_sigterm_during_a_restart_exits_0) {
  auto function = start_function(test_function("probe"), server.address(), isolated(1, {"PROBE_INIT=crash"}));
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "died at start-up 3 time(s) in a row; next start in 400 ms",
                                   patience))
      << function.stdout_text();
  const std::string out = function.stdout_text();
  EXPECT_EQ(count_of(out, "died at start-up 1 time(s) in a row; next start in 100 ms"), 1u) << out;
  EXPECT_EQ(count_of(out, "died at start-up 2 time(s) in a row; next start in 200 ms"), 1u) << out;
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << function.stdout_text();
  EXPECT_EQ(server.stats().polls_parked_peak, 0u);
}

TEST_F(isolation_process, an_init_error_in_a_worker_ends_the_function_with_status_1) {
  auto function = start_function(test_function("probe"), server.address(), isolated(2, {"PROBE_INIT=throw"}));
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1) << status->describe() << function.stdout_text();
  auto posts = server.posts();
  ASSERT_GE(posts.size(), 1u);
  for (const auto& p : posts) EXPECT_EQ(p.kind, post_kind::init_error);
}

TEST_F(isolation_process, sigterm_stops_every_worker_gracefully) {
  fifo gate;
  auto id = server.enqueue({.payload = R"({"read_fifo":")" + gate.path() + R"("})"});
  auto function = start_function(test_function("probe"), server.address(), isolated(3, {"PROBE_GRACE_MS=20000"}));
  ASSERT_TRUE(server.wait_until([](const server_stats& s) { return s.running == 1 && s.polls_parked == 2; }, patience));
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "SIGTERM received: stopping 3 worker process(es)", patience));
  gate.release(1);
  EXPECT_EQ(answer_of(server, id).kind, post_kind::response) << "in flight at SIGTERM, answered within the grace";
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << function.stdout_text();
  EXPECT_EQ(server.stats().posts, 1u);
}

TEST_F(isolation_process, no_worker_outlives_a_killed_supervisor) {
  auto function = start_function(test_function("probe"), server.address(), isolated(2));
  std::set<pid_t> workers = pids_of_two_busy_workers();
  ASSERT_EQ(workers.size(), 2u);
  function.signal(SIGKILL);
  for (pid_t worker : workers) EXPECT_TRUE(wait_gone(worker)) << "worker " << worker << " outlived its supervisor";
}

// One RIC per worker (the default) runs on the worker's main thread: a process that starts no
// thread stays single-threaded for glibc, whose malloc and stdio then take no locks.
TEST_F(isolation_process, a_worker_with_one_ric_starts_no_thread) {
  auto function = start_function(test_function("probe"), server.address(), isolated(2));
  std::set<pid_t> workers = pids_of_two_busy_workers();
  ASSERT_EQ(workers.size(), 2u) << "each worker took one";
  ASSERT_TRUE(server.wait_parked(2, patience));
  for (pid_t worker : workers) {
    const auto tasks = std::distance(std::filesystem::directory_iterator("/proc/" + std::to_string(worker) + "/task"),
                                     std::filesystem::directory_iterator());
    EXPECT_EQ(tasks, 1) << "worker " << worker;
  }
}

TEST_F(isolation_process, the_supervisor_registers_the_extension_once_and_each_worker_runs_the_hooks) {
  auto id = server.enqueue({.payload = R"({"a":1})"});
  auto function = start_function(example("graceful"), server.address(),
                                 {"LAMBDA_RIC_ISOLATION=process", "AWS_LAMBDA_MAX_CONCURRENCY=2"});
  EXPECT_EQ(answer_of(server, id).body, R"({"a":1})");
  ASSERT_TRUE(server.wait_parked(2, patience));
  EXPECT_EQ(server.stats().extensions_registered, 1u) << "registered by the supervisor only";
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
  EXPECT_EQ(count_of(function.stdout_text(), "shutdown hook ran"), 2u) << "once in each worker\n"
                                                                      << function.stdout_text();
}

TEST_F(isolation_process, the_isolated_example_keeps_the_echo_contract) {
  auto plain = server.enqueue({.payload = R"({"a":1})", .content_type = "application/x-test"});
  auto failing = server.enqueue({.payload = R"({"fail":true})"});
  auto crashing = server.enqueue({.payload = R"({"crash":true})"});
  auto after = server.enqueue({.payload = R"({"b":2})"});
  auto function = start_function(example("isolated"), server.address(),
                                 {"AWS_LAMBDA_MAX_CONCURRENCY=2", no_sanitizer_handlers});
  auto a = answer_of(server, plain);
  EXPECT_EQ(a.body, R"({"a":1})");
  EXPECT_EQ(a.content_type, "application/x-test");
  EXPECT_EQ(answer_of(server, failing).error_type, "Function.RuntimeError");
  EXPECT_EQ(answer_of(server, crashing).error_type, "Runtime.SegmentationFault");
  EXPECT_EQ(answer_of(server, after).body, R"({"b":2})");
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
}

}  // namespace
}  // namespace lambda::test
