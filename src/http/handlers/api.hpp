#pragma once
// What every API handler shares: its dependencies (Services) and the small
// steps each request goes through (authorise, parse, run on the blocking
// pool, answer with JSON or the error envelope).

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/task_runner.hpp"
#include "engine/engine.hpp"
#include "engine/flow.hpp"
#include "http/handlers/idempotency.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "store/store.hpp"
#include "tenancy/failed_auth_limiter.hpp"
#include "tenancy/tenant_directory.hpp"

namespace orderflow::metrics {
class Metrics;
}

namespace orderflow::http {
class EgressPolicy;
}

namespace orderflow::http::handlers {

// Notified after a write that clients may want to see live (dashboard SSE).
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void OnChange(const std::string& store_id, const std::string& kind,
                        const std::string& json) = 0;
};

struct Services {
  store::Store& store;
  TaskRunner& blocking;
  const Clock& clock;
  tenancy::TenantDirectory& tenants;
  const engine::Flow& flow;
  ChangeListener* changes = nullptr;  // optional
  // Optional: turns repeated wrong credentials from one address into 429s.
  tenancy::FailedAuthLimiter* failed_auth = nullptr;
  // Optional: chains the steps an API step's events trigger into its unit.
  engine::Engine* engine = nullptr;
  // Optional: the outbound address policy webhook URLs must pass at
  // registration; null allows no private range at all.
  const EgressPolicy* egress = nullptr;
  // Requests with the same Idempotency-Key run one at a time.
  std::shared_ptr<InFlightKeys> in_flight_keys = std::make_shared<InFlightKeys>();
};

// Authenticates and rate-limits the request. On failure answers it and
// returns nullopt. A wrong credential (one that is presented) counts against
// the client address in `failed_auth`; once that bucket is empty the answer
// is 429 instead of 401.
std::optional<tenancy::Principal> Authorize(Services& services, const Request& request,
                                            Respond& respond, bool store_required = true);

// Parses the body as JSON: kInvalidJson (with the parser's reason) when it
// is not, or is nested deeper than 32 levels.
Result<boost::json::value> ParseJsonBody(const Request& request);

void RespondJson(Respond& respond, int status, const boost::json::value& body);
void RespondError(Respond& respond, const Error& error);

// Runs `fn` on a read snapshot on the blocking pool, then answers with its
// JSON (200) or its error.
void ReadJson(Services& services, Respond respond,
              std::function<Result<boost::json::value>(store::ReadTx&)> fn);

// Wraps a mutating handler so that a repeated Idempotency-Key with the same
// method, path and body gets the first response again (SPEC §7), and with
// another request a 409. Keys are scoped to the caller's credentials. The
// key is recorded in the unit of the effect (see idempotency.hpp): the
// inner handler must write through UnitStore(services, request). The first
// response is recorded before it is sent, so a client that saw it always
// gets the replay; a duplicate that arrives while the first is still
// running on this server waits for it, on another server it gets 409. The recorded body is sealed
// (AES-256-GCM) under a key derived from the caller's Authorization header, which is not stored,
// because it may carry a new API key or webhook secret; a record that no
// longer opens answers 409. (POST /api/order does this inside its own
// transaction instead.)
Handler Idempotent(Services& services, Handler inner);

// Parses ?limit= (1..500, default 50) and ?cursor= (positive integer).
Status ParsePaging(const Request& request, int& limit, std::int64_t& cursor);

// Registration of each resource's routes.
void RegisterHealthRoutes(Router& router, Services& services);
void RegisterOrderPostRoutes(Router& router, Services& services);
void RegisterOrderGetRoutes(Router& router, Services& services);
void RegisterDashboardRoutes(Router& router, Services& services);
void RegisterProductRoutes(Router& router, Services& services);
void RegisterStoreRoutes(Router& router, Services& services);
void RegisterAlertRoutes(Router& router, Services& services);
void RegisterOrderActionRoutes(Router& router, Services& services);
void RegisterEngineRoutes(Router& router, Services& services);
void RegisterWebhookRoutes(Router& router, Services& services);
void RegisterOpenApiRoutes(Router& router);

// docs/openapi.json, embedded at build time.
std::string_view OpenApiDocument();
// GET /metrics (no auth; see metrics_get.cpp).
void RegisterMetricsRoute(Router& router, Services& services, metrics::Metrics& metrics);

}  // namespace orderflow::http::handlers
