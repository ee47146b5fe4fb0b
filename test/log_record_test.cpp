#include <lambda/log.hpp>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "log/tags.hpp"
#include "log_lines.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;
using lambda::test::captured_log;
using lambda::test::json_record;
using lambda::test::parse_record;
using strings = std::vector<std::string>;

lambda::log::detail::invocation_tags invocation(std::string_view request_id, unsigned ric = 1) {
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = request_id;
  ctx.ric = ric;
  return ctx;
}

// A Text line without its timestamp, which must be the first column.
std::string after_timestamp(const std::string& line) {
  const auto tab = line.find('\t');
  EXPECT_NE(tab, std::string::npos) << line;
  EXPECT_TRUE(lambda::test::looks_like_timestamp(line.substr(0, tab))) << line;
  return tab == std::string::npos ? line : line.substr(tab);
}

json_record only_json_record(const captured_log& log) {
  const strings lines = log.lines();
  EXPECT_EQ(lines.size(), 1u) << log.text();
  if (lines.empty()) return {};
  json_record r = parse_record(lines[0]);
  EXPECT_TRUE(r.valid()) << r.error << " in " << lines[0];
  return r;
}

TEST(LogJson, RecordOutsideAnInvocation) {
  captured_log log(level::trace, format::json);
  lambda::log::info("connected to {}", "127.0.0.1:9001");
  const json_record r = only_json_record(log);
  EXPECT_EQ(r.keys(), (strings{"timestamp", "level", "message"}));
  EXPECT_TRUE(lambda::test::looks_like_timestamp(r["timestamp"])) << r["timestamp"];
  EXPECT_EQ(r["level"], "INFO");
  EXPECT_EQ(r["message"], "connected to 127.0.0.1:9001");
}

TEST(LogJson, RecordInsideAnInvocationCarriesItsRequestId) {
  captured_log log(level::trace, format::json);
  const lambda::log::detail::invocation_tags ctx = invocation("8f5d2c1e-3b7a-4e0f", 4);
  lambda::log::detail::tag_scope scope(ctx);
  lambda::log::warn("slow");
  const json_record r = only_json_record(log);
  EXPECT_EQ(r.keys(), (strings{"timestamp", "level", "requestId", "ric", "message"}));
  EXPECT_EQ(r["requestId"], "8f5d2c1e-3b7a-4e0f");
  EXPECT_EQ(r["ric"], "4");
  EXPECT_EQ(r.find("ric")->kind, lambda::json::token_kind::number);
  EXPECT_EQ(r["level"], "WARN");
}

TEST(LogJson, TenantAndTraceIdsWhenPresent) {
  captured_log log(level::trace, format::json);
  lambda::log::detail::invocation_tags ctx = invocation("req-1");
  ctx.tenant_id = "tenant-a";
  ctx.trace_id = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
  lambda::log::detail::tag_scope scope(ctx);
  lambda::log::info("hello");
  const json_record r = only_json_record(log);
  EXPECT_EQ(r.keys(), (strings{"timestamp", "level", "requestId", "tenantId", "traceId", "ric", "message"}));
  EXPECT_EQ(r["tenantId"], "tenant-a");
  EXPECT_EQ(r["traceId"], ctx.trace_id);
}

TEST(LogJson, TheRequestIdFollowsTheInvocationOnTheThread) {
  captured_log log(level::trace, format::json);
  const lambda::log::detail::invocation_tags first = invocation("first");
  const lambda::log::detail::invocation_tags second = invocation("second");
  {
    lambda::log::detail::tag_scope scope(first);
    lambda::log::info("a");
    {
      lambda::log::detail::tag_scope inner(second);
      lambda::log::info("b");
    }
    lambda::log::info("c");
  }
  lambda::log::info("d");
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(parse_record(lines[0])["requestId"], "first");
  EXPECT_EQ(parse_record(lines[1])["requestId"], "second");
  EXPECT_EQ(parse_record(lines[2])["requestId"], "first");
  EXPECT_EQ(parse_record(lines[3]).find("requestId"), nullptr);
}

TEST(LogJson, FieldsFollowTheMessageWithTheirJsonTypes) {
  captured_log log(level::trace, format::json);
  lambda::log::error("invocation {} failed", "req-9")
      .field("errorType", "Runtime.HandlerError")
      .field("errorMessage", "boom")
      .field("attempt", 2)
      .field("retryable", false)
      .field("seconds", 0.5)
      .field("ratio", 1.0 / 0.0)
      .field("grade", 'B');
  const json_record r = only_json_record(log);
  EXPECT_EQ(r.keys(), (strings{"timestamp", "level", "message", "errorType", "errorMessage", "attempt",
                               "retryable", "seconds", "ratio", "grade"}));
  EXPECT_EQ(r["level"], "ERROR");
  EXPECT_EQ(r["message"], "invocation req-9 failed");
  EXPECT_EQ(r["errorType"], "Runtime.HandlerError");
  EXPECT_EQ(r["errorMessage"], "boom");
  EXPECT_EQ(r["attempt"], "2");
  EXPECT_EQ(r.find("attempt")->kind, lambda::json::token_kind::number);
  EXPECT_EQ(r.find("retryable")->kind, lambda::json::token_kind::false_value);
  EXPECT_EQ(r["seconds"], "0.5");
  EXPECT_EQ(r.find("ratio")->kind, lambda::json::token_kind::string);
  EXPECT_EQ(r["ratio"], "inf");
  EXPECT_EQ(r["grade"], "B");
}

