// Graceful shutdown end to end: the internal extension that makes the platform send SIGTERM, and
// the shutdown hooks run after the invocations in flight. Real bootstraps against the project's
// Runtime API server (which checks the Extensions API calls), and the emulator's choice of
// SIGTERM or SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
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

constexpr std::string_view extension_name = "lambda-ric-cpp-graceful-shutdown";

struct mode {
  const char* name;
  unsigned rics;  // 0: lambda::run (classic); else run_concurrent with N = rics
};

unsigned polls_of(const mode& m) { return m.rics == 0 ? 1 : m.rics; }

std::string held_by(const fifo& gate) { return R"({"read_fifo":")" + gate.path() + "\"}"; }

// Where `needle` first is in `text`, or npos; the failure message shows the text.
std::size_t at(const std::string& text, std::string_view needle) { return text.find(needle); }

class graceful : public ::testing::TestWithParam<mode> {
 protected:
  child_process start(std::vector<std::string> env) {
    if (GetParam().rics > 0) env.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(GetParam().rics));
    return start_function(test_function("hooks"), server.address(), std::move(env));
  }
  // Every RIC parked on /next, and `extension_polls` event/next requests parked too.
  void wait_ready(std::uint64_t extension_polls = 1) {
    const std::uint64_t polls = polls_of(GetParam());
    ASSERT_TRUE(server.wait_until(
        [&](const auto& s) { return s.polls_parked == polls && s.extension_polls_parked == extension_polls; },
        patience))
        << "parked: " << server.stats().polls_parked << " polls, " << server.stats().extension_polls_parked
        << " event/next";
  }
  // Puts `count` invocations in flight, held until `gate` is released.
  std::vector<std::string> hold(const fifo& gate, unsigned count) {
    std::vector<std::string> ids;
    for (unsigned i = 0; i < count; ++i) ids.push_back(server.enqueue({.payload = held_by(gate)}));
    EXPECT_TRUE(server.wait_until([&](const auto& s) { return s.running == count; }, patience));
    return ids;
  }
  static void expect_exit_0(child_process& function) {
    auto status = function.wait_exit(patience);
    ASSERT_TRUE(status) << "still running after the stop";
    EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stdout_text() << function.stderr_text();
  }

  runtime_api_server server;
};

TEST_P(graceful, registers_at_init_with_its_name_and_no_events_then_parks_one_event_next) {
  auto function = start({"HOOKS=log:a"});
  wait_ready();
  auto registrations = server.registrations();
  ASSERT_EQ(registrations.size(), 1u);
  const auto& r = registrations[0];
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.name, extension_name);
  EXPECT_EQ(r.body, R"({"events":[]})");
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.before_first_next) << "registered after the runtime's first /next";
  EXPECT_TRUE(r.user_agent.starts_with("lambda-ric-cpp/")) << r.user_agent;
  EXPECT_EQ(r.polls, 1u);
  EXPECT_NE(r.polled_on, 0u);
  function.signal(SIGTERM);
  expect_exit_0(function);
}

// The parked request is written once and never read: invocations go on other connections and
// add no request to it.
TEST_P(graceful, the_parked_event_next_costs_nothing_per_invocation) {
  auto function = start({"HOOKS=log:a"});
  wait_ready();
  const auto before = server.stats();
  constexpr int invocations = 5;
  for (int i = 0; i < invocations; ++i) {
    auto id = server.enqueue({.payload = R"({"n":)" + std::to_string(i) + "}"});
    auto done = server.wait_finished(id, patience);
    ASSERT_TRUE(done && done->answer);
  }
  wait_ready();
  const auto r = server.registrations().at(0);
  EXPECT_EQ(r.polls, 1u);
  const auto after = server.stats();
  EXPECT_EQ(after.requests - before.requests, 2u * invocations) << "one /next and one answer each";
  EXPECT_EQ(after.requests_per_connection.at(r.polled_on), 1u);
  for (const auto& p : server.posts()) EXPECT_NE(p.connection, r.polled_on) << "an answer on the extension's connection";
  function.signal(SIGTERM);
  expect_exit_0(function);
}

