#include <lambda/log.hpp>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "log/tags.hpp"
#include "log_lines.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;

constexpr int rics = 8;
constexpr int records_per_ric = 1000;

std::string request_id_of(int ric) { return "request-" + std::to_string(ric); }

// Lengths up to about 3.6 KB, so that many records come close to PIPE_BUF (4096 bytes), the
// most a pipe takes from one write(2) without interleaving it with others.
std::string padding_for(int record) { return std::string(static_cast<std::size_t>(record * 37 % 3500), 'p'); }

// One RIC: its own thread, its own invocation, its own records.
void log_as_ric(int ric, std::latch& start) {
  const std::string request_id = request_id_of(ric);
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = request_id;
  ctx.ric = static_cast<unsigned>(ric);
  lambda::log::detail::tag_scope scope(ctx);
  start.arrive_and_wait();
  for (int i = 0; i < records_per_ric; ++i) {
    lambda::log::info("ric {} record {} {}", ric, i, padding_for(i)).field("ric", ric);
  }
}

// Reads until `lines` newlines have arrived; gives up after 10 s without progress.
std::string read_lines(int fd, int lines) {
  std::string all;
  int seen = 0;
  char chunk[65536];
  while (seen < lines) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) seen += chunk[i] == '\n';
    all.append(chunk, static_cast<std::size_t>(n));
  }
  return all;
}

struct parsed_line {
  std::string request_id;
  std::string message;
};

parsed_line parse(const std::string& line, format style) {
  if (style == format::json) {
    const lambda::test::json_record r = lambda::test::parse_record(line);
    EXPECT_TRUE(r.valid()) << r.error << " in a line of " << line.size() << " bytes";
    return {r["requestId"], r["message"]};
  }
  // timestamp \t requestId \t LEVEL \t message \t {fields}
  std::vector<std::string> columns;
  std::size_t start = 0;
  for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
    columns.push_back(line.substr(start, tab - start));
  }
  columns.push_back(line.substr(start));
  EXPECT_EQ(columns.size(), 5u) << line.substr(0, 200);
  if (columns.size() != 5) return {};
  EXPECT_EQ(columns[2], "INFO");
  return {columns[1], columns[3]};
}

class LogConcurrency : public testing::TestWithParam<format> {};

TEST_P(LogConcurrency, EightRicsLoggingIntoOnePipeNeverTearOrMergeLines) {
  // Should the reader give up, writers see EPIPE instead of being killed by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const format style = GetParam();
  lambda::log::configure({level::info, style, fds[1]});

  std::latch start(rics);
  std::vector<std::thread> threads;
  for (int ric = 1; ric <= rics; ++ric) threads.emplace_back(log_as_ric, ric, std::ref(start));
  const std::string output = read_lines(fds[0], rics * records_per_ric);
  ::close(fds[0]);
  for (std::thread& t : threads) t.join();
  lambda::log::configure(lambda::log::settings{});
  ::close(fds[1]);

  std::vector<int> next_record(rics + 1, 0);  // records of one RIC arrive in the order written
  int lines = 0;
  std::size_t start_of_line = 0;
  for (std::size_t end; (end = output.find('\n', start_of_line)) != std::string::npos; start_of_line = end + 1) {
    ++lines;
    const parsed_line line = parse(output.substr(start_of_line, end - start_of_line), style);
    int ric = 0;
    int record = 0;
    const int matched = std::sscanf(line.message.c_str(), "ric %d record %d", &ric, &record);
    ASSERT_EQ(matched, 2) << line.message.substr(0, 100);
    ASSERT_GE(ric, 1);
    ASSERT_LE(ric, rics);
    EXPECT_EQ(line.request_id, request_id_of(ric)) << "record " << record << " of RIC " << ric;
    EXPECT_EQ(record, next_record[ric]) << "RIC " << ric;
    next_record[ric] = record + 1;
    const std::string expected = "ric " + std::to_string(ric) + " record " + std::to_string(record) + " " + padding_for(record);
    EXPECT_EQ(line.message, expected);
  }
  EXPECT_EQ(start_of_line, output.size()) << "output ends with a whole line";
  EXPECT_EQ(lines, rics * records_per_ric);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, LogConcurrency, testing::Values(format::json, format::text),
                         [](const testing::TestParamInfo<format>& info) {
                           return info.param == format::json ? std::string("Json") : std::string("Text");
                         });

}  // namespace
