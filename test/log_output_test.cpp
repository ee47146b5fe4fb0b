#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include "log/output.hpp"

namespace {

using lambda::log::detail::write_line;

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

// Whether thread `tid` of this process sleeps inside write(2), as /proc tells.
bool blocked_in_write(pid_t tid) {
  std::ifstream syscall("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long number = -1;
  syscall >> number;  // "running" when it is not in a system call, so no number
  return syscall && number == SYS_write;
}

std::size_t bytes_queued(int fd) {
  int n = 0;
  ::ioctl(fd, FIONREAD, &n);
  return static_cast<std::size_t>(n);
}

// True once the writer sleeps inside write(2) on a full pipe; false once it has finished, or
// at the deadline.
bool wait_until_blocked_on_full_pipe(pid_t tid, int read_fd, std::size_t capacity, const std::atomic<bool>& done,
                                     std::chrono::steady_clock::time_point deadline) {
  while (bytes_queued(read_fd) < capacity || !blocked_in_write(tid)) {
    if (done.load() || std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
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
// the writer sleeps on the full pipe, and the reader frees one page at a time, so the line goes
// in through many interrupted writes.
TEST(LogOutput, WritesTheWholeLineThroughEintrAndPartialWrites) {
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
  std::string line;
  for (int i = 0; i < 100000; ++i) line += static_cast<char>('a' + i % 26);
  line += '\n';

  std::atomic<pid_t> writer_tid{0};
  std::atomic<bool> done{false};
  bool written = false;
  std::thread writer([&] {
    writer_tid.store(::gettid());
    written = write_line(fds[1], line);
    done.store(true);
  });

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (writer_tid.load() == 0) std::this_thread::yield();
  std::string received;
  int signals_sent = 0;
  while (!done.load() && std::chrono::steady_clock::now() < deadline) {
    if (wait_until_blocked_on_full_pipe(writer_tid.load(), fds[0], capacity, done, deadline)) {
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
  EXPECT_TRUE(written);
  EXPECT_GT(signals_sent, 10);
  ASSERT_EQ(received.size(), filler.size() + line.size());
  EXPECT_TRUE(received == filler + line) << "bytes lost, repeated or reordered";
}

TEST(LogOutput, ReportsADescriptorThatFails) {
  EXPECT_FALSE(write_line(-1, "lost\n"));
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  EXPECT_FALSE(write_line(fds[0], "the read end\n"));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(LogOutput, AnEmptyLineWritesNothing) {
  EXPECT_TRUE(write_line(-1, ""));
}

}  // namespace
