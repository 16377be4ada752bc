#pragma once
// Keeps a TenantDirectory in step with the stores table, so that a store
// created, a key rotated or a rate limit changed by another instance (or by
// the CLI against the same database) applies here within one period, without
// a restart: once per period one ListStores read, on the blocking pool, and
// an atomic Replace() of the directory.
//
// No thread of its own: Run() is the timer loop and the caller owns the
// thread that runs it (Serve starts one and joins it after Stop()).

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/result.hpp"
#include "common/task_runner.hpp"
#include "store/store.hpp"
#include "tenancy/tenant_directory.hpp"

namespace orderflow::tenancy {

class TenantRefresher {
 public:
  TenantRefresher(store::Store& store, TenantDirectory& tenants, TaskRunner& blocking,
                  std::chrono::milliseconds period);
  ~TenantRefresher();  // Stop()s
  TenantRefresher(const TenantRefresher&) = delete;
  TenantRefresher& operator=(const TenantRefresher&) = delete;

  // Every period posts one reload to `blocking` (none while the previous one
  // still runs) until Stop(). Blocks the calling thread.
  void Run();
  // Makes Run() return and waits for a reload in flight. Thread-safe.
  void Stop();

  // One reload on the calling thread: reads the stores table and replaces
  // the directory's contents. Logs what changed.
  Result<TenantDirectory::ReplaceResult> ReloadNow();

 private:
  void ReloadAndLog();

  store::Store& store_;
  TenantDirectory& tenants_;
  TaskRunner& blocking_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // GUARDED_BY(mu_)
  bool in_flight_ = false;  // GUARDED_BY(mu_)
  bool failing_ = false;    // last reload failed (log once per outage); GUARDED_BY(mu_)
};

}  // namespace orderflow::tenancy
