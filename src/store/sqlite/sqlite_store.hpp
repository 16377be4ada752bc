#pragma once
// The embedded default store: one SQLite file in WAL mode with
// synchronous=FULL. A single writer thread owns the write connection and
// group-commits queued units of work (one fsync per batch); reads use a small
// pool of reader connections, so they never wait for the writer.

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace orderflow::store {

struct SqliteConfig {
  std::string path;      // database file; created when missing
  int readers = 4;       // reader connections
  int max_batch = 1024;  // units per group commit
  // Hold PATH.lock for the store's lifetime: the server takes it so that
  // only one process ever runs the step engine on a database file. CLI
  // tools that only add rows (stores, dlq) run beside it without it.
  bool exclusive = true;
  // Read-only (export, dlq list): the file must exist; no lock, no writer,
  // no migrations, and Write fails with kUnavailable. SchemaVersion() tells
  // the caller whether the binary and the file agree.
  bool read_only = false;
  // 32 bytes that seal webhook secrets at rest (see webhook_secrets.hpp);
  // empty keeps them as given (tools that never write webhooks).
  std::string secret_key;
  // The writer checkpoints the WAL itself (wal_checkpointer.hpp): PASSIVE
  // after `checkpoint_idle_ms` without writes, TRUNCATE once the WAL file
  // passes `wal_limit_bytes` (also the journal_size_limit).
  std::int64_t wal_limit_bytes = std::int64_t{64} << 20;
  std::int64_t checkpoint_idle_ms = 1000;
  // Readiness: less free space than this on the database's file system
  // counts as a full disk (0: not checked). A tiny probe commit can still
  // fit in WAL space that failed commits allocated, so the probe alone
  // would say "ready" while every order fails.
  std::int64_t min_free_bytes = std::int64_t{1} << 20;
  // Orders the writer keeps as its commits left them (recent_orders.hpp),
  // so that a step's unit does not read back an order written just before
  // (0: none).
  std::size_t recent_orders = 8192;
};

class SqliteStore : public Store {
 public:
  // Opens the database, applies pending migrations and starts the writer
  // (only opens it when config.read_only).
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteConfig& config);
  ~SqliteStore() override;

  void Write(WriteFn fn, DoneFn done) override;
  Status Read(const ReadFn& fn) override;
  // The server's file lock makes this process the only claimant: listing
  // what is due is enough, and no lease is written.
  using Store::ClaimDueDeliveries;
  Result<std::vector<Delivery>> ClaimDueDeliveries(TimeMs now, int limit, TimeMs lease_ms,
                                                   const std::vector<ClaimSkip>& skip) override;
  void ReleaseClaims(const std::vector<Delivery>& /*deliveries*/) override {}
  Status Ping() override;
  // The probe upserts one row of `counters` ('', 'write-probe'); less
  // free space than config.min_free_bytes is reported first.
  Status CheckWrites() override;
  const char* Backend() const override { return "sqlite"; }
  void SetCommitListener(std::function<void()> listener) override;
  // The writer connection's statements, and the readers' together.
  StatementCounts statement_counts() const override;

  // Highest applied migration version.
  int SchemaVersion() const;

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Size in bytes of the WAL file of the database at `path` (0 when there is
// none), for the metrics. Thread-safe.
std::int64_t SqliteWalBytes(const std::string& path);

// Applies pending migrations to the database at `path` and returns the
// resulting schema version (for `orderflow migrate`).
Result<int> MigrateSqlite(const std::string& path);

}  // namespace orderflow::store
