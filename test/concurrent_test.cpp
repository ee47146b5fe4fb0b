// lambda::run_concurrent end to end: N RICs of a real bootstrap against the project's Runtime
// API server, each on its own connection.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/http_server.hpp"
#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"

namespace lambda::test {
namespace {

using emulator::child_process;
using emulator::post_kind;
using emulator::runtime_api_server;

// These tests stop the function only to check that it exits cleanly. Under ThreadSanitizer
// 1600 RICs take longer than the default 500 ms grace to wind down, and an exit by the grace
// would then be reported as leaked threads; the grace itself is tested in stop_test.
constexpr const char* unhurried_stop = "PROBE_GRACE_MS=20000";

std::vector<std::string> concurrent_env(std::string rics, std::vector<std::string> more = {}) {
  more.push_back("PROBE_MODE=concurrent");
  more.push_back(unhurried_stop);
  more.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + rics);
  return more;
}

// The process's threads by name: RICs are "ric-<k>", and everything else (the main thread, a sanitizer's own) keeps the program's name.
std::map<std::string, std::size_t> threads_of(const child_process& process) {
  std::map<std::string, std::size_t> names;
  const auto tasks = "/proc/" + std::to_string(process.pid()) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    ++names[name.starts_with("ric-") ? "ric" : name];
  }
  return names;
}

std::size_t total(const std::map<std::string, std::size_t>& threads) {
  std::size_t sum = 0;
  for (const auto& [name, count] : threads) sum += count;
  return sum;
}

#if defined(__SANITIZE_THREAD__)
#define LAMBDA_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAMBDA_TEST_TSAN 1
#endif
#endif
#ifdef LAMBDA_TEST_TSAN
// ThreadSanitizer's background thread, started with a process's first thread of its own.
constexpr std::size_t sanitizer_threads = 1;
#else
constexpr std::size_t sanitizer_threads = 0;
#endif

// Stops the function with SIGTERM and expects a clean exit (a sanitizer report would change it).
void expect_clean_stop(child_process& function) {
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stderr_text();
}

class concurrent : public ::testing::TestWithParam<unsigned> {
 protected:
  runtime_api_server server;
};

TEST_P(concurrent, n_rics_poll_on_n_connections_and_run_n_invocations_at_once) {
  const unsigned n = GetParam();
  auto function = start_function(test_function("probe"), server.address(), concurrent_env(std::to_string(n)));
  ASSERT_TRUE(server.wait_parked(n, patience));
  auto parked = server.stats();
  EXPECT_EQ(parked.connections_accepted, n);
  EXPECT_EQ(parked.polls_parked, n);

  // Each invocation waits until all n are in flight: only n parallel handlers can finish them.
  std::vector<std::string> ids;
  for (unsigned i = 0; i < n; ++i) ids.push_back(server.enqueue({.payload = "{\"barrier\":" + std::to_string(n) + "}"}));
  std::set<std::int64_t> rics;
  for (const auto& id : ids) {
    auto done = server.wait_finished(id, patience);
    ASSERT_TRUE(done && done->answer);
    ASSERT_EQ(done->answer->kind, post_kind::response) << done->answer->body;
    rics.insert(lambda::json::find_int(done->answer->body, "/ric").value_or(0));
  }
  EXPECT_EQ(rics.size(), n) << "every RIC ran one of them";
  EXPECT_EQ(*rics.begin(), 1);
  EXPECT_EQ(*rics.rbegin(), static_cast<std::int64_t>(n));

  ASSERT_TRUE(server.wait_parked(n, patience));
  auto after = server.stats();
  EXPECT_EQ(after.connections_accepted, n) << "keep-alive: no RIC reconnected";
  EXPECT_EQ(after.posts, n) << "every invocation answered exactly once";
  auto threads = threads_of(function);
  EXPECT_EQ(threads["ric"], n);
  EXPECT_EQ(total(threads), n + 1 + sanitizer_threads) << "N RICs and the main thread, nothing more";
  expect_clean_stop(function);
}