TEST_P(graceful, sigterm_answers_the_invocations_in_flight_then_runs_the_hooks_in_order) {
  auto function = start({"HOOKS=log:first,log:second,log:third"});
  wait_ready();
  fifo gate;
  const unsigned held = std::min(2u, polls_of(GetParam()));
  auto ids = hold(gate, held);
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_output(child_process::stream::out, "SIGTERM received", patience)) << function.stdout_text();
  gate.release(held);
  expect_exit_0(function);
  for (const auto& id : ids) {
    auto done = server.find(id);
    ASSERT_TRUE(done && done->answer) << "an invocation in flight was not answered";
    EXPECT_EQ(done->answer->kind, post_kind::response);
  }
  const auto out = function.stdout_text();
  EXPECT_NE(at(out, "in-flight invocations have 500 ms to finish, then the shutdown hooks"), std::string::npos) << out;
  EXPECT_EQ(count_of(out, "handler released"), held) << out;
  EXPECT_LT(out.rfind("handler released"), at(out, "hook first ran")) << out;
  EXPECT_LT(at(out, "hook first ran"), at(out, "hook second ran")) << out;
  EXPECT_LT(at(out, "hook second ran"), at(out, "hook third ran")) << out;
  EXPECT_NE(at(out, "hook third ran"), std::string::npos) << out;
  for (auto name : {"first", "second", "third"}) EXPECT_EQ(count_of(out, std::string("hook ") + name + " ran"), 1u);
}

TEST_P(graceful, a_throwing_hook_is_logged_and_the_next_one_still_runs) {
  auto function = start({"HOOKS=log:a,throw,log:b"});
  wait_ready();
  function.signal(SIGTERM);
  expect_exit_0(function);
  const auto out = function.stdout_text();
  EXPECT_EQ(count_of(out, "shutdown hook 2 of 3 threw std::runtime_error: the hook failed on purpose"), 1u) << out;
  EXPECT_LT(at(out, "hook a ran"), at(out, "shutdown hook 2 of 3 threw")) << out;
  EXPECT_LT(at(out, "shutdown hook 2 of 3 threw"), at(out, "hook b ran")) << out;
  EXPECT_NE(at(out, "hook b ran"), std::string::npos) << out;
}

TEST_P(graceful, a_hook_still_running_when_the_grace_ends_does_not_hold_the_exit) {
  auto function = start({"HOOKS=log:a,hang,log:b", "HOOKS_GRACE_MS=200"});
  wait_ready();
  function.signal(SIGTERM);
  expect_exit_0(function);
  const auto out = function.stdout_text();
  EXPECT_EQ(count_of(out, "shutdown hook 2 of 3 still running when the 200 ms grace ended; exiting"), 1u) << out;
  EXPECT_NE(at(out, "hook a ran"), std::string::npos) << out;
  EXPECT_EQ(at(out, "hook b ran"), std::string::npos) << out;
}

// The grace covers both: invocations that use it all leave the hooks none, and that is said.
TEST_P(graceful, an_invocation_that_outlives_the_grace_leaves_the_hooks_unrun_and_says_so) {
  auto function = start({"HOOKS=log:a", "HOOKS_GRACE_MS=150", "TSAN_OPTIONS=report_thread_leaks=0"});
  wait_ready();
  fifo never_released;
  hold(never_released, 1);
  function.signal(SIGTERM);
  expect_exit_0(function);
  const auto out = function.stdout_text();
  EXPECT_EQ(count_of(out, "did not finish within the 150 ms grace; exiting without running the 1 shutdown hook(s)"),
            1u)
      << out;
  EXPECT_EQ(at(out, "hook a ran"), std::string::npos) << out;
}

TEST_P(graceful, a_refused_registration_is_logged_and_the_function_runs_on_without_it) {
  for (int refusal : {403, 500, -1}) {
    SCOPED_TRACE("refused with " + std::to_string(refusal));
    runtime_api_server refusing;
    refusing.refuse_registrations(refusal);
    std::vector<std::string> env = {"HOOKS=log:a"};
    if (GetParam().rics > 0) env.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(GetParam().rics));
    auto function = start_function(test_function("hooks"), refusing.address(), env);
    auto id = refusing.enqueue({.payload = R"({"still":"serving"})"});
    auto done = refusing.wait_finished(id, patience);
    ASSERT_TRUE(done && done->answer) << function.stdout_text();
    EXPECT_EQ(done->answer->body, R"({"still":"serving"})");
    const auto registrations = refusing.registrations();
    ASSERT_EQ(registrations.size(), 1u);
    EXPECT_EQ(registrations[0].status, refusal < 0 ? 0 : refusal);
    EXPECT_EQ(refusing.stats().extension_polls_parked, 0u);
    EXPECT_EQ(refusing.stats().init_errors, 0u);
    // The output is read by a helper thread: once the function exited, all of it is there.
    function.signal(SIGTERM);
    expect_exit_0(function);
    const auto out = function.stdout_text();
    EXPECT_EQ(count_of(out, "graceful shutdown is off: the internal extension could not register"), 1u) << out;
    EXPECT_NE(at(out, refusal < 0 ? "failed:" : "was answered " + std::to_string(refusal)), std::string::npos) << out;
  }
}

