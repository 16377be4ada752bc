// Several `orderflow serve` processes on one PostgreSQL database (SPEC §5,
// §10): orders go to every instance, one instance dies by kill -9 mid-run,
// and the survivors finish its claimed work once its leases expire. Every
// acknowledged order must reach a terminal state with one charge, one stock
// commit and one set of notifications; stock is never oversold. A second test
// stops the database itself under load and starts it again.
//
// PostgreSQL only: these run in the integration pass with
// ORDERFLOW_TEST_BACKEND=postgres (ctest label "postgres").

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway_process.hpp"
#include "support/invariants.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kToken = "multi-instance-admin-token-0123456789";
const std::vector<std::string> kProducts = {"Motia Smartwatch V2", "Motia IoT Sensor Kit",
                                            "Motia Pro Headset", "Motia AI Dev Board"};

std::string TextOf(const json::value& v, const char* key) {
  const json::value* field = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : "";
}

// Orders acknowledged with 2xx, and what was answered otherwise.
struct Ledger {
  std::mutex mu;
  std::set<std::string> acked;
  std::map<int, int> statuses;  // HTTP status -> count (0: no response)

  // Waits (up to a minute) until `done` holds under the lock.
  bool WaitUntil(const std::function<bool(const Ledger&)>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      {
        std::lock_guard lock(mu);
        if (done(*this)) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

// Posts orders to `port` from `threads` threads until `stop`; a thread ends
// early when its server is gone, unless `keep_trying` (database outages).
std::vector<std::thread> StartWriters(unsigned short port, int threads, const std::string& tag,
                                      int quantity, std::atomic<bool>& stop, Ledger& ledger,
                                      bool keep_trying = false) {
  std::vector<std::thread> writers;
  for (int w = 0; w < threads; ++w) {
    writers.emplace_back([&, port, w, tag, quantity, keep_trying] {
      StoreApi api(port, kToken, "X");
      for (int i = 0; !stop; ++i) {
        json::object body{
            {"customerName", tag + " W" + std::to_string(w) + " #" + std::to_string(i)},
            {"items", json::array{json::object{{"productName", kProducts[(i + w) % 4]},
                                               {"quantity", quantity}}}}};
        if (i % 9 == 4) body["payment"] = json::object{{"token", "tok_chargeDeclined"}};
        HttpResult r = api.Post("/api/order", json::serialize(body));
        {
          std::lock_guard lock(ledger.mu);
          ++ledger.statuses[r.status];
          if (r.status / 100 == 2) {
            std::string id = TextOf(ParseJson(r.body), "orderId");
            if (id.empty()) ADD_FAILURE() << "no orderId in " << r.body;
            ledger.acked.insert(id);
          }
        }
        if (r.status == 0 && !keep_trying) return;
        if (r.status / 100 != 2) std::this_thread::sleep_for(20ms);
      }
    });
  }
  return writers;
}

void Join(std::vector<std::thread>& threads) {
  for (auto& t : threads) t.join();
  threads.clear();
}

// Waits until every acknowledged order is delivered or failed, as seen by the
// server on `port`; returns those that are not (missing ones included).
std::set<std::string> WaitTerminal(unsigned short port, const std::set<std::string>& orders,
                                   std::chrono::seconds timeout) {
  StoreApi api(port, kToken, "X");
  std::set<std::string> waiting = orders;
  const auto deadline = Clock::now() + timeout;
  while (!waiting.empty() && Clock::now() < deadline) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      HttpResult r = api.Get("/api/orders/" + *it);
      std::string status = TextOf(ParseJson(r.body), "status");
      if (r.status == 200 && (status == "delivered" || status == "failed")) {
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
    if (!waiting.empty()) std::this_thread::sleep_for(200ms);
  }
  return waiting;
}

// Waits until no delivery is pending (notifications follow terminal states).
void WaitDrained(const QueryIntFn& query, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (query("SELECT COUNT(*) FROM deliveries WHERE state = 0") != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
}

ServerProcess::Options InstanceOptions(const std::string& db_url, const std::string& gateway) {
  ServerProcess::Options options;
  options.db_url = db_url;
  options.extra_args = {"--admin-token",     kToken,  "--claim-lease", "2",   "--threads", "2",
                        "--payment-gateway", gateway, "--log-level",   "warn"};
  return options;
}

TEST(MultiInstance, ThreeServersOneDatabaseKillNineLosesNothingAndDoublesNothing) {
  if (!ServerProcess::OnPostgres()) {
    GTEST_SKIP() << "PostgreSQL only: runs in the pass with ORDERFLOW_TEST_BACKEND=postgres";
  }
  TempDir shared;
  const std::string url = PgSchemaUrl(shared.path());
  ASSERT_FALSE(url.empty());
  const QueryIntFn query = [&](const std::string& sql) { return PgQueryInt(shared.path(), sql); };
  GatewayProcess gateway(GatewayBinary());

  // The first instance migrates and seeds the demo stores; the others join.
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<ServerProcess>(InstanceOptions(url, gateway.url())));
  }
  const std::int64_t initial_stock = query("SELECT SUM(stock) FROM products WHERE store_id = 'X'");
  ASSERT_GT(initial_stock, 0);

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int i = 0; i < 3; ++i) {
    auto more = StartWriters(servers[i]->port(), 3, "I" + std::to_string(i), 1, stop, ledger);
    for (auto& t : more) writers.push_back(std::move(t));
  }
  // Killed under load, once orders flow.
  ASSERT_TRUE(ledger.WaitUntil([](const Ledger& l) { return l.acked.size() >= 10; }))
      << "the instances acknowledged too few orders";
  servers[1]->Kill9();
  const std::int64_t claimed_at_kill =
      query("SELECT COUNT(*) FROM deliveries WHERE state = 0 AND lease_until > 0");
  // Then on until demand has gone beyond the stock (a refusal), so that the
  // stock check is proven under the kill too.
  const auto give_up = Clock::now() + 60s;
  auto refusals = [&] {
    std::lock_guard lock(ledger.mu);
    return ledger.statuses[409];
  };
  while (refusals() == 0 && Clock::now() < give_up) std::this_thread::sleep_for(100ms);
  stop = true;
  Join(writers);
  std::printf(
      "[          ] %zu orders acknowledged by 3 instances (one killed); %lld deliveries "
      "were claimed at the kill\n",
      ledger.acked.size(), static_cast<long long>(claimed_at_kill));
  // Store X holds 50 units and the intake reserves at once, so the stock, not
  // the rate, bounds what can be acknowledged (declined orders give theirs
  // back).
  ASSERT_GT(ledger.acked.size(), 20u) << "too little load to prove anything";

  // The survivors take over the dead instance's claims after the lease.
  std::set<std::string> stuck = WaitTerminal(servers[0]->port(), ledger.acked, 60s);
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " acknowledged orders never finished, e.g. "
                             << *stuck.begin();
  WaitDrained(query, 30s);

  for (const auto& id : ledger.acked) {
    EXPECT_EQ(query("SELECT COUNT(*) FROM orders WHERE order_id = '" + id + "'"), 1) << id;
  }
  ExpectFlowInvariants(query, "X");
  // One charge per paid order, whichever instance (or instances) ran it.
  const std::int64_t paid = query("SELECT COUNT(*) FROM orders WHERE payment_status = 'paid'");
  EXPECT_EQ(gateway.Captured(), paid);
  EXPECT_EQ(query("SELECT COUNT(*) FROM orders WHERE status = 'delivered'"), paid);
  EXPECT_LE(
      query("SELECT COALESCE(-SUM(stock_delta), 0) FROM stock_movements WHERE kind = 'commit'"),
      initial_stock);
  // Demand beyond the stock is refused at intake (the chained reservation
  // commits with the order) or, in a race between instances, fails later.
  EXPECT_GT(refusals() + query("SELECT COUNT(*) FROM orders WHERE failure_reason = "
                               "'insufficient_stock'"),
            0);
  EXPECT_EQ(servers[0]->Terminate(), 0) << servers[0]->Output();
  EXPECT_EQ(servers[2]->Terminate(), 0) << servers[2]->Output();
}

// A private cluster, so stopping it disturbs no other test.
class PrivateCluster {
 public:
  PrivateCluster() {
    // The URL is the last line the script prints.
    std::string out = Run("start " + dir_.path());
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const std::size_t newline = out.find_last_of('\n');
    url_ = newline == std::string::npos ? out : out.substr(newline + 1);
  }
  ~PrivateCluster() { Run("stop " + dir_.path()); }
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  const std::string& url() const { return url_; }
  void Stop() { Run("stop " + dir_.path()); }
  void Resume() { Run("resume " + dir_.path()); }

