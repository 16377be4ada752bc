#pragma once
// The shared back end: PostgreSQL through libpq, for several orderflow
// processes on one database.
//
// Threads: a writer thread group-commits queued units like the SQLite store
// (one transaction per batch, one SAVEPOINT per unit, a deadlock or
// serialization failure re-runs the batch); once SetCommitListener is called
// a listener thread LISTENs on `orderflow_events:<schema>` (own connection)
// and calls the listener when another instance commits events (the writer
// issues NOTIFY in every transaction that inserted events). The listener is
// therefore called from both threads. Both threads are joined by the
// destructor, after the queued units completed.
//
// Connections: one fixed pool shared by Read, the writer and
// ClaimDueDeliveries (the writer keeps one between batches, so a pool needs
// at least 2). A lost connection makes its callers fail with
// kUnavailable while the pool reconnects with backoff; Ping reports why.

#include <chrono>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace orderflow::store {

struct PostgresConfig {
  std::string conninfo;  // libpq URI or key=value string, without our own options
  int pool = 8;          // connections shared by reads, writes and claims
  int max_batch = 1024;  // units per group commit
  // How long Open keeps retrying an unreachable database before failing.
  std::chrono::milliseconds startup_wait{5000};
  std::chrono::milliseconds max_backoff{5000};  // reconnection backoff cap
  // Read-only (export, dlq list): no migrations and no writer; Write fails
  // with kUnavailable. SchemaVersion() tells the caller whether the binary
  // and the database agree.
  bool read_only = false;
  // 32 bytes that seal webhook secrets at rest (see webhook_secrets.hpp),
  // the same for every instance; empty keeps them as given.
  std::string secret_key;
};

// Parses `postgresql://...` (or postgres://): our own query parameter
// `pool=N` is removed and applied; everything else is libpq's. Adds
// connect_timeout=5 unless given. kValidation on a malformed value.
Result<PostgresConfig> ParsePostgresUrl(const std::string& url);

class PostgresStore : public Store {
 public:
  // Connects the pool (waiting up to config.startup_wait for the server),
  // applies pending migrations under an advisory lock, starts the writer
  // (only connects when config.read_only).
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresConfig& config);
  ~PostgresStore() override;

  void Write(WriteFn fn, DoneFn done) override;
  void WriteForOrder(const std::string& store_id, const std::string& order_id, WriteFn fn,
                     DoneFn done) override;
  Status Read(const ReadFn& fn) override;
  using Store::ClaimDueDeliveries;
  Result<std::vector<Delivery>> ClaimDueDeliveries(TimeMs now, int limit, TimeMs lease_ms,
                                                   const std::vector<ClaimSkip>& skip) override;
  void ReleaseClaims(const std::vector<Delivery>& deliveries) override;
  Status Ping() override;
  // The probe upserts one row of `counters` ('', 'write-probe').
  Status CheckWrites() override;
  const char* Backend() const override { return "postgresql"; }
  void SetCommitListener(std::function<void()> listener) override;
  // `writer`: the writer thread's connection; `readers`: the rest of the
  // pool (reads, claims, pings). The LISTEN connection is not counted.
  StatementCounts statement_counts() const override;

  // Highest applied migration version.
  int SchemaVersion() const;

  struct Impl;

 private:
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Applies pending migrations and returns the schema version (for
// `orderflow migrate`). Safe to run while servers use the database.
Result<int> MigratePostgres(const PostgresConfig& config);

}  // namespace orderflow::store
