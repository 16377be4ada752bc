#pragma once
// The application the HTTP fuzzers talk to: the real router with the real
// handlers (app::RegisterRoutes) on a real SQLite store in a fresh directory
// under /dev/shm (so group commits cost no disk flush), seeded with the demo
// stores, and the admin token below. Built once per fuzzer process; the
// engine is not started, so emitted events just wait in the outbox.

#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace orderflow::fuzz {

inline constexpr std::string_view kAdminToken = "fuzz-admin-token-0123456789abcdef";
// Planted beside the static root: no response may ever contain it.
inline constexpr std::string_view kSecretMarker = "ORDERFLOW-FUZZ-SECRET-7f3a9c";

struct FuzzApp {
  http::ServerConfig config;
  const http::Router* router = nullptr;
};

// The process-wide app, created on first use.
const FuzzApp& App();

// Aborts (so libFuzzer reports the input) unless every response keeps the
// contract: a status the server may send; every 4xx/5xx carries the JSON
// error envelope with a 4xx status (a 5xx is a bug: the database is local
// and healthy); no response leaks the planted secret.
void CheckResponses(const std::vector<http::Response>& responses, std::string_view input);

}  // namespace orderflow::fuzz
