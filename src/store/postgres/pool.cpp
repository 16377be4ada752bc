#include "store/postgres/pool.hpp"

#include <spdlog/spdlog.h>

#include <random>

namespace orderflow::store::pg {

std::chrono::milliseconds NextBackoff(std::chrono::milliseconds previous,
                                      std::chrono::milliseconds cap) {
  using std::chrono::milliseconds;
  milliseconds base = previous.count() == 0 ? milliseconds(100) : previous * 2;
  if (base > cap) base = cap;
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng)));
}

Pool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(slot_);
}

Connection& Pool::Lease::operator*() const { return *pool_->slots_[slot_].conn; }

Result<std::unique_ptr<Pool>> Pool::Open(const std::string& conninfo, int size,
                                         std::chrono::milliseconds max_backoff,
                                         StatementTally* tally) {
  std::unique_ptr<Pool> pool(new Pool(conninfo, max_backoff, tally));
  pool->slots_.resize(static_cast<std::size_t>(std::max(1, size)));
  for (std::size_t i = 0; i < pool->slots_.size(); ++i) {
    OF_ASSIGN_OR_RETURN(pool->slots_[i].conn, Connection::Open(conninfo));
    pool->slots_[i].conn->CountInto(tally);
    pool->idle_.push_back(i);
  }
  return pool;
}

Result<Pool::Lease> Pool::Acquire() {
  std::size_t slot = 0;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty(); });
    slot = idle_.back();
    idle_.pop_back();
  }
  Lease lease(this, slot);
  Slot& s = slots_[slot];
  if (s.conn && !s.conn->Broken()) return lease;
  auto now = std::chrono::steady_clock::now();
  if (now < s.retry_at) {
    return MakeError(ErrorCode::kUnavailable,
                     "database unreachable, reconnecting: " + DownReason());
  }
  s.conn.reset();
  auto opened = Connection::Open(conninfo_);
  if (!opened.ok()) {
    s.backoff = NextBackoff(s.backoff, max_backoff_);
    s.retry_at = std::chrono::steady_clock::now() + s.backoff;
    NoteFailure(opened.error().message);
    return MakeError(ErrorCode::kUnavailable,
                     "database unreachable, reconnecting: " + opened.error().message);
  }
  s.conn = std::move(opened).value();
  s.conn->CountInto(tally_);
  s.backoff = std::chrono::milliseconds(0);
  {
    std::lock_guard lock(mu_);
    if (!down_reason_.empty()) spdlog::info("postgresql: reconnected");
    down_reason_.clear();
  }
  return lease;
}

void Pool::Release(std::size_t slot) {
  Slot& s = slots_[slot];
  if (s.conn && s.conn->Broken()) {
    NoteFailure(s.conn->LastError());
    s.conn.reset();
  }
  {
    std::lock_guard lock(mu_);
    idle_.push_back(slot);
  }
  cv_.notify_one();
}

std::string Pool::DownReason() const {
  std::lock_guard lock(mu_);
  return down_reason_;
}

void Pool::NoteFailure(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (down_reason_.empty()) spdlog::warn("postgresql: connection lost: {}", reason);
  down_reason_ = reason.empty() ? "connection lost" : reason;
}

}  // namespace orderflow::store::pg
