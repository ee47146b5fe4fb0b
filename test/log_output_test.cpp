// How a record reaches its descriptor: through interrupted and partial writes, and not at all
// when the descriptor fails.
#include <lambda/log.hpp>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "log_lines.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;

void ignore_signal(int) {}

// Fills the pipe so that the next write blocks; returns what was written.
std::string fill(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::string written;
  const std::string chunk(4096, '.');
  for (ssize_t n; (n = ::write(fd, chunk.data(), chunk.size())) > 0;) written.append(chunk, 0, static_cast<std::size_t>(n));
  ::fcntl(fd, F_SETFL, flags);
  return written;
}

std::size_t bytes_queued(int fd) {
  int n = 0;
  ::ioctl(fd, FIONREAD, &n);
  return static_cast<std::size_t>(n);
}

// True once the writer has stayed stuck on the full pipe for a while: the pipe stays full and
// the writer is not done, so it sleeps in write(2) (or is about to). This needs no /proc.
// False once the writer has finished, or at the deadline.
bool wait_until_blocked_on_full_pipe(int read_fd, std::size_t capacity, const std::atomic<bool>& done,
                                     std::chrono::steady_clock::time_point deadline) {
  for (int full_checks = 0; full_checks < 3;) {
    if (done.load() || std::chrono::steady_clock::now() > deadline) return false;
    full_checks = bytes_queued(read_fd) >= capacity ? full_checks + 1 : 0;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return !done.load();
}

// Reads what the pipe holds, at most `limit` bytes; its read end does not block.
void drain(int fd, std::string& received, std::size_t limit) {
  char chunk[65536];
  while (limit > 0) {
    const ssize_t n = ::read(fd, chunk, std::min(limit, sizeof chunk));
    if (n <= 0) return;
    received.append(chunk, static_cast<std::size_t>(n));
    limit -= static_cast<std::size_t>(n);
  }
}

// A signal without SA_RESTART makes a write(2) asleep on a full pipe return early: with EINTR
// when it has written nothing yet, else with the count written so far. Signals come each time
// the writer sleeps on the full pipe, and the reader frees one page at a time, so the record
// goes in through many interrupted writes.
TEST(LogOutput, WritesTheWholeRecordThroughEintrAndPartialWrites) {
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = ignore_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);

  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  const auto capacity = static_cast<std::size_t>(::fcntl(fds[0], F_GETPIPE_SZ));
  const std::string filler = fill(fds[1]);
  ASSERT_EQ(filler.size(), capacity);
  std::string message;
  for (int i = 0; i < 60000; ++i) message += static_cast<char>('a' + i % 26);

  std::atomic<bool> done{false};
  std::thread writer([&] {
    lambda::log::configure({level::info, format::json, fds[1]});
    lambda::log::info("{}", message);
    lambda::log::configure(lambda::log::settings{});
    done.store(true);
  });

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string received;
  int signals_sent = 0;
  while (!done.load() && std::chrono::steady_clock::now() < deadline) {
    if (wait_until_blocked_on_full_pipe(fds[0], capacity, done, deadline)) {
      ::pthread_kill(writer.native_handle(), SIGUSR1);
      ++signals_sent;
    }
    drain(fds[0], received, 4096);
  }
  const bool finished_in_time = done.load();
  drain(fds[0], received, std::string::npos);
  ::close(fds[0]);  // should the test give up, the writer fails with EPIPE instead of blocking
  writer.join();
  ::close(fds[1]);
  ::sigaction(SIGUSR1, &previous, nullptr);

  EXPECT_TRUE(finished_in_time);
  EXPECT_GT(signals_sent, 10);
  ASSERT_GT(received.size(), filler.size() + message.size());
  EXPECT_TRUE(received.compare(0, filler.size(), filler) == 0) << "the filler came out first, whole";
  const std::string line = received.substr(filler.size());
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line, whole";
  const lambda::test::json_record r = lambda::test::parse_record(line.substr(0, line.size() - 1));
  EXPECT_TRUE(r.valid()) << r.error;
  EXPECT_TRUE(r["message"] == message) << "bytes lost, repeated or reordered";
}

TEST(LogOutput, ADescriptorThatFailsDropsTheRecord) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  for (const int fd : {-1, fds[0]}) {
    lambda::log::configure({level::info, format::text, fd});
    lambda::log::info("lost");
    lambda::log::error("lost too").field("k", 1);
  }
  lambda::log::configure({level::info, format::text, fds[1]});
  lambda::log::info("kept");
  lambda::log::configure(lambda::log::settings{});
  ::close(fds[1]);
  char chunk[256];
  const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
  ::close(fds[0]);
  ASSERT_GT(n, 0);
  const std::string written(chunk, static_cast<std::size_t>(n));
  EXPECT_TRUE(written.ends_with("\tINFO\tkept\n")) << written;
  EXPECT_EQ(written.find("lost"), std::string::npos) << written;
}

}  // namespace
