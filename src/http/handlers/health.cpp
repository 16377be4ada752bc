// GET /healthz (process up) and GET /readyz (the database can be read and
// written: a full disk or read-only file system still serves reads, so
// readiness also needs commits to succeed).

#include <boost/json.hpp>

#include "http/handlers/api.hpp"

namespace orderflow::http::handlers {

namespace json = boost::json;

void RegisterHealthRoutes(Router& router, Services& services) {
  router.Add("GET", "/healthz", [](Request&, Respond respond) {
    RespondJson(respond, 200, json::object{{"status", "ok"}});
  });
  router.Add("GET", "/readyz", [&services](Request&, Respond respond) {
    services.blocking.Post([&services, respond = std::move(respond)]() mutable {
      Status ready = services.store.Ping();
      if (ready.ok()) ready = services.store.CheckWrites();
      json::object out{{"database", services.store.Backend()}};
      if (ready.ok()) {
        out["status"] = "ready";
        RespondJson(respond, 200, out);
      } else {
        out["status"] = "unavailable";
        out["reason"] = ready.error().message;
        RespondJson(respond, 503, out);
      }
    });
  });
}

}  // namespace orderflow::http::handlers
