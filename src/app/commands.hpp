#pragma once
// The subcommands of the `orderflow` binary. Each returns the process exit
// code and reports failures as one line on stderr.

#include <string>

#include "app/config.hpp"

namespace orderflow::app {

int Serve(Config config);
int Migrate(Config config);
int Seed(Config config);
int CreateStoreCommand(Config config, const std::string& store_id, const std::string& name,
                       const std::string& currency);
int RotateKeyCommand(Config config, const std::string& store_id);

// Sets up spdlog for text or JSON lines on stderr.
void ConfigureLogging(const Config& config);

}  // namespace orderflow::app