INSTANTIATE_TEST_SUITE_P(rics, concurrent, ::testing::Values(8u, 64u));

TEST(concurrent_scale, sixteen_hundred_rics_park) {
  // The in-process server holds a descriptor per RIC too: 1600 do not fit a soft limit of 1024.
  ASSERT_GE(emulator::raise_descriptor_limit(), 1600u + 100u) << "the hard RLIMIT_NOFILE is too low for 1600 RICs";
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("1600"));
  ASSERT_TRUE(server.wait_parked(1600, patience));
  EXPECT_EQ(server.stats().connections_accepted, 1600u);
  auto id = server.enqueue({.payload = R"({"scale":1})"});
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->body, R"({"scale":1})");
  expect_clean_stop(function);
}

TEST(concurrent_shared, one_thread_safe_handler_serves_every_ric) {
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("4", {"PROBE_SHARED=1"}));
  ASSERT_TRUE(server.wait_parked(4, patience));
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(server.enqueue({.payload = R"({"barrier":4})"}));
  for (const auto& id : ids) {
    auto done = server.wait_finished(id, patience);
    ASSERT_TRUE(done && done->answer);
    EXPECT_EQ(done->answer->kind, post_kind::response);
  }
  expect_clean_stop(function);
}

TEST(concurrent_per_ric_state, each_ric_counts_its_own_invocations) {
  runtime_api_server server;
  auto function = start_function(example("per-ric-state"), server.address(), {"AWS_LAMBDA_MAX_CONCURRENCY=4"});
  ASSERT_TRUE(server.wait_parked(4, patience));
  std::map<std::int64_t, std::vector<std::int64_t>> counts_by_ric;
  for (int i = 0; i < 40; ++i) {
    auto done = server.wait_finished(server.enqueue({.payload = "{}"}), patience);
    ASSERT_TRUE(done && done->answer);
    const auto& body = done->answer->body;
    counts_by_ric[lambda::json::find_int(body, "/ric").value_or(0)].push_back(
        lambda::json::find_int(body, "/invocations_on_this_ric").value_or(0));
  }
  std::int64_t total_invocations = 0;
  for (const auto& [ric, counts] : counts_by_ric) {
    EXPECT_GE(ric, 1);
    EXPECT_LE(ric, 4);
    for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(counts[i], static_cast<std::int64_t>(i + 1));
    total_invocations += static_cast<std::int64_t>(counts.size());
  }
  EXPECT_EQ(total_invocations, 40);
  expect_clean_stop(function);
}

TEST(concurrent_context, carries_the_trace_id_and_never_sets_the_process_variable) {
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("2"));
  auto id = server.enqueue({.payload = R"({"context":true})", .trace_id = "Root=1-abc"});
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(lambda::json::find_string(done->answer->body, "/trace_id").value_or(""), "Root=1-abc");
  EXPECT_EQ(lambda::json::find(done->answer->body, "/trace_env").value_or(""), "null");
  EXPECT_TRUE(lambda::json::find_bool(done->answer->body, "/this_invocation_matches").value_or(false));
  expect_clean_stop(function);
}

TEST(concurrent_fatal, a_500_on_one_ric_stops_them_all_and_is_logged_once) {
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("8"));
  ASSERT_TRUE(server.wait_parked(8, patience));
  server.enqueue({.payload = "{}", .post_status = 500});
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 1);
  const auto out = function.stdout_text();
  EXPECT_EQ(count_of(out, "FATAL"), 1u) << out;
  EXPECT_EQ(count_of(out, "answered 500"), 1u) << out;
}