TEST(LogJson, MessagesAndFieldsAreEscaped) {
  captured_log log(level::trace, format::json);
  std::string controls;
  for (char c = 0; c < 0x20; ++c) controls += c;
  const std::string nasty = "quote \" backslash \\ slash / newline \n tab \t " + controls + " end";
  lambda::log::info("{}", nasty).field("key \"with\"\nnewline", nasty);
  const json_record r = only_json_record(log);
  EXPECT_EQ(r["message"], nasty);
  EXPECT_EQ(r["key \"with\"\nnewline"], nasty);
  EXPECT_EQ(log.text().find('\n'), log.text().size() - 1) << "one line, ending with its newline";
}

TEST(LogJson, InvalidUtf8BecomesReplacementCharacters) {
  captured_log log(level::trace, format::json);
  lambda::log::info("caf\xc3\xa9 \xff bad \xe2\x82 cut \xed\xa0\x80 surrogate \xf4\x90\x80\x80 big \xc0\xaf overlong");
  const json_record r = only_json_record(log);
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(r["message"], "caf\xc3\xa9 " + fffd + " bad " + fffd + " cut " + fffd + fffd + fffd +
                              " surrogate " + fffd + fffd + fffd + fffd + " big " + fffd + fffd + " overlong");
  EXPECT_TRUE(lambda::json::is_valid(log.lines()[0]));
}

TEST(LogJson, EveryLevelHasItsName) {
  captured_log log(level::trace, format::json);
  lambda::log::trace("t");
  lambda::log::debug("d");
  lambda::log::info("i");
  lambda::log::warn("w");
  lambda::log::error("e");
  lambda::log::fatal("f");
  strings names;
  for (const std::string& line : log.lines()) {
    const json_record r = parse_record(line);
    EXPECT_TRUE(r.valid()) << r.error << " in " << line;
    names.push_back(r["level"]);
  }
  EXPECT_EQ(names, (strings{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}));
}

TEST(LogText, ColumnsAreTimestampRequestIdLevelMessage) {
  captured_log log(level::trace, format::text);
  const lambda::log::detail::invocation_tags ctx = invocation("8f5d2c1e-3b7a-4e0f");
  lambda::log::detail::tag_scope scope(ctx);
  lambda::log::info("processed {} records", 12);
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(after_timestamp(lines[0]), "\t8f5d2c1e-3b7a-4e0f\tINFO\tprocessed 12 records");
}

TEST(LogText, OutsideAnInvocationTheRequestIdColumnIsEmpty) {
  captured_log log(level::trace, format::text);
  lambda::log::warn("starting");
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(after_timestamp(lines[0]), "\t\tWARN\tstarting");
}

TEST(LogText, NewlinesInsideAMessageBecomeCarriageReturns) {
  captured_log log(level::trace, format::text);
  lambda::log::error("line one\nline two\n{}", "arg\nline");
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 1u) << log.text();
  EXPECT_EQ(after_timestamp(lines[0]), "\t\tERROR\tline one\rline two\rarg\rline");
}

TEST(LogText, MessagesAreOtherwiseWrittenAsTheyAre) {
  captured_log log(level::trace, format::text);
  lambda::log::info("quote \" tab \t \x01 \xff");
  EXPECT_EQ(after_timestamp(log.lines().at(0)), "\t\tINFO\tquote \" tab \t \x01 \xff");
}

TEST(LogText, FieldsFollowAsOneJsonObjectAfterATab) {
  captured_log log(level::trace, format::text);
  lambda::log::error("invocation failed").field("errorType", "Oops").field("errorMessage", "a\nb").field("n", 3);
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 1u) << log.text();
  EXPECT_EQ(after_timestamp(lines[0]),
            "\t\tERROR\tinvocation failed\t{\"errorType\":\"Oops\",\"errorMessage\":\"a\\nb\",\"n\":3}");
}

