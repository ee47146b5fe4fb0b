#include <lambda/log.hpp>

#include <gtest/gtest.h>

#include <string>

#include "log/tags.hpp"
#include "log_lines.hpp"
#include "support/counting_new.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;
using lambda::test::captured_log;

class LogAllocation : public testing::TestWithParam<format> {};

// The length of the line a record with this message takes, '\n' included.
std::size_t line_length(format style, const std::string& message) {
  captured_log log(level::trace, style);
  lambda::log::info("{}", message).field("attempt", 1);
  return log.text().size();
}

TEST_P(LogAllocation, RecordsUpTo4KiBAllocateNothingOnceTheThreadHasLogged) {
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = "8f5d2c1e-3b7a-4e0f-9c6d-2a1b0e9f8d7c";
  ctx.trace_id = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
  lambda::log::detail::tag_scope scope(ctx);
  const format style = GetParam();
  // A message that makes the record exactly 4096 bytes long, newline included.
  const std::size_t overhead = line_length(style, "");
  const std::string longest(4096 - overhead, 'm');
  ASSERT_EQ(line_length(style, longest), 4096u);
  const std::string with_escapes = "quote \" newline \n tab \t control \x01 text";

  captured_log log(level::info, style);
  lambda::log::info("first record on this thread");
  const std::size_t before = lambda::test::allocations();
  for (int i = 0; i < 1000; ++i) {
    lambda::log::info("processed {} records for {} in {} ms", i, "customer-17", i * 0.25);
    lambda::log::error("invocation {} failed", i).field("errorType", "Oops").field("errorMessage", with_escapes);
    lambda::log::info("{}", longest).field("attempt", 1);
    lambda::log::debug("filtered {}", i);
  }
  EXPECT_EQ(lambda::test::allocations() - before, 0u);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, LogAllocation, testing::Values(format::json, format::text),
                         [](const testing::TestParamInfo<format>& info) {
                           return info.param == format::json ? std::string("Json") : std::string("Text");
                         });

}  // namespace
