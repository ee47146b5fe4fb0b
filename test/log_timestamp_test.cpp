#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "log/format.hpp"
#include "log_lines.hpp"

namespace {

using lambda::log::detail::append_timestamp;

std::string timestamp_at(std::int64_t unix_ms) {
  std::string out;
  append_timestamp(out, std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
  return out;
}

TEST(LogTimestamp, Rfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(timestamp_at(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(timestamp_at(951782400123), "2000-02-29T00:00:00.123Z");
  EXPECT_EQ(timestamp_at(1709251199999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(timestamp_at(1767225599999), "2025-12-31T23:59:59.999Z");
  EXPECT_EQ(timestamp_at(4107542400007), "2100-03-01T00:00:00.007Z");
  EXPECT_EQ(timestamp_at(7258118399999), "2199-12-31T23:59:59.999Z");
}

TEST(LogTimestamp, MillisecondsWithinOneCachedSecondAndAcrossSeconds) {
  EXPECT_EQ(timestamp_at(1767225599001), "2025-12-31T23:59:59.001Z");
  EXPECT_EQ(timestamp_at(1767225599998), "2025-12-31T23:59:59.998Z");
  EXPECT_EQ(timestamp_at(1767225600000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(timestamp_at(1767225599500), "2025-12-31T23:59:59.500Z");  // the clock went back
}

TEST(LogTimestamp, AppendsWithoutClearing) {
  std::string out = "at ";
  append_timestamp(out, std::chrono::system_clock::time_point{});
  EXPECT_EQ(out, "at 1970-01-01T00:00:00.000Z");
}

TEST(LogTimestamp, NowHasTheShapeOfRfc3339) {
  std::string out;
  append_timestamp(out, std::chrono::system_clock::now());
  EXPECT_TRUE(lambda::test::looks_like_timestamp(out)) << out;
}

}  // namespace