TEST(LogLevels, RecordsBelowTheThresholdAreDropped) {
  for (const format style : {format::text, format::json}) {
    captured_log log(level::warn, style);
    lambda::log::trace("t");
    lambda::log::debug("d").field("k", 1);
    lambda::log::info("i");
    lambda::log::warn("w");
    lambda::log::error("e");
    lambda::log::fatal("f");
    lambda::log::at(level::info, "at info");
    lambda::log::at(level::error, "at error");
    const strings lines = log.lines();
    ASSERT_EQ(lines.size(), 4u) << log.text();
    EXPECT_NE(lines[0].find("WARN"), std::string::npos);
    EXPECT_NE(lines[1].find("ERROR"), std::string::npos);
    EXPECT_NE(lines[2].find("FATAL"), std::string::npos);
    EXPECT_NE(lines[3].find("at error"), std::string::npos);
  }
}

TEST(LogLevels, ARecordMadeDirectlyHonoursTheThresholdToo) {
  captured_log log(level::info, format::text);
  { lambda::log::record r(level::debug, "hidden {}", {1}); }
  { lambda::log::record r(level::info, "shown {}", {2}); }
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(after_timestamp(lines[0]), "\t\tINFO\tshown 2");
}

TEST(LogRecord, IsWrittenWhenItEnds) {
  captured_log log(level::trace, format::json);
  {
    auto outer = lambda::log::info("outer");
    lambda::log::info("inner");  // a second record alive on the same thread
    outer.field("added", "later");
    EXPECT_EQ(log.lines().size(), 1u);
  }
  const strings lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse_record(lines[0])["message"], "inner");
  const json_record outer = parse_record(lines[1]);
  EXPECT_EQ(outer["message"], "outer");
  EXPECT_EQ(outer["added"], "later");
}

TEST(LogRecord, AVeryLongMessageIsCutAndTheNextRecordIsWhole) {
  const std::string long_text(1 << 20, 'x');
  for (const format style : {format::text, format::json}) {
    captured_log log(level::trace, style);
    lambda::log::info("{}\n{}", long_text, long_text);
    lambda::log::info("after");  // the grown buffer is given back; the next record still works
    const strings lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_LE(lines[0].size() + 1, lambda::log::max_record_bytes);
    EXPECT_GT(lines[0].size() + 1, lambda::log::max_record_bytes - 100) << "cut no more than it must";
    if (style == format::json) {
      const std::string message = parse_record(lines[0])["message"];
      const std::size_t kept = message.find("\xe2\x80\xa6");
      ASSERT_NE(kept, std::string::npos);
      EXPECT_EQ(message.substr(0, kept), long_text.substr(0, kept));
      // Written whole, the message would have taken 2 MiB + 2 bytes: its newline as "\n".
      EXPECT_EQ(message.substr(kept), "\xe2\x80\xa6[truncated " + std::to_string((2 << 20) + 2 - kept) + " bytes]");
      EXPECT_EQ(parse_record(lines[1])["message"], "after");
    } else {
      const std::string columns = after_timestamp(lines[0]);
      ASSERT_TRUE(columns.starts_with("\t\tINFO\t" + long_text.substr(0, 1000))) << columns.substr(0, 100);
      const std::size_t kept = columns.find("\xe2\x80\xa6") - 7;
      EXPECT_TRUE(columns.ends_with("\xe2\x80\xa6[truncated " + std::to_string((2 << 20) + 1 - kept) + " bytes]"))
          << columns.substr(columns.size() - 100);
      EXPECT_EQ(after_timestamp(lines[1]), "\t\tINFO\tafter");
    }
  }
}

// On a SOCK_SEQPACKET socket every write(2) is one packet, so recv() shows how a record was
// written: one packet holding exactly the whole line.
TEST(LogRecord, IsOneWriteOfTheWholeLine) {
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets), 0);
  const int size = 1 << 20;
  ASSERT_EQ(::setsockopt(sockets[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
  ASSERT_EQ(::setsockopt(sockets[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
  const std::string long_text(60000, 'y');
  for (const format style : {format::text, format::json}) {
    lambda::log::configure({level::trace, style, sockets[0]});
    lambda::log::info("short");
    lambda::log::error("{}", long_text).field("k", "v");
    lambda::log::configure(lambda::log::settings{});
    std::vector<char> packet(200000);
    const ssize_t first = ::recv(sockets[1], packet.data(), packet.size(), MSG_DONTWAIT);
    ASSERT_GT(first, 0);
    const std::string short_line(packet.data(), static_cast<std::size_t>(first));
    EXPECT_EQ(short_line.find('\n'), short_line.size() - 1) << short_line;
    EXPECT_NE(short_line.find("short"), std::string::npos);
    const ssize_t second = ::recv(sockets[1], packet.data(), packet.size(), MSG_DONTWAIT);
    ASSERT_GT(second, 60000);
    const std::string long_line(packet.data(), static_cast<std::size_t>(second));
    EXPECT_EQ(long_line.find('\n'), long_line.size() - 1);
    EXPECT_NE(long_line.find(long_text), std::string::npos);
    EXPECT_LT(::recv(sockets[1], packet.data(), packet.size(), MSG_DONTWAIT), 0) << "no third packet";
  }
  ::close(sockets[0]);
  ::close(sockets[1]);
}

}  // namespace
