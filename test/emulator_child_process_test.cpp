// The child-process helper, with /bin/sh as the child.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <future>
#include <system_error>

#include "../tools/emulator/child_process.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;
constexpr auto wait = 10s;

child_options shell(std::string script, std::vector<std::string> env = {}) {
  return {.argv = {"/bin/sh", "-c", std::move(script)}, .env = std::move(env)};
}

TEST(ChildProcess, CapturesBothStreamsAndTheExitStatus) {
  child_process child(shell("echo out; echo err >&2; exit 3"));
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(status->signal, 0);
  EXPECT_FALSE(status->success());
  EXPECT_EQ(status->describe(), "exited with status 3");
  EXPECT_TRUE(child.wait_output(child_process::stream::out, "out\n", wait));
  EXPECT_TRUE(child.wait_output(child_process::stream::err, "err\n", wait));
}

TEST(ChildProcess, GetsExactlyTheEnvironmentGiven) {
  child_process child(shell("echo \"[$GREETING][$HOME]\"", {"GREETING=hello there"}));
  EXPECT_TRUE(child.wait_output(child_process::stream::out, "[hello there][]", wait));
  EXPECT_TRUE(child.wait_exit(wait));
}

TEST(ChildProcess, IsNeverBlockedByAFullPipe) {
  // 80 KB, more than a pipe holds: the child finishes only if the helper keeps draining.
  child_process child(shell("i=0; while [ $i -lt 2000 ]; do echo 0123456789012345678901234567890123456789; "
                            "i=$((i+1)); done; echo end"));
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success());
  ASSERT_TRUE(child.wait_output(child_process::stream::out, "end\n", wait));
  EXPECT_EQ(child.stdout_text().size(), 2000u * 41u + 4u);
}

TEST(ChildProcess, SignalsReachTheChild) {
  child_process child(shell("trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.01; done"));
  ASSERT_TRUE(child.wait_output(child_process::stream::out, "ready", wait));
  EXPECT_FALSE(child.status());
  child.signal(SIGTERM);
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 7);
  EXPECT_TRUE(child.wait_output(child_process::stream::out, "got-term", wait));
}

TEST(ChildProcess, ReportsDeathBySignal) {
  child_process child(shell("kill -KILL $$"));
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGKILL);
  EXPECT_EQ(status->describe(), "killed by signal 9 (SIGKILL)");
}

TEST(ChildProcess, WaitExitTimesOutWhileTheChildRuns) {
  child_process child(shell("echo ready; exec sleep 30"));
  ASSERT_TRUE(child.wait_output(child_process::stream::out, "ready", wait));
  EXPECT_FALSE(child.wait_exit(20ms));
}

TEST(ChildProcess, DestructionKillsAndReapsTheChild) {
  pid_t pid;
  {
    child_process child(shell("echo ready; exec sleep 30"));
    ASSERT_TRUE(child.wait_output(child_process::stream::out, "ready", wait));
    pid = child.pid();
  }
  // Reaped: the pid no longer names a process (not even a zombie) of ours.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcess, CallsOnExitOnceReaped) {
  std::promise<int> code;
  child_options options = shell("exit 5");
  options.on_exit = [&](const exit_status& s) { code.set_value(s.code); };
  child_process child(std::move(options));
  auto reported = code.get_future();
  ASSERT_EQ(reported.wait_for(wait), std::future_status::ready);
  EXPECT_EQ(reported.get(), 5);
}

TEST(ChildProcess, StartsWithNoSignalIgnored) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  sigaction(SIGTERM, &ignore, &previous);
  child_process child(shell("echo ready; exec sleep 30"));
  sigaction(SIGTERM, &previous, nullptr);
  ASSERT_TRUE(child.wait_output(child_process::stream::out, "ready", wait));
  child.signal(SIGTERM);
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGTERM);
}

TEST(ChildProcess, AMissingProgramIsAClearError) {
  try {
    child_process child({.argv = {"/nonexistent/bootstrap"}});
    FAIL() << "started a missing program";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/bootstrap"), std::string::npos);
  }
}

TEST(ChildProcess, ANonExecutableProgramIsAClearError) {
  char path[] = "/tmp/not-executable-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  try {
    child_process child({.argv = {path}});
    FAIL() << "started a non-executable file";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EACCES);
  }
  std::remove(path);
}

}  // namespace
}  // namespace lambda::emulator
