// The stop, end to end and the same in every mode: SIGTERM or SIGINT ends the polls, every
// invocation already received is answered within the grace, the process exits 0. Real
// bootstraps against the project's Runtime API server, with what users' programs contain:
// threads started before the runtime, handlers that start child processes.
#include <gtest/gtest.h>
#include <signal.h>

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

struct mode {
  const char* name;
  unsigned rics;  // 0: lambda::run (classic); else run_concurrent with N = rics
};

std::vector<std::string> env_for(const mode& m, std::vector<std::string> more = {}) {
  if (m.rics > 0) {
    more.push_back("PROBE_MODE=concurrent");
    more.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(m.rics));
  }
  return more;
}

unsigned polls_of(const mode& m) { return m.rics == 0 ? 1 : m.rics; }

std::string held_by(const fifo& gate) { return R"({"read_fifo":")" + gate.path() + "\"}"; }

// A signal set from /proc/PID/status ("SigBlk:\t0000000000004002"); all ones when absent.
unsigned long long signal_set(const std::string& status, std::string_view name) {
  const auto at = status.find(name);
  if (at == std::string::npos) return ~0ull;
  return std::stoull(status.substr(at + name.size()), nullptr, 16);
}

// SIGTERM while an invocation runs: it is answered, no poll is sent after the signal (an event
// queued then stays queued: nothing delivered is abandoned), and the process exits 0.
void expect_graceful_stop(runtime_api_server& server, child_process& function, const mode& m, fifo& gate,
                          const std::string& held, int signal) {
  function.signal(signal);
  ASSERT_TRUE(function.wait_output(child_process::stream::out, signal == SIGINT ? "SIGINT received" : "SIGTERM received",
                                   patience)) << function.stdout_text();
  // Every parked poll has been cut: an event queued now can only be delivered by a new poll.
  ASSERT_TRUE(server.wait_until([](const auto& s) { return s.polls_parked == 0; }, patience));
  auto late = server.enqueue({.payload = R"({"late":true})"});
  gate.release(1);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status) << "still running after the stop";
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stdout_text() << function.stderr_text();
  auto done = server.find(held);
  ASSERT_TRUE(done && done->answer) << "the invocation in flight was not answered";
  EXPECT_EQ(done->answer->kind, post_kind::response);
  auto stats = server.stats();
  EXPECT_EQ(stats.posts, 1u);
  EXPECT_EQ(stats.requests, polls_of(m) + 1) << "a poll went out after the stop";
  EXPECT_EQ(stats.queued, 1u) << "the event queued after the stop was delivered";
  EXPECT_FALSE(server.find(late)->answer);
}

class stop : public ::testing::TestWithParam<mode> {
 protected:
  child_process start(std::vector<std::string> env = {}) {
    return start_function(test_function("probe"), server.address(), env_for(GetParam(), std::move(env)));
  }
  // Waits until each RIC is parked.
  void wait_ready() { ASSERT_TRUE(server.wait_parked(polls_of(GetParam()), patience)); }

  // Puts one invocation in flight, held until `gate` is released; returns its id.
  std::string hold_one(const fifo& gate) {
    auto id = server.enqueue({.payload = held_by(gate)});
    EXPECT_TRUE(server.wait_until([](const auto& s) { return s.running == 1; }, patience));
    return id;
  }

  // The whole scenario: start with `env`, hold one invocation, stop with `signal`.
  void expect_graceful_stop_with(std::vector<std::string> env, int signal = SIGTERM) {
    fifo gate;
    auto function = start(std::move(env));
    wait_ready();
    auto held = hold_one(gate);
    expect_graceful_stop(server, function, GetParam(), gate, held, signal);
  }

  runtime_api_server server;
};

TEST_P(stop, sigterm_answers_the_invocation_in_flight_polls_no_more_and_exits_0) { expect_graceful_stop_with({}); }

TEST_P(stop, sigint_stops_the_same_way) { expect_graceful_stop_with({}, SIGINT); }

// An SDK client or a metrics exporter starts threads before the runtime does: SIGTERM may be
// delivered to any of them, and must still stop the runtime gracefully.
TEST_P(stop, a_thread_started_in_main_before_the_runtime_does_not_change_the_stop) {
  expect_graceful_stop_with({"PROBE_EARLY_THREAD=main"});
}

TEST_P(stop, a_thread_started_in_the_factory_does_not_change_the_stop) {
  expect_graceful_stop_with({"PROBE_EARLY_THREAD=factory"});
}

TEST_P(stop, sigterm_while_every_ric_is_parked_exits_0_at_once) {
  auto function = start();
  wait_ready();
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stdout_text();
  EXPECT_EQ(server.stats().requests, polls_of(GetParam()));
}

