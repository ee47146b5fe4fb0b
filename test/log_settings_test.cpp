#include <lambda/log.hpp>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "log/settings.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;
using lambda::log::settings;
using lambda::log::detail::environment_reading;
using lambda::log::detail::parse_format;
using lambda::log::detail::parse_level;
using lambda::log::detail::read_environment;

// Puts the logger back as the other tests expect it, whatever a test did.
class LogSettings : public testing::Test {
 protected:
  void TearDown() override { lambda::log::configure(settings{}); }
};

std::string contents_of(int fd) {
  std::string text;
  char chunk[4096];
  off_t offset = 0;
  for (ssize_t n; (n = ::pread(fd, chunk, sizeof chunk, offset)) > 0; offset += n) text.append(chunk, static_cast<std::size_t>(n));
  return text;
}

TEST(LogNames, LevelsInAnyLetterCase) {
  EXPECT_EQ(parse_level("TRACE"), level::trace);
  EXPECT_EQ(parse_level("debug"), level::debug);
  EXPECT_EQ(parse_level("Info"), level::info);
  EXPECT_EQ(parse_level("wArN"), level::warn);
  EXPECT_EQ(parse_level("ERROR"), level::error);
  EXPECT_EQ(parse_level("fatal"), level::fatal);
  for (auto l : {level::trace, level::debug, level::info, level::warn, level::error, level::fatal}) {
    EXPECT_EQ(parse_level(lambda::log::detail::level_name(l)), l);
  }
}

TEST(LogNames, UnknownLevels) {
  for (const char* name : {"", "WARNING", "INF", "INFO ", " INFO", "ALL", "OFF", "3"}) {
    EXPECT_FALSE(parse_level(name).has_value()) << name;
  }
}

TEST(LogNames, FormatsInAnyLetterCase) {
  EXPECT_EQ(parse_format("JSON"), format::json);
  EXPECT_EQ(parse_format("json"), format::json);
  EXPECT_EQ(parse_format("Text"), format::text);
  EXPECT_EQ(parse_format("TEXT"), format::text);
  EXPECT_FALSE(parse_format("xml").has_value());
  EXPECT_FALSE(parse_format("JSON5").has_value());
  EXPECT_FALSE(parse_format("").has_value());
}

TEST(LogEnvironment, UnsetMeansInfoAndText) {
  const environment_reading r = read_environment(nullptr, nullptr, nullptr);
  EXPECT_EQ(r.chosen.threshold, level::info);
  EXPECT_EQ(r.chosen.format, format::text);
  EXPECT_EQ(r.chosen.fd, 1);
  EXPECT_TRUE(r.unknown_level.empty());
  EXPECT_TRUE(r.unknown_format.empty());
}

TEST(LogEnvironment, EmptyMeansUnset) {
  const environment_reading r = read_environment("", "", "");
  EXPECT_EQ(r.chosen.threshold, level::info);
  EXPECT_EQ(r.chosen.format, format::text);
  EXPECT_TRUE(r.unknown_level.empty());
  EXPECT_TRUE(r.unknown_format.empty());
}

TEST(LogEnvironment, KnownValues) {
  const environment_reading r = read_environment("debug", "JSON", "on-demand");
  EXPECT_EQ(r.chosen.threshold, level::debug);
  EXPECT_EQ(r.chosen.format, format::json);
}

TEST(LogEnvironment, UnknownLevelMeansInfoAndIsReported) {
  const environment_reading r = read_environment("verbose", nullptr, nullptr);
  EXPECT_EQ(r.chosen.threshold, level::info);
  EXPECT_EQ(r.unknown_level, "verbose");
}

TEST(LogEnvironment, UnknownFormatMeansTextAndIsReported) {
  const environment_reading r = read_environment(nullptr, "xml", nullptr);
  EXPECT_EQ(r.chosen.format, format::text);
  EXPECT_EQ(r.unknown_format, "xml");
}

TEST(LogEnvironment, ManagedInstancesDefaultToJson) {
  EXPECT_EQ(read_environment(nullptr, nullptr, "lambda-managed-instances").chosen.format, format::json);
  EXPECT_EQ(read_environment(nullptr, "bogus", "lambda-managed-instances").chosen.format, format::json);
  EXPECT_EQ(read_environment(nullptr, "Text", "lambda-managed-instances").chosen.format, format::text);
}

