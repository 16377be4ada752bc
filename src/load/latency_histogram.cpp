#include "load/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace orderflow::load {
namespace {

// The 1-based rank of the q-quantile among `total` samples (nearest rank).
std::int64_t Rank(double q, std::int64_t total) {
  return std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(q * static_cast<double>(total))), 1, total);
}

}  // namespace

LatencyHistogram::LatencyHistogram()
    : buckets_(std::make_unique<std::atomic<std::int64_t>[]>(kBuckets)) {}

void LatencyHistogram::Record(double ms) {
  double prev = max_.load(std::memory_order_relaxed);
  while (ms > prev && !max_.compare_exchange_weak(prev, ms)) {
  }
  int b = static_cast<int>(std::clamp(ms * kBucketsPerMs, 0.0, kBuckets - 1.0));
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
}

Percentiles LatencyHistogram::Compute() const {
  std::int64_t total = 0;
  for (int i = 0; i < kBuckets; ++i) total += buckets_[i].load(std::memory_order_relaxed);
  Percentiles p;
  if (total == 0) return p;
  p.max = max_.load();
  const std::int64_t ranks[] = {Rank(0.50, total), Rank(0.90, total), Rank(0.99, total)};
  double* out[] = {&p.p50, &p.p90, &p.p99};
  std::int64_t seen = 0;
  int next = 0;
  for (int i = 0; i < kBuckets && next < 3; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    while (next < 3 && seen >= ranks[next]) {
      // The bucket's upper edge overstates a sample by up to one bucket; the
      // exact maximum bounds it (and covers samples past the last bucket), so
      // no percentile is ever above max, also while others record.
      *out[next++] = std::min((i + 1) / kBucketsPerMs, p.max);
    }
  }
  // Samples recorded while this ran can leave a rank unreached.
  for (; next < 3; ++next) *out[next] = p.max;
  return p;
}

Percentiles PercentilesOfSorted(const std::vector<double>& sorted_ms) {
  Percentiles p;
  if (sorted_ms.empty()) return p;
  auto total = static_cast<std::int64_t>(sorted_ms.size());
  auto at = [&](double q) { return sorted_ms[static_cast<std::size_t>(Rank(q, total) - 1)]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = sorted_ms.back();
  return p;
}

}  // namespace orderflow::load
