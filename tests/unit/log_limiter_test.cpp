// LogLimiter: repeated lines of one kind are capped per interval and the
// next line let through reports how many were dropped (fake clock).

#include "common/log_limiter.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "support/fake_clock.hpp"

namespace orderflow {
namespace {

using testing::FakeClock;

TEST(LogLimiter, LetsABurstThroughPerIntervalAndCountsTheRest) {
  FakeClock clock;
  LogLimiter limiter(clock, {.interval_ms = 1000, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit("commit"), std::optional<std::int64_t>(0));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Admit("commit"), std::nullopt);
  EXPECT_EQ(limiter.Suppressed("commit"), 10);

  clock.Advance(999);
  EXPECT_EQ(limiter.Admit("commit"), std::nullopt) << "still the same interval";
  clock.Advance(1);
  // The first line of the next interval reports what was dropped, once.
  EXPECT_EQ(limiter.Admit("commit"), std::optional<std::int64_t>(11));
  EXPECT_EQ(limiter.Suppressed("commit"), 0);
  EXPECT_EQ(limiter.Admit("commit"), std::optional<std::int64_t>(0));
}

TEST(LogLimiter, KindsAreCappedSeparately) {
  FakeClock clock;
  LogLimiter limiter(clock, {.interval_ms = 1000, .burst = 1});
  EXPECT_TRUE(limiter.Admit("failed:payment"));
  EXPECT_FALSE(limiter.Admit("failed:payment"));
  EXPECT_TRUE(limiter.Admit("failed:shipping"));
  EXPECT_TRUE(limiter.Admit("commit"));
  EXPECT_EQ(limiter.Suppressed("failed:payment"), 1);
  EXPECT_EQ(limiter.Suppressed("failed:shipping"), 0);
}

TEST(LogLimiter, KindsPastTheTableShareOneEntry) {
  FakeClock clock;
  LogLimiter limiter(clock, {.interval_ms = 1000, .burst = 2, .max_kinds = 2});
  EXPECT_TRUE(limiter.Admit("a"));
  EXPECT_TRUE(limiter.Admit("b"));
  // Every new kind now counts against one shared overflow entry.
  EXPECT_TRUE(limiter.Admit("c"));
  EXPECT_TRUE(limiter.Admit("d"));
  EXPECT_FALSE(limiter.Admit("e"));
  EXPECT_FALSE(limiter.Admit("f"));
  EXPECT_TRUE(limiter.Admit("a")) << "known kinds keep their own entry";
}

TEST(LogLimiter, NoteSaysHowManyLinesWereSuppressed) {
  EXPECT_EQ(LogLimiter::Note(0), "");
  EXPECT_EQ(LogLimiter::Note(1), " (suppressed 1 similar line)");
  EXPECT_EQ(LogLimiter::Note(142000), " (suppressed 142000 similar lines)");
}

TEST(LogLimiter, LogLimitedWritesAtMostTheBurstAndThenTheSummary) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("limited", sink);
  logger->set_pattern("%l %v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  FakeClock clock;
  LogLimiter limiter(clock, {.interval_ms = 10'000, .burst = 2});
  for (int attempt = 1; attempt <= 7000; ++attempt) {
    LogLimited(limiter, "failed:payment", spdlog::level::info, "order-1",
               "step payment failed (attempt {})", attempt);
  }
  // Below the logger's level: neither written nor counted.
  LogLimited(limiter, "failed:payment", spdlog::level::trace, "", "invisible");
  clock.Advance(10'000);
  LogLimited(limiter, "failed:payment", spdlog::level::info, "order-1",
             "step payment failed (attempt {})", 7001);
  spdlog::set_default_logger(previous);

  EXPECT_EQ(out.str(),
            "info step payment failed (attempt 1)\n"
            "info step payment failed (attempt 2)\n"
            "info step payment failed (attempt 7001) (suppressed 6998 similar lines)\n");
}

}  // namespace
}  // namespace orderflow
