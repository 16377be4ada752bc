#pragma once
// The one list of the routes `orderflow serve` answers. The server, the
// OpenAPI contract test and the fuzzers all build their router with it, so a
// route added here is served, documented-or-failing and fuzzed.

#include "http/handlers/api.hpp"
#include "http/live_hub.hpp"
#include "http/router.hpp"

namespace orderflow::app {

// Registers every API route on `router`. `services` and `live` must outlive
// the router and every copy of it.
void RegisterRoutes(http::Router& router, http::handlers::Services& services, http::LiveHub& live);

}  // namespace orderflow::app