TEST_P(graceful, a_required_extension_that_is_refused_fails_the_init) {
  server.refuse_registrations(403);
  auto function = start({"HOOKS_GRACEFUL=required"});
  auto post = expect_init_failure(function, server, "Runtime.ExtensionRegistrationFailed");
  EXPECT_NE(post.body.find("graceful shutdown is required"), std::string::npos) << post.body;
}

TEST_P(graceful, the_enabled_mode_registers_without_a_hook) {
  auto function = start({"HOOKS_GRACEFUL=enabled"});
  wait_ready();
  ASSERT_EQ(server.registrations().size(), 1u);
  EXPECT_EQ(server.registrations()[0].status, 200);
  function.signal(SIGTERM);
  expect_exit_0(function);
}

TEST_P(graceful, a_function_that_asks_for_nothing_registers_nothing) {
  auto function = start({});
  wait_ready(0);
  EXPECT_TRUE(server.registrations().empty());
  EXPECT_EQ(server.stats().requests, polls_of(GetParam())) << "only the RICs' polls";
  function.signal(SIGTERM);
  expect_exit_0(function);
}

INSTANTIATE_TEST_SUITE_P(modes, graceful,
                         ::testing::Values(mode{"run", 0}, mode{"run_concurrent_1", 1}, mode{"run_concurrent_4", 4}),
                         [](const auto& info) { return std::string(info.param.name); });

// The emulator stops a bootstrap as Lambda does: SIGKILL when no extension registered, SHUTDOWN
// and SIGTERM when one did.
struct emulator_run {
  emulator::exit_status status;
  std::vector<std::string> lines;  // stdout: one report per event
  std::string err;
};

emulator_run run_emulator(const std::string& bootstrap, std::vector<std::string> options, const std::string& events) {
  char name[] = "/tmp/extension-test-XXXXXX";
  const int fd = ::mkstemp(name);
  ::close(fd);
  std::ofstream(name) << events;
  std::vector<std::string> argv = {std::string(LAMBDA_TEST_BUILD_DIR) + "/lambda-emulator", "--events", name};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"--", bootstrap});
  child_process emulator({.argv = argv, .env = {"PATH=/usr/bin:/bin"}});
  auto status = emulator.wait_exit(patience);
  std::remove(name);
  if (!status) {
    ADD_FAILURE() << "the emulator did not finish";
    return {};
  }
  emulator.wait_output(child_process::stream::err, "\n", std::chrono::seconds(1));
  emulator_run out{*status, {}, emulator.stderr_text()};
  std::istringstream lines(emulator.stdout_text());
  for (std::string line; std::getline(lines, line);) out.lines.push_back(line);
  return out;
}

TEST(graceful_emulator, a_bootstrap_without_an_extension_is_stopped_with_sigkill_and_the_summary_says_so) {
  auto result = run_emulator(example("echo"), {}, "{\"a\":1}\n");
  EXPECT_EQ(result.status.code, 0) << result.err;
  EXPECT_NE(result.err.find("bootstrap: no extension registered: SIGKILL"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("SIGTERM"), std::string::npos) << result.err;
}

// The graceful example's fixed contract: echo's answers, and one INFO record "shutdown hook ran"
// once the emulator stops it with SIGTERM, at either concurrency.
TEST(graceful_emulator, the_graceful_example_echoes_and_its_hook_runs_once_after_sigterm) {
  const std::string events = "{\"a\":1}\n{\"sleep_ms\":20,\"b\":\"x\"}\n{\"fail\":true}\n";
  for (std::vector<std::string> options : {std::vector<std::string>{"--log-format", "JSON"},
                                           std::vector<std::string>{"--concurrency", "4"}}) {
    SCOPED_TRACE(options[0]);
    auto result = run_emulator(example("graceful"), options, events);
    ASSERT_EQ(result.lines.size(), 3u) << result.err;
    EXPECT_EQ(json::find(result.lines[0], "/response").value_or(""), R"({"a":1})");
    EXPECT_EQ(json::find(result.lines[1], "/response").value_or(""), R"({"sleep_ms":20,"b":"x"})");
    EXPECT_EQ(json::find_string(result.lines[2], "/errorMessage").value_or(""), "requested failure") << result.lines[2];
    EXPECT_NE(result.err.find("after SIGTERM (an extension registered)"), std::string::npos) << result.err;
    EXPECT_EQ(count_of(result.err, R"("level":"INFO","message":"shutdown hook ran")"), 1u) << result.err;
  }
}

}  // namespace
}  // namespace lambda::test
