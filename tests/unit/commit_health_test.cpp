// CommitHealth: readiness from the writer's commit outcomes, with a probe
// write when none is recent (fake clock; the probe answers on the spot).

#include "store/commit_health.hpp"

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"

namespace orderflow::store {
namespace {

using testing::FakeClock;

Error Full() {
  return MakeError(ErrorCode::kUnavailable, "commit failed: database or disk is full");
}

TEST(CommitHealth, AFreshOutcomeAnswersWithoutAProbe) {
  FakeClock clock;
  CommitHealth health(clock);
  int probes = 0;
  auto probe = [&] { ++probes; };
  health.Record(OkStatus());
  EXPECT_TRUE(health.Check(probe).ok());
  health.Record(Full());
  Status s = health.Check(probe);
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(s.error().message, "commit failed: database or disk is full");
  clock.Advance(999);
  EXPECT_FALSE(health.Check(probe).ok());
  EXPECT_EQ(probes, 0);
}

TEST(CommitHealth, WithoutARecentCommitAProbeWriteDecides) {
  FakeClock clock;
  CommitHealth health(clock);
  // Right after a start on a full disk: no commit yet, the probe fails.
  int probes = 0;
  Status s = health.Check([&] {
    ++probes;
    health.Record(Full());
  });
  EXPECT_EQ(probes, 1);
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  // Within the second, the failed probe's outcome answers.
  EXPECT_FALSE(health.Check([&] { ++probes; }).ok());
  EXPECT_EQ(probes, 1);
  // Later, with space freed, the next probe succeeds: ready again.
  clock.Advance(1000);
  EXPECT_TRUE(health
                  .Check([&] {
                    ++probes;
                    health.Record(OkStatus());
                  })
                  .ok());
  EXPECT_EQ(probes, 2);
}

TEST(CommitHealth, AnUnansweredProbeIsNotRepeatedWithinTheSecond) {
  FakeClock clock;
  CommitHealth health(clock, {.fresh_ms = 1000, .probe_wait = std::chrono::milliseconds(1)});
  int probes = 0;
  auto stuck = [&] { ++probes; };  // queued behind a writer that never answers
  Status s = health.Check(stuck);
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_NE(s.error().message.find("no commit finished"), std::string::npos) << s.error().message;
  EXPECT_FALSE(health.Check(stuck).ok());
  EXPECT_EQ(probes, 1) << "at most one probe a second";
  clock.Advance(1000);
  EXPECT_FALSE(health.Check(stuck).ok());
  EXPECT_EQ(probes, 2);
}

TEST(CommitHealth, RecordCountsTheFailuresBeforeARecovery) {
  FakeClock clock;
  CommitHealth health(clock);
  EXPECT_EQ(health.Record(Full()), 0);
  EXPECT_EQ(health.Record(Full()), 1);
  EXPECT_EQ(health.failures_in_a_row(), 2);
  EXPECT_EQ(health.Record(OkStatus()), 2);
  EXPECT_EQ(health.failures_in_a_row(), 0);
  EXPECT_EQ(health.Record(OkStatus()), 0);
}

}  // namespace
}  // namespace orderflow::store
