// No record is longer than lambda::log::max_record_bytes, newline included: a longer one is cut
// on a whole character, stays valid JSON or one Text line, and says how much it left out.
#include <lambda/log.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log/tags.hpp"
#include "log_lines.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;
using lambda::log::max_record_bytes;
using lambda::test::captured_log;
using lambda::test::json_record;
using lambda::test::parse_record;

const std::string ellipsis = "\xe2\x80\xa6";
const std::string replacement = "\xef\xbf\xbd";

class LogCap : public testing::TestWithParam<format> {
 protected:
  format style() const { return GetParam(); }
};

// The one line `log` holds, checked against the cap (and parsed, in JSON).
std::string only_line(const captured_log& log) {
  const std::vector<std::string> lines = log.lines();
  EXPECT_EQ(lines.size(), 1u);
  if (lines.empty()) return {};
  EXPECT_LE(lines[0].size() + 1, max_record_bytes);
  EXPECT_EQ(log.text().back(), '\n');
  return lines[0];
}

// The message of a record, from either format.
std::string message_of(const std::string& line, format style) {
  if (style == format::json) {
    const json_record r = parse_record(line);
    EXPECT_TRUE(r.valid()) << r.error;
    return r["message"];
  }
  // timestamp \t requestId \t level \t message [\t fields]
  std::size_t start = 0;
  for (int column = 0; column < 3; ++column) start = line.find('\t', start) + 1;
  const std::size_t end = line.find('\t', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// What comes before the truncation mark; fails the test when there is no mark.
std::string before_mark(const std::string& message) {
  const std::size_t mark = message.rfind(ellipsis + "[truncated ");
  EXPECT_NE(mark, std::string::npos) << message.substr(message.size() > 100 ? message.size() - 100 : 0);
  EXPECT_TRUE(message.ends_with(" bytes]"));
  return mark == std::string::npos ? message : message.substr(0, mark);
}

// The length of the line a record with a message of `n` 'm's takes, '\n' included.
std::size_t line_length(format style, std::size_t n) {
  captured_log log(level::trace, style);
  lambda::log::info("{}", std::string(n, 'm')).field("k", "v");
  return log.text().size();
}

TEST_P(LogCap, ARecordAtTheCapIsWholeAndOneByteMoreIsCut) {
  const std::size_t overhead = line_length(style(), 0);
  ASSERT_EQ(line_length(style(), max_record_bytes - overhead), max_record_bytes);
  {
    captured_log log(level::trace, style());
    lambda::log::info("{}", std::string(max_record_bytes - overhead, 'm')).field("k", "v");
    EXPECT_EQ(message_of(only_line(log), style()), std::string(max_record_bytes - overhead, 'm'));
  }
  captured_log log(level::trace, style());
  lambda::log::info("{}", std::string(max_record_bytes - overhead + 1, 'm')).field("k", "v");
  const std::string line = only_line(log);
  const std::string kept = before_mark(message_of(line, style()));
  EXPECT_EQ(kept, std::string(kept.size(), 'm'));
  EXPECT_GT(kept.size(), max_record_bytes - overhead - 50);
  EXPECT_NE(line.find("\"k\":\"v\""), std::string::npos) << "the field is kept";
}

TEST_P(LogCap, AMessageOfOneMebibyteIsCutToTheCap) {
  captured_log log(level::trace, style());
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = "8f5d2c1e-3b7a-4e0f-9c6d-2a1b0e9f8d7c";
  lambda::log::detail::tag_scope scope(ctx);
  lambda::log::error("{}", std::string(1 << 20, 'z')).field("errorType", "Big");
  const std::string line = only_line(log);
  const std::string kept = before_mark(message_of(line, style()));
  EXPECT_EQ(kept, std::string(kept.size(), 'z'));
  EXPECT_GT(line.size() + 1, max_record_bytes - 100);
  EXPECT_NE(line.find("8f5d2c1e-3b7a-4e0f-9c6d-2a1b0e9f8d7c"), std::string::npos);
  EXPECT_NE(line.find("\"errorType\":\"Big\""), std::string::npos);
}

// Characters of 2, 3 and 4 bytes, shifted by 0 to 3 bytes, so that every position of the cut
// within a character comes up.
TEST_P(LogCap, MultiByteCharactersAreNeverSplit) {
  for (const std::string character : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    for (std::size_t shift = 0; shift < 4; ++shift) {
      captured_log log(level::trace, style());
      std::string text(shift, 'a');
      while (text.size() < 100000) text += character;
      lambda::log::info("{}", text);
      const std::string kept = before_mark(message_of(only_line(log), style()));
      ASSERT_GE(kept.size(), shift);
      EXPECT_EQ(kept.find(replacement), std::string::npos);
      EXPECT_EQ((kept.size() - shift) % character.size(), 0u) << "cut inside a character";
      EXPECT_EQ(kept, text.substr(0, kept.size()));
      if (style() == format::json) {
        EXPECT_TRUE(lambda::json::is_valid(log.lines().at(0)));
      }
    }
  }
}

TEST_P(LogCap, EscapesAreNeverSplit) {
  captured_log log(level::trace, style());
  const std::string controls(70000, '\x01');
  lambda::log::info("{}", controls);
  const std::string line = only_line(log);
  const std::string kept = before_mark(message_of(line, style()));
  EXPECT_EQ(kept, std::string(kept.size(), '\x01'));
  EXPECT_GT(kept.size(), style() == format::json ? 10000u : 60000u);
}

TEST_P(LogCap, FieldsPastTheirShareAreDroppedAndCounted) {
  captured_log log(level::trace, style());
  const std::string value(1000, 'v');
  {
    lambda::log::record r = lambda::log::info("many fields");
    for (int i = 0; i < 100; ++i) r.field("field" + std::to_string(i), value);
  }
  const std::string line = only_line(log);
  const std::string message = message_of(line, style());
  EXPECT_EQ(before_mark(message), "many fields");
  std::size_t fields_kept = 0;
  while (line.find("\"field" + std::to_string(fields_kept) + "\"") != std::string::npos) ++fields_kept;
  EXPECT_GT(fields_kept, 20u);
  EXPECT_LT(fields_kept, 40u);
  const std::size_t field_bytes = 1 + 2 + std::string("field00").size() + 1 + 1002;  // ,"fieldNN":"v…"
  EXPECT_EQ(message, "many fields" + ellipsis + "[truncated " + std::to_string((100 - fields_kept) * field_bytes) +
                         " bytes]");
  if (style() == format::text) {
    EXPECT_TRUE(line.ends_with(value + "\"}")) << "the fields stay one JSON object";
  }
}

TEST_P(LogCap, OneHugeFieldIsDroppedAndTheOthersKept) {
  captured_log log(level::trace, style());
  lambda::log::warn("{}", std::string(50000, 'w'))
      .field("small", 1)
      .field("huge", std::string(1 << 20, 'h'))
      .field("after", true);
  const std::string line = only_line(log);
  EXPECT_EQ(line.find("\"huge\""), std::string::npos);
  EXPECT_NE(line.find("\"small\":1"), std::string::npos);
  EXPECT_NE(line.find("\"after\":true"), std::string::npos);
  const std::string message = message_of(line, style());
  EXPECT_EQ(before_mark(message), std::string(50000, 'w'));
  EXPECT_NE(message.find(std::to_string((1 << 20) + std::string(",\"huge\":\"\"").size())), std::string::npos);
}

TEST_P(LogCap, HugeTagsAreCutToo) {
  captured_log log(level::trace, style());
  const std::string huge(100000, 'r');
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = huge;
  ctx.tenant_id = huge;
  ctx.trace_id = huge;
  lambda::log::detail::tag_scope scope(ctx);
  lambda::log::info("{}", huge).field("big", std::string(40000, 'b'));
  const std::string line = only_line(log);
  EXPECT_NE(line.find(std::string(1000, 'r')), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, LogCap, testing::Values(format::json, format::text),
                         [](const testing::TestParamInfo<format>& info) {
                           return info.param == format::json ? std::string("Json") : std::string("Text");
                         });

}  // namespace