// A handler still running when the grace ends does not hold the exit, in every mode.
TEST_P(stop, a_handler_past_the_grace_does_not_hold_the_exit) {
  fifo never_released;
  // Exiting with a thread stuck in user code is the point here, so ThreadSanitizer's report of
  // that unjoined thread is expected; every other report still fails the test.
  auto function = start({"PROBE_GRACE_MS=150", "TSAN_OPTIONS=report_thread_leaks=0"});
  wait_ready();
  hold_one(never_released);
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status) << "the grace was not enforced";
  EXPECT_TRUE(status->success()) << status->describe() << function.stderr_text();
  const auto out = function.stdout_text();
  EXPECT_EQ(count_of(out, "SIGTERM received: stopping the polls; in-flight invocations have 150 ms"), 1u) << out;
  EXPECT_EQ(count_of(out, "did not finish within the 150 ms grace; exiting"), 1u) << out;
}

// A signal the user ignores stays ignored (here set up with SA_SIGINFO, whose handler field is
// still SIG_IGN); SIGTERM still stops the runtime.
TEST_P(stop, a_signal_the_user_ignores_stays_ignored) {
  auto function = start({"PROBE_USER_SIGNALS=ignore_sigint"});
  wait_ready();
  function.signal(SIGINT);
  auto id = server.enqueue({.payload = R"({"after":"SIGINT"})"});
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer) << "SIGINT stopped or killed the function\n" << function.stdout_text();
  EXPECT_EQ(function.stdout_text().find("SIGINT received"), std::string::npos);
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
}

// A SIGTERM handler the user installed before calling the runtime still runs, after the stop.
TEST_P(stop, the_users_own_sigterm_handler_still_runs) {
  fifo gate;
  auto function = start({"PROBE_USER_SIGNALS=handle_sigterm"});
  wait_ready();
  auto held = hold_one(gate);
  expect_graceful_stop(server, function, GetParam(), gate, held, SIGTERM);
  EXPECT_NE(function.stdout_text().find("the user's SIGTERM handler ran"), std::string::npos) << function.stdout_text();
}

// milliseconds::max() means "wait for them": it must not overflow into "exit at once".
TEST_P(stop, an_unbounded_grace_waits_for_the_invocation_in_flight) { expect_graceful_stop_with({"PROBE_GRACE_MS=max"}); }

// Without the grace timer (timer_create fails when no signal may be queued) the stop still works.
TEST_P(stop, works_when_the_grace_timer_cannot_be_made) {
  child_process function({.argv = {"/usr/bin/prlimit", "--sigpending=0", "--", test_function("probe")},
                          .env = env_for(GetParam(), {"AWS_LAMBDA_RUNTIME_API=" + server.address()})});
  ASSERT_TRUE(server.wait_parked(polls_of(GetParam()), patience));
  fifo gate;
  auto held = hold_one(gate);
  expect_graceful_stop(server, function, GetParam(), gate, held, SIGTERM);
  EXPECT_NE(function.stdout_text().find("the shutdown grace cannot be enforced"), std::string::npos)
      << function.stdout_text();
}

// Processes a handler starts see the signal mask and dispositions the user's main had: SIGTERM
// and SIGINT neither blocked nor ignored.
TEST_P(stop, child_processes_of_handlers_can_be_stopped_with_sigterm) {
  auto function = start();
  wait_ready();
  auto id = server.enqueue({.payload = R"({"child_signals":true})"});
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  const auto child = lambda::json::find_string(done->answer->body, "/child").value_or("");
  constexpr unsigned long long sigterm_and_sigint = (1ull << (SIGTERM - 1)) | (1ull << (SIGINT - 1));
  EXPECT_EQ(signal_set(child, "SigBlk:") & sigterm_and_sigint, 0u) << child;
  EXPECT_EQ(signal_set(child, "SigIgn:") & (1ull << (SIGTERM - 1)), 0u) << child;

  // What users do: an ffmpeg-style child under timeout(1), which stops it with SIGTERM.
  id = server.enqueue({.payload = R"({"child_timeout":true})"});
  done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(lambda::json::find_int(done->answer->body, "/exit").value_or(0), 124) << done->answer->body;
  EXPECT_LT(lambda::json::find_int(done->answer->body, "/ms").value_or(99999), 10000) << done->answer->body;
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));
}

// At scale-in the platform answers pending polls 500 while it stops the runtime: after a stop
// began that is the end of the poll, not a fatal error. The process is frozen so that the 500
// and SIGTERM are both waiting when it resumes; the signal is handled first.
// One thread only: with several, which one handles the signal and which reads its 500 first on
// resuming is not fixed, and the test would be a race.
class stop_one_ric : public stop {};

TEST_P(stop_one_ric, a_poll_answered_500_after_the_stop_began_is_not_fatal) {
  auto function = start();
  wait_ready();
  function.signal(SIGSTOP);
  server.fail_polls(500);
  ASSERT_TRUE(server.wait_until([](const auto& s) { return s.polls_parked == 0; }, patience));
  function.signal(SIGTERM);
  function.signal(SIGCONT);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stdout_text();
  EXPECT_EQ(function.stdout_text().find("FATAL"), std::string::npos) << function.stdout_text();
}

INSTANTIATE_TEST_SUITE_P(modes, stop,
                         ::testing::Values(mode{"run", 0}, mode{"run_concurrent_1", 1}, mode{"run_concurrent_8", 8}),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(modes, stop_one_ric, ::testing::Values(mode{"run", 0}, mode{"run_concurrent_1", 1}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lambda::test
