// Logging works until the process ends: from global destructors, atexit handlers,
// thread_local destructors and pthread key destructors, in a real process (test/functions/log_at_exit) whose stdout is read.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "log_lines.hpp"
#include "support/function_process.hpp"

namespace {

using lambda::emulator::child_process;
using lambda::test::patience;

std::vector<std::string> messages_of(const std::string& output) {
  std::vector<std::string> messages;
  std::size_t start = 0;
  for (std::size_t end; (end = output.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = output.substr(start, end - start);
    const lambda::test::json_record r = lambda::test::parse_record(line);
    EXPECT_TRUE(r.valid()) << r.error << " in " << line;
    messages.push_back(r["message"]);
  }
  EXPECT_EQ(start, output.size()) << "output ends with a whole line";
  return messages;
}

void expect_every_record(const char* how) {
  child_process function({.argv = {lambda::test::test_function("log_at_exit")},
                          .env = {"AWS_LAMBDA_LOG_FORMAT=JSON", std::string("LOG_AT_EXIT=") + how}});
  const auto status = function.wait_exit(patience);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << function.stderr_text();
  EXPECT_EQ(function.stderr_text(), "");
  std::vector<std::string> messages = messages_of(function.stdout_text());
  std::sort(messages.begin(), messages.end());
  std::vector<std::string> expected = {
      "main starts",
      "a std::thread logs",
      "pthread key destructor",
      "thread_local made after the first record",
      "thread_local made before the first record",
      "thread_local on a thread that never logged",
      "main ends",
      "main thread_local made after the first record",
      "main thread_local made before the first record",
      "atexit handler",
      "global destructor",
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(messages, expected) << function.stdout_text();
}

TEST(LogAtExit, EveryRecordIsWrittenWhenMainReturns) { expect_every_record("return"); }

TEST(LogAtExit, EveryRecordIsWrittenWhenTheProcessCallsExit) { expect_every_record("exit"); }

}  // namespace
