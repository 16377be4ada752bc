#pragma once
// A fault-injecting decorator of a real store::Store (DESIGN point 9, after
// LevelDB's SpecialEnv and Beast's fail_count): every unit of work passed to
// Write() sees a WriteTx that forwards each call to the real transaction but
// returns an injected ErrorCode::kUnavailable on the chosen call. Calls are
// counted across the decorator's lifetime (every WriteTx method, reads made
// through the WriteTx included), so a test can measure a scenario once with
// the store disarmed and then loop "fail call n" over every n.
//
// Reads through Store::Read can be failed the same way (the whole Read
// returns kUnavailable without running its callback). Everything else
// (Ping, Backend, SetCommitListener) is forwarded unchanged.
//
// Thread-safe: the counters are atomics; the configuration may change while
// units run.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "store/store.hpp"

namespace orderflow::testing {

class FaultyStore final : public store::Store {
 public:
  // `inner` must outlive the decorator.
  explicit FaultyStore(store::Store& inner) : inner_(inner) {}

  // Fails only the n-th WriteTx call (1-based, lifetime count). 0 disarms.
  void FailNthCall(std::int64_t n);
  // Fails every call whose lifetime index is a multiple of n. 0 disarms.
  void FailEveryNthCall(std::int64_t n);
  // Fails only the n-th Read (1-based, lifetime count). 0 disarms.
  void FailNthRead(std::int64_t n);
  // Stops injecting faults (counting goes on); FailCommits stays as set.
  void Disarm();
  // While on, every unit that succeeds is rolled back and its `done` gets
  // kUnavailable, as when the group commit itself fails (a full disk): the
  // unit ran, nothing was written.
  void FailCommits(bool on) { fail_commits_ = on; }
  // Units failed by FailCommits so far.
  std::int64_t failed_commits() const { return failed_commits_.load(); }

  // WriteTx calls made so far, failed ones included.
  std::int64_t calls() const { return calls_.load(); }
  // Reads made so far, failed ones included.
  std::int64_t reads() const { return reads_.load(); }
  // Faults injected so far (writes and reads).
  std::int64_t injected() const { return injected_.load(); }
  // Name of the WriteTx method that received the last injected fault.
  std::string last_failed_call() const;
  // WriteTx calls so far by method name.
  std::map<std::string, std::int64_t> calls_by_method() const;

  // Counts one WriteTx call; returns the injected error when it must fail.
  Status OnCall(const char* method);
  // Counts one read; returns the injected error when it must fail.
  Status OnRead(const char* what);

  void Write(WriteFn fn, DoneFn done) override;
  Status Read(const ReadFn& fn) override;
  // Counts as a read (FailNthRead applies).
  using store::Store::ClaimDueDeliveries;
  Result<std::vector<store::Delivery>> ClaimDueDeliveries(
      TimeMs now, int limit, TimeMs lease_ms, const std::vector<store::ClaimSkip>& skip) override;
  void ReleaseClaims(const std::vector<store::Delivery>& deliveries) override {
    inner_.ReleaseClaims(deliveries);
  }
  Status Ping() override { return inner_.Ping(); }
  // Forwarded, except that it fails while FailCommits is on.
  Status CheckWrites() override;
  const char* Backend() const override { return inner_.Backend(); }
  void SetCommitListener(std::function<void()> listener) override {
    inner_.SetCommitListener(std::move(listener));
  }
  store::StatementCounts statement_counts() const override { return inner_.statement_counts(); }

 private:
  store::Store& inner_;
  std::atomic<std::int64_t> calls_{0};
  std::atomic<std::int64_t> reads_{0};
  std::atomic<std::int64_t> injected_{0};
  std::atomic<std::int64_t> fail_nth_{0};
  std::atomic<std::int64_t> fail_every_{0};
  std::atomic<std::int64_t> fail_nth_read_{0};
  std::atomic<const char*> last_failed_{""};
  std::atomic<bool> fail_commits_{false};
  std::atomic<std::int64_t> failed_commits_{0};
  mutable std::mutex by_method_mu_;
  std::map<std::string, std::int64_t> by_method_;  // GUARDED_BY(by_method_mu_)
};

}  // namespace orderflow::testing
