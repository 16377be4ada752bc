#pragma once
// The subcommands of the `orderflow` binary. Each returns the process exit
// code and reports failures as one line on stderr.

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
int DeadLetterList(Config config, const std::string& store_id);
int DeadLetterRedrive(Config config, const std::string& store_id, std::int64_t event_id,
                      const std::string& step);
int LoadCommand(load::LoadOptions options, const std::string& target);

// Sets up spdlog for text or JSON lines on stderr.
void ConfigureLogging(const Config& config);

}  // namespace orderflow::app
