#include "http/live_hub.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json.hpp"
#include "http/handlers/stats.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxOrdersPerFlush = 200;
// Seconds a client turned away at the stream caps should wait.
constexpr int kStreamRetryAfterSeconds = 5;

std::string SseEvent(const char* type, const std::string& data) {
  return std::string("event: ") + type + "\ndata: " + data + "\n\n";
}

}  // namespace

LiveHub::LiveHub(store::Store& store, const Clock& clock, StreamQuota::Limits limits)
    : store_(store), clock_(clock), quota_(limits) {}

LiveHub::~LiveHub() { Stop(); }

void LiveHub::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void LiveHub::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveHub::OrderChanged(const std::string& store_id, const std::string& order_id) {
  std::lock_guard lock(mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end() || it->second.writers.empty()) return;
  if (it->second.dirty_orders.size() < kMaxOrdersPerFlush) it->second.dirty_orders.insert(order_id);
  it->second.stats_dirty = true;
}

void LiveHub::AlertsChanged(const std::string& store_id) {
  std::lock_guard lock(mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end() || it->second.writers.empty()) return;
  it->second.alerts_dirty = true;
  it->second.stats_dirty = true;
}

void LiveHub::OnChange(const std::string& store_id, const std::string& kind,
                       const std::string& body) {
  if (kind != "order") return;
  std::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return;
  if (const auto* id = v.get_object().if_contains("orderId"); id && id->is_string()) {
    OrderChanged(store_id, std::string(id->get_string()));
  }
}

void LiveHub::Subscribe(const std::string& store_id, std::shared_ptr<StreamWriter> writer) {
  writer->Send("retry: 3000\n\n");
  {
    std::lock_guard lock(mu_);
    StoreState& s = stores_[store_id];
    s.writers.push_back(std::move(writer));
    s.stats_dirty = true;
  }
  cv_.notify_all();
}

std::size_t LiveHub::listeners() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, s] : stores_) n += s.writers.size();
  return n;
}

void LiveHub::Loop() {
  std::unique_lock lock(mu_);
  while (running_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return !running_; });
    if (!running_) break;
    std::vector<std::pair<std::string, StoreState>> work;
    for (auto& [store_id, s] : stores_) {
      s.writers.erase(std::remove_if(s.writers.begin(), s.writers.end(),
                                     [](const auto& w) { return w->Closed(); }),
                      s.writers.end());
      if (s.writers.empty()) continue;
      if (s.dirty_orders.empty() && !s.alerts_dirty && !s.stats_dirty && s.last_alert_seq >= 0)
        continue;
      work.emplace_back(store_id, s);
      s.dirty_orders.clear();
      s.alerts_dirty = false;
      s.stats_dirty = false;
    }
    lock.unlock();
    for (auto& [store_id, snapshot] : work) Flush(store_id, std::move(snapshot));
    lock.lock();
  }
}

void LiveHub::Flush(const std::string& store_id, StoreState snapshot) {
  std::vector<std::string> messages;
  std::int64_t newest_alert = snapshot.last_alert_seq;
  TimeMs now = clock_.NowMs();
  Status s = store_.Read([&](store::ReadTx& tx) -> Status {
    for (const auto& order_id : snapshot.dirty_orders) {
      auto order = tx.GetOrder(store_id, order_id);
      if (order.ok())
        messages.push_back(SseEvent("order", ToJson(handlers::OrderJson(*order, false))));
    }
    if (snapshot.alerts_dirty || snapshot.last_alert_seq < 0) {
      store::NotificationFilter f;
      f.store_id = store_id;
      f.limit = 20;
      OF_ASSIGN_OR_RETURN(auto page, tx.ListNotifications(f));
      if (snapshot.last_alert_seq < 0) {
        // First flush for this store: remember where we are, push nothing old.
        newest_alert = page.items.empty() ? 0 : page.items.front().seq;
      } else {
        for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
          if (it->seq <= snapshot.last_alert_seq) continue;
          messages.push_back(SseEvent("notification", ToJson(handlers::AlertJson(*it))));
          newest_alert = std::max(newest_alert, it->seq);
        }
      }
    }
    if (snapshot.stats_dirty) {
      OF_ASSIGN_OR_RETURN(json::value stats, handlers::StatsJson(tx, store_id, now, false));
      messages.push_back(SseEvent("stats", ToJson(stats)));
    }
    return OkStatus();
  });
  if (!s.ok()) {
    spdlog::warn("live updates for store {} failed: {}", store_id, s.error().message);
    return;
  }
  std::vector<std::shared_ptr<StreamWriter>> writers;
  {
    std::lock_guard lock(mu_);
    StoreState& state = stores_[store_id];
    state.last_alert_seq = std::max(state.last_alert_seq, newest_alert);
    writers = state.writers;
  }
  for (const auto& w : writers) {
    for (const auto& m : messages) {
      if (!w->Send(m)) break;
    }
  }
}

void RegisterEventStreamRoute(Router& router, handlers::Services& services, LiveHub& hub) {
  router.Add("GET", "/api/events/stream", [&services, &hub](Request& request, Respond respond) {
    // EventSource cannot send headers: accept ?token= and ?store= too.
    if (request.Header("authorization").empty() && !request.Query("token").empty()) {
      request.headers.emplace_back("authorization", "Bearer " + request.Query("token"));
    }
    if (request.Header("x-store-id").empty() && !request.Query("store").empty()) {
      request.headers.emplace_back("x-store-id", request.Query("store"));
    }
    auto principal = handlers::Authorize(services, request, respond);
    if (!principal) return;
    auto ticket = hub.quota().Admit(principal->store_id);
    if (!ticket) {
      Response busy = ErrorResponse(MakeError(
          ErrorCode::kUnavailable, "too many event streams are open; retry later or poll"));
      busy.headers.emplace_back("Retry-After", std::to_string(kStreamRetryAfterSeconds));
      respond(std::move(busy));
      return;
    }
    Response r;
    r.content_type = "text/event-stream";
    // The ticket lives in the response, which the server keeps until the
    // stream ends: the stream's place is given back when the connection is.
    r.stream = [&hub, store_id = principal->store_id,
                ticket = std::move(ticket)](std::shared_ptr<StreamWriter> writer) {
      hub.Subscribe(store_id, std::move(writer));
    };
    respond(std::move(r));
  });
}

}  // namespace orderflow::http
