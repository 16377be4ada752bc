#pragma once
// Latency percentiles of `orderflow load`: a lock-free histogram that every
// connection records into, and nearest-rank percentiles of a sorted sample.
// Both keep p50 <= p90 <= p99 <= max, whatever the bucket width.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace orderflow::load {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // milliseconds
};

// 10 µs buckets up to 10 s, plus the exact maximum. Record is thread-safe
// and lock-free; Compute may run while others record.
class LatencyHistogram {
 public:
  static constexpr int kBuckets = 1'000'000;
  static constexpr double kBucketsPerMs = 100.0;

  LatencyHistogram();
  void Record(double ms);
  // Nearest-rank percentiles (the smallest value with at least q of the
  // samples at or below it), each reported as its bucket's upper edge but
  // never above the largest sample recorded; all zero when empty.
  Percentiles Compute() const;

 private:
  std::unique_ptr<std::atomic<std::int64_t>[]> buckets_;
  std::atomic<double> max_{0};
};

// Nearest-rank percentiles of `sorted_ms` (ascending); all zero when empty.
Percentiles PercentilesOfSorted(const std::vector<double>& sorted_ms);

}  // namespace orderflow::load