TEST_F(LogSettings, ApplyWarnsOncePerValueNotUnderstood) {
  const int fd = ::memfd_create("log", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  environment_reading r = read_environment("loud", "xml", nullptr);
  r.chosen.fd = fd;
  lambda::log::detail::apply(r);
  const std::string out = contents_of(fd);
  ::close(fd);
  const std::string expected_level = "\tWARN\tAWS_LAMBDA_LOG_LEVEL=loud is not a log level; using INFO\n";
  const std::string expected_format = "\tWARN\tAWS_LAMBDA_LOG_FORMAT=xml is neither JSON nor Text; using Text\n";
  const auto first_line_end = out.find('\n');
  ASSERT_NE(first_line_end, std::string::npos) << out;
  EXPECT_TRUE(out.substr(0, first_line_end + 1).ends_with(expected_level)) << out;
  EXPECT_TRUE(out.ends_with(expected_format)) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
}

TEST_F(LogSettings, ApplyIsSilentWhenEverythingIsUnderstood) {
  const int fd = ::memfd_create("log", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  environment_reading r = read_environment("TRACE", "Text", nullptr);
  r.chosen.fd = fd;
  lambda::log::detail::apply(r);
  EXPECT_EQ(contents_of(fd), "");
  ::close(fd);
  EXPECT_EQ(lambda::log::current_settings().threshold, level::trace);
}

TEST_F(LogSettings, ConfigureReplacesEverySetting) {
  lambda::log::configure({level::error, format::json, 2});
  const settings s = lambda::log::current_settings();
  EXPECT_EQ(s.threshold, level::error);
  EXPECT_EQ(s.format, format::json);
  EXPECT_EQ(s.fd, 2);
}

TEST_F(LogSettings, EnabledFollowsTheThreshold) {
  lambda::log::configure({level::warn, format::text, 1});
  EXPECT_FALSE(lambda::log::enabled(level::trace));
  EXPECT_FALSE(lambda::log::enabled(level::debug));
  EXPECT_FALSE(lambda::log::enabled(level::info));
  EXPECT_TRUE(lambda::log::enabled(level::warn));
  EXPECT_TRUE(lambda::log::enabled(level::error));
  EXPECT_TRUE(lambda::log::enabled(level::fatal));
  lambda::log::configure({level::trace, format::text, 1});
  EXPECT_TRUE(lambda::log::enabled(level::trace));
}

TEST_F(LogSettings, TheEnvironmentDoesNotOverrideAnExplicitConfiguration) {
  lambda::log::configure({level::trace, format::text, 1});
  ::setenv("AWS_LAMBDA_LOG_LEVEL", "FATAL", 1);
  lambda::log::configure_from_environment();
  ::unsetenv("AWS_LAMBDA_LOG_LEVEL");
  EXPECT_EQ(lambda::log::current_settings().threshold, level::trace);
}

// The environment is read once per process, so these run in a fresh one (a death test child
// started anew), with the records on stderr where the test can see them.
class LogFirstConfiguration : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(LogFirstConfiguration, TheFirstRecordReadsTheEnvironment) {
  EXPECT_EXIT(
      {
        ::setenv("AWS_LAMBDA_LOG_LEVEL", "debug", 1);
        ::setenv("AWS_LAMBDA_LOG_FORMAT", "json", 1);
        std::fflush(stdout);  // what the test framework buffered stays on stdout
        ::dup2(2, 1);
        lambda::log::trace("filtered out");
        lambda::log::debug("first record");
        ::_exit(0);
      },
      testing::ExitedWithCode(0), "^\\{\"timestamp\":\"[^\"]+\",\"level\":\"DEBUG\",\"message\":\"first record\"\\}\n$");
}

TEST_F(LogFirstConfiguration, TheEnvironmentIsReadOnlyOnce) {
  EXPECT_EXIT(
      {
        ::setenv("AWS_LAMBDA_LOG_LEVEL", "error", 1);
        lambda::log::configure_from_environment();
        ::setenv("AWS_LAMBDA_LOG_LEVEL", "trace", 1);
        lambda::log::configure_from_environment();
        ::_exit(lambda::log::current_settings().threshold == level::error ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST_F(LogFirstConfiguration, AnUnknownLevelIsReportedOnceAtStartUp) {
  EXPECT_EXIT(
      {
        ::setenv("AWS_LAMBDA_LOG_LEVEL", "chatty", 1);
        ::unsetenv("AWS_LAMBDA_LOG_FORMAT");
        std::fflush(stdout);  // what the test framework buffered stays on stdout
        ::dup2(2, 1);
        lambda::log::configure_from_environment();
        lambda::log::configure_from_environment();
        lambda::log::info("running");
        ::_exit(0);
      },
      testing::ExitedWithCode(0),
      "^[^\t\n]+\t\tWARN\tAWS_LAMBDA_LOG_LEVEL=chatty is not a log level; using INFO\n[^\t\n]+\t\tINFO\trunning\n$");
}

}  // namespace
