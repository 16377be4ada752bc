#include "load/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace orderflow::load {
namespace {

void ExpectOrdered(const Percentiles& p) {
  EXPECT_LE(p.p50, p.p90);
  EXPECT_LE(p.p90, p.p99);
  EXPECT_LE(p.p99, p.max);
}

TEST(LatencyHistogram, EmptyIsAllZero) {
  LatencyHistogram h;
  Percentiles p = h.Compute();
  EXPECT_EQ(p.p50, 0);
  EXPECT_EQ(p.p99, 0);
  EXPECT_EQ(p.max, 0);
}

// The summary that showed p99 > max: every sample in one bucket, whose
// upper edge lies above the largest sample.
TEST(LatencyHistogram, NoPercentileExceedsTheMaximum) {
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.Record(1.234);
  Percentiles p = h.Compute();
  EXPECT_DOUBLE_EQ(p.max, 1.234);
  EXPECT_DOUBLE_EQ(p.p99, 1.234);
  EXPECT_DOUBLE_EQ(p.p50, 1.234);
  ExpectOrdered(p);
}

TEST(LatencyHistogram, OneSample) {
  LatencyHistogram h;
  h.Record(7.5);
  Percentiles p = h.Compute();
  EXPECT_DOUBLE_EQ(p.p50, 7.5);
  EXPECT_DOUBLE_EQ(p.p99, 7.5);
  EXPECT_DOUBLE_EQ(p.max, 7.5);
}

// Nearest rank: of 1..100 ms, p50 is the 50th sample, p90 the 90th, p99 the
// 99th, each reported as its 10 µs bucket's upper edge.
TEST(LatencyHistogram, NearestRankOnAKnownDistribution) {
  LatencyHistogram h;
  for (int ms = 100; ms >= 1; --ms) h.Record(ms - 0.005);
  Percentiles p = h.Compute();
  EXPECT_NEAR(p.p50, 50.0, 0.011);
  EXPECT_NEAR(p.p90, 90.0, 0.011);
  EXPECT_NEAR(p.p99, 99.0, 0.011);
  EXPECT_DOUBLE_EQ(p.max, 99.995);
}

// One slow outlier among fast requests is the maximum, not the p99.
TEST(LatencyHistogram, OutlierIsTheMaximumOnly) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.Record(2.0);
  h.Record(500.0);
  Percentiles p = h.Compute();
  EXPECT_NEAR(p.p99, 2.0, 0.011);
  EXPECT_DOUBLE_EQ(p.max, 500.0);
}

// Past the last bucket (10 s) the percentile is bounded by the true maximum.
TEST(LatencyHistogram, SamplesBeyondTheLastBucket) {
  LatencyHistogram h;
  h.Record(25'000.0);
  h.Record(30'000.0);
  Percentiles p = h.Compute();
  EXPECT_DOUBLE_EQ(p.max, 30'000.0);
  ExpectOrdered(p);
  EXPECT_GE(p.p99, 9'999.0);
}

TEST(LatencyHistogram, RandomSamplesStayOrderedAndMatchTheSortedSample) {
  std::mt19937 rng(12345);
  std::lognormal_distribution<double> latency(1.0, 1.2);
  for (int round = 0; round < 20; ++round) {
    LatencyHistogram h;
    std::vector<double> samples(1 + rng() % 5000);
    for (auto& s : samples) {
      s = latency(rng);
      h.Record(s);
    }
    std::sort(samples.begin(), samples.end());
    Percentiles exact = PercentilesOfSorted(samples);
    Percentiles p = h.Compute();
    ExpectOrdered(p);
    EXPECT_DOUBLE_EQ(p.max, exact.max);
    // At most one bucket (10 µs) above the exact value, never below it.
    for (auto [approx, truth] :
         {std::pair{p.p50, exact.p50}, std::pair{p.p90, exact.p90}, std::pair{p.p99, exact.p99}}) {
      EXPECT_GE(approx + 1e-9, truth);
      EXPECT_LE(approx, truth + 0.01 + 1e-9);
    }
  }
}

// Compute while others record: every snapshot is ordered.
TEST(LatencyHistogram, ComputeDuringRecordingStaysOrdered) {
  LatencyHistogram h;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&h, t] {
      std::mt19937 rng(t);
      std::uniform_real_distribution<double> ms(0.0, 50.0);
      for (int i = 0; i < 200'000; ++i) h.Record(ms(rng));
    });
  }
  std::thread reader([&] {
    while (!done.load()) ExpectOrdered(h.Compute());
  });
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  ExpectOrdered(h.Compute());
}

TEST(PercentilesOfSorted, NearestRank) {
  std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  Percentiles p = PercentilesOfSorted(ten);
  EXPECT_EQ(p.p50, 5);
  EXPECT_EQ(p.p90, 9);
  EXPECT_EQ(p.p99, 10);
  EXPECT_EQ(p.max, 10);
  EXPECT_EQ(PercentilesOfSorted({}).max, 0);
  EXPECT_EQ(PercentilesOfSorted({4.0}).p50, 4.0);
}

}  // namespace
}  // namespace orderflow::load
