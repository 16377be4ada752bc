// GET /api/alerts, POST /api/alerts/:id/read, POST /api/alerts/read-all.

#include <boost/json.hpp>

#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

void Mark(store::Store& db, Respond respond, std::string store_id, std::string id) {
  auto marked = std::make_shared<std::int64_t>(0);
  db.Write(
      [store_id, id, marked](store::WriteTx& tx) -> Status {
        if (!id.empty()) return tx.MarkNotificationRead(store_id, id);
        OF_ASSIGN_OR_RETURN(*marked, tx.MarkAllNotificationsRead(store_id));
        return OkStatus();
      },
      [respond = std::move(respond), marked, id](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        json::object out{{"success", true}};
        if (id.empty()) out["marked"] = *marked;
        RespondJson(respond, 200, out);
      });
}

}  // namespace

void RegisterAlertRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/alerts", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    store::NotificationFilter f;
    f.store_id = principal->store_id;
    Status paging = ParsePaging(request, f.limit, f.before_seq);
    if (!paging.ok()) return RespondError(respond, paging.error());
    const std::string& unread = request.Query("unread");
    if (!unread.empty() && unread != "true" && unread != "false") {
      return RespondError(
          respond, MakeError(ErrorCode::kValidation, "unread must be true or false", "unread"));
    }
    f.unread_only = unread == "true";
    ReadJson(services, std::move(respond), [f](store::ReadTx& tx) -> Result<json::value> {
      OF_ASSIGN_OR_RETURN(auto page, tx.ListNotifications(f));
      OF_ASSIGN_OR_RETURN(auto unread_count, tx.CountUnreadNotifications(f.store_id));
      json::array alerts;
      for (const auto& n : page.items) alerts.push_back(AlertJson(n));
      return json::value(json::object{{"alerts", std::move(alerts)},
                                      {"nextCursor", CursorJson(page.next_seq)},
                                      {"unread", unread_count}});
    });
  });
  router.Add("POST", "/api/alerts/read-all",
             Idempotent(services, [&services](Request& request, Respond respond) {
               auto principal = Authorize(services, request, respond);
               if (!principal) return;
               Mark(*UnitStore(services, request), std::move(respond), principal->store_id, "");
             }));
  router.Add("POST", "/api/alerts/:id/read",
             Idempotent(services, [&services](Request& request, Respond respond) {
               auto principal = Authorize(services, request, respond);
               if (!principal) return;
               if (request.Param("id").empty() || request.Param("id").size() > 64) {
                 return RespondError(respond, MakeError(ErrorCode::kNotFound, "alert not found"));
               }
               Mark(*UnitStore(services, request), std::move(respond), principal->store_id,
                    request.Param("id"));
             }));
}

}  // namespace orderflow::http::handlers