 private:
  static std::string Run(const std::string& args) {
    const std::string command = "bash " ORDERFLOW_SOURCE_DIR "/scripts/pg_cluster.sh " + args;
    auto [code, out] = RunCommand(command);
    if (code != 0) ADD_FAILURE() << command << " failed: " << out;
    return out;
  }

  TempDir dir_;
  std::string url_;
};

TEST(PostgresOutage, ServerRecoversByItselfAndLosesNothingAcknowledged) {
  if (!ServerProcess::OnPostgres()) {
    GTEST_SKIP() << "PostgreSQL only: runs in the pass with ORDERFLOW_TEST_BACKEND=postgres";
  }
  PrivateCluster cluster;
  ASSERT_FALSE(cluster.url().empty());
  GatewayProcess gateway(GatewayBinary());
  ServerProcess server(InstanceOptions(cluster.url(), gateway.url()));
  HttpClient probe(server.port());
  ASSERT_EQ(probe.Get("/readyz").status, 200);

  Ledger ledger;
  std::atomic<bool> stop{false};
  auto writers = StartWriters(server.port(), 3, "Outage", 1, stop, ledger, /*keep_trying=*/true);
  ASSERT_TRUE(ledger.WaitUntil([](const Ledger& l) { return !l.acked.empty(); }));
  cluster.Stop();
  // While the database is down the server answers, and says why it is not ready.
  HttpResult ready = probe.Get("/readyz");
  for (auto give_up = Clock::now() + 60s; ready.status != 503 && Clock::now() < give_up;) {
    std::this_thread::sleep_for(20ms);
    ready = probe.Get("/readyz");
  }
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(TextOf(ParseJson(ready.body), "status"), "unavailable") << ready.body;
  EXPECT_FALSE(TextOf(ParseJson(ready.body), "reason").empty()) << ready.body;
  EXPECT_EQ(probe.Get("/healthz").status, 200);

  EXPECT_TRUE(ledger.WaitUntil([](const Ledger& l) { return l.statuses.count(503) > 0; }))
      << "no request saw the outage";
  const auto restarted = Clock::now();
  cluster.Resume();
  // Recovery: the first order acknowledged after the database came back.
  std::size_t acked_before = 0;
  {
    std::lock_guard lock(ledger.mu);
    acked_before = ledger.acked.size();
  }
  double recovery_ms = -1;
  while (Clock::now() - restarted < 30s) {
    {
      std::lock_guard lock(ledger.mu);
      if (ledger.acked.size() > acked_before) {
        recovery_ms = std::chrono::duration<double, std::milli>(Clock::now() - restarted).count();
        break;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(500ms);
  stop = true;
  Join(writers);
  ASSERT_GE(recovery_ms, 0) << "no order was acknowledged within 30 s of the database restart";
  EXPECT_EQ(probe.Get("/readyz").status, 200);
  std::printf("[          ] recovered %.0f ms after the database restart; answers: ", recovery_ms);
  for (const auto& [status, count] : ledger.statuses) std::printf("%dx%d ", status, count);
  std::printf("\n");
  EXPECT_GT(ledger.statuses[503], 0) << "the outage was not noticed";

  std::set<std::string> stuck = WaitTerminal(server.port(), ledger.acked, 60s);
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " acknowledged orders never finished";
  // Everything acknowledged is there and consistent.
  const QueryIntFn query = [&](const std::string& sql) {
    return PgQueryUrlInt(cluster.url(), sql);
  };
  WaitDrained(query, 30s);
  for (const auto& id : ledger.acked) {
    EXPECT_EQ(query("SELECT COUNT(*) FROM orders WHERE order_id = '" + id + "'"), 1) << id;
  }
  ExpectFlowInvariants(query, "X");
  EXPECT_EQ(gateway.Captured(), query("SELECT COUNT(*) FROM orders WHERE payment_status = 'paid'"));
  EXPECT_EQ(server.Terminate(), 0) << server.Output();
}

}  // namespace
}  // namespace orderflow::testing
