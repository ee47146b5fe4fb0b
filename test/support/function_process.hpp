// Starting real bootstraps for integration tests: where they are built, and the environment
// Lambda gives them.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/runtime_api_server.hpp"

namespace lambda::test {

using namespace std::chrono_literals;

// Generous bounds that only a hang reaches (sanitizer builds run several times slower).
inline constexpr std::chrono::milliseconds patience = 20s;

// build/examples/<name>/bootstrap, or build/test/functions/<name>/bootstrap for test functions.
inline std::string example(std::string_view name) {
  return std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/" + std::string(name) + "/bootstrap";
}
inline std::string test_function(std::string_view name) {
  return std::string(LAMBDA_TEST_BUILD_DIR) + "/test/functions/" + std::string(name) + "/bootstrap";
}

// Starts `bootstrap` with AWS_LAMBDA_RUNTIME_API=api (unless api is empty) and `env` added.
inline emulator::child_process start_function(const std::string& bootstrap, const std::string& api,
                                              std::vector<std::string> env = {}) {
  if (!api.empty()) env.push_back("AWS_LAMBDA_RUNTIME_API=" + api);
  env.push_back("AWS_LAMBDA_FUNCTION_NAME=test-function");
  return emulator::child_process({.argv = {bootstrap}, .env = std::move(env)});
}

// Expects `function` to exit 1 having posted exactly one init error, of type `error_type`, and
// no poll ever to have waited. Returns that post (empty when there was none).
inline emulator::post expect_init_failure(emulator::child_process& function,
                                          const emulator::runtime_api_server& server, std::string_view error_type) {
  auto status = function.wait_exit(patience);
  EXPECT_TRUE(status && status->code == 1) << (status ? status->describe() : "still running");
  auto posts = server.posts();
  EXPECT_EQ(posts.size(), 1u);
  if (posts.empty()) return {};
  EXPECT_EQ(posts[0].kind, emulator::post_kind::init_error);
  EXPECT_EQ(posts[0].error_type, error_type);
  EXPECT_EQ(server.stats().polls_parked_peak, 0u) << "no poll after a failed init";
  return posts[0];
}

// How many times `needle` occurs in `text` (log lines the tests expect exactly once, say).
inline std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

// A named pipe a probe handler blocks on ({"read_fifo": path}) until the test releases it: the
// handler stays in flight exactly as long as the test needs, with no timing involved.
class fifo {
 public:
  fifo() {
    path_ = std::filesystem::temp_directory_path() / ("lambda-ric-test-" + std::to_string(getpid()) + "-" +
                                                      std::to_string(counter_++));
    mkfifo(path_.c_str(), 0600);
    // Held open for writing (O_RDWR does not block), so handlers opening it never wait for a writer.
    fd_ = open(path_.c_str(), O_RDWR | O_CLOEXEC);
  }
  ~fifo() {
    close(fd_);
    std::filesystem::remove(path_);
  }
  std::string path() const { return path_.string(); }
  void release(std::size_t handlers) {
    std::string bytes(handlers, 'x');
    ASSERT_EQ(write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace lambda::test
