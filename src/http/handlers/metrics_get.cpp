// GET /metrics: the Prometheus text exposition. Unauthenticated like
// /healthz so that a scraper needs no store key; the labels carry no
// customer data and no secrets (see metrics/metrics.hpp).

#include "http/handlers/api.hpp"
#include "metrics/metrics.hpp"

namespace orderflow::http::handlers {

void RegisterMetricsRoute(Router& router, Services& services, metrics::Metrics& metrics) {
  router.Add("GET", "/metrics", [&services, &metrics](Request&, Respond respond) {
    services.blocking.Post([&metrics, respond = std::move(respond)]() mutable {
      auto text = metrics.Scrape();
      if (!text.ok()) {
        RespondError(respond, text.error());
        return;
      }
      Response r;
      r.content_type = metrics::Metrics::kContentType;
      r.body = std::move(text).value();
      respond(std::move(r));
    });
  });
}

}  // namespace orderflow::http::handlers
