#pragma once
// The subcommands of the `orderflow` binary. Each returns the process exit
// code and reports failures as one line on stderr.

#include <optional>
#include <string>

#include "app/config.hpp"
#include "load/load_generator.hpp"

namespace orderflow::app {

int Serve(Config config);
int Migrate(Config config);
int Seed(Config config);
// Imports `count` finished orders over the last 7 days into `store_id`.
int SeedOrders(Config config, std::int64_t count, const std::string& store_id);
int CreateStoreCommand(Config config, const std::string& store_id, const std::string& name,
                       const std::string& currency);
int RotateKeyCommand(Config config, const std::string& store_id);
// Sets a store's rate limit (burst: twice the rate when not given).
int SetRateLimitCommand(Config config, const std::string& store_id, double rate_limit,
                        std::optional<double> burst);
int DeadLetterList(Config config, const std::string& store_id);
int DeadLetterRedrive(Config config, const std::string& store_id, std::int64_t event_id,
                      const std::string& step);
int LoadCommand(load::LoadOptions options, const std::string& target);

struct ExportOptions {
  std::string store_id;        // empty: every store
  std::string format = "csv";  // csv | jsonl
  std::string from, to;        // ISO 8601 bounds on createdAt, optional
  std::string status;          // optional filter
  std::string output;          // file; empty or "-": stdout
};
// Streams orders as CSV (RFC 4180, header row) or JSON lines; progress on
// stderr. Reads only, beside a running server.
int ExportCommand(const Config& config, const ExportOptions& options);

// Sets up spdlog for text or JSON lines on stderr.
void ConfigureLogging(const Config& config);

}  // namespace orderflow::app
