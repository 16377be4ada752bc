#include "app/routes.hpp"

namespace orderflow::app {

void RegisterRoutes(http::Router& router, http::handlers::Services& services, http::LiveHub& live) {
  http::handlers::RegisterHealthRoutes(router, services);
  http::handlers::RegisterOrderPostRoutes(router, services);
  http::handlers::RegisterOrderGetRoutes(router, services);
  http::handlers::RegisterDashboardRoutes(router, services);
  http::handlers::RegisterProductRoutes(router, services);
  http::handlers::RegisterStoreRoutes(router, services);
  http::handlers::RegisterAlertRoutes(router, services);
  http::handlers::RegisterOrderActionRoutes(router, services);
  http::handlers::RegisterEngineRoutes(router, services);
  http::handlers::RegisterWebhookRoutes(router, services);
  http::handlers::RegisterOpenApiRoutes(router);
  http::RegisterEventStreamRoute(router, services, live);
}

}  // namespace orderflow::app