TEST(concurrent_one, runs_inline_without_threads_and_stops_on_sigterm) {
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("1"));
  ASSERT_TRUE(server.wait_parked(1, patience));
  EXPECT_EQ(total(threads_of(function)), 1u);
  auto id = server.enqueue({.payload = R"({"context":true,"trace":1})", .trace_id = "Root=1-one"});
  auto done = server.wait_finished(id, patience);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(lambda::json::find_string(done->answer->body, "/trace_env").value_or(""), "Root=1-one")
      << "with one invocation at a time the variable is still right";
  ASSERT_TRUE(server.wait_parked(1, patience));
  EXPECT_EQ(total(threads_of(function)), 1u);
  expect_clean_stop(function);
}

struct setting_case {
  const char* name;
  const char* value;  // nullptr: unset
  unsigned rics;
  const char* warning;  // expected in the log, or nullptr for none
};

class concurrency_setting : public ::testing::TestWithParam<setting_case> {};

TEST_P(concurrency_setting, decides_the_number_of_rics) {
  runtime_api_server server;
  std::vector<std::string> env = {"PROBE_MODE=concurrent", unhurried_stop};
  if (GetParam().value) env.push_back(std::string("AWS_LAMBDA_MAX_CONCURRENCY=") + GetParam().value);
  auto function = start_function(test_function("probe"), server.address(), env);
  ASSERT_TRUE(server.wait_parked(GetParam().rics, patience));
  EXPECT_EQ(server.stats().connections_accepted, GetParam().rics);
  expect_clean_stop(function);
  EXPECT_EQ(server.stats().connections_accepted, GetParam().rics);
  if (GetParam().warning) {
    EXPECT_NE(function.stdout_text().find(GetParam().warning), std::string::npos) << function.stdout_text();
  } else {
    EXPECT_EQ(function.stdout_text().find("WARN"), std::string::npos) << function.stdout_text();
  }
}

INSTANTIATE_TEST_SUITE_P(
    values, concurrency_setting,
    ::testing::Values(setting_case{"unset", nullptr, 1, nullptr}, setting_case{"empty", "", 1, nullptr},
                      setting_case{"three", "3", 3, nullptr},
                      setting_case{"zero", "0", 1, "is below 1"},
                      setting_case{"negative", "-4", 1, "is not a number"},
                      setting_case{"junk", "8x", 1, "is not a number"},
                      setting_case{"spaces", " 8", 1, "is not a number"},
                      setting_case{"above_the_maximum", "99999999999999999999", 1600, "above the platform's maximum"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(concurrent_limits, too_few_descriptors_is_a_clear_init_error) {
  runtime_api_server server;
  child_process function({.argv = {"/usr/bin/prlimit", "--nofile=128:128", "--", test_function("probe")},
                          .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(), "PROBE_MODE=concurrent",
                                  "AWS_LAMBDA_MAX_CONCURRENCY=500"}});
  auto posted = expect_init_failure(function, server, "Runtime.ResourceLimit");
  const auto message = lambda::json::find_string(posted.body, "/errorMessage").value_or("");
  EXPECT_NE(message.find("RLIMIT_NOFILE"), std::string::npos) << message;
  EXPECT_NE(message.find("500 RICs"), std::string::npos) << message;
}

TEST(concurrent_limits, the_soft_descriptor_limit_is_raised_when_the_hard_one_allows) {
  runtime_api_server server;
  child_process function({.argv = {"/usr/bin/prlimit", "--nofile=128:4096", "--", test_function("probe")},
                          .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(), "PROBE_MODE=concurrent",
                                  "AWS_LAMBDA_MAX_CONCURRENCY=300"}});
  ASSERT_TRUE(server.wait_parked(300, patience));
  expect_clean_stop(function);
}

TEST(concurrent_init, a_throwing_factory_is_an_init_error_before_any_poll) {
  runtime_api_server server;
  auto function = start_function(test_function("probe"), server.address(), concurrent_env("8", {"PROBE_INIT=throw"}));
  expect_init_failure(function, server, "Function.DatabaseUnreachable");
}

}  // namespace
}  // namespace lambda::test
