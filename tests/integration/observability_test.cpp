// Observability and export against the real binary: GET /metrics after a
// flow ran, --log-format json output, and `orderflow export` beside a
// running server.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/csv_record.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Parses the Prometheus text format: comment lines, then
// `name{label="value",...} number` or `name number`.
std::vector<Sample> ParseExposition(const std::string& text, std::string* error) {
  std::vector<Sample> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) {
      *error = "no value: " + line;
      return {};
    }
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          *error = "bad label: " + line;
          return {};
        }
        std::string key = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          value += line[j];
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    std::string number = line.substr(i);
    while (!number.empty() && number.front() == ' ') number.erase(0, 1);
    try {
      s.value = number == "+Inf" ? 1e308 : std::stod(number);
    } catch (const std::exception&) {
      *error = "bad number: " + line;
      return {};
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The value of the first sample named `name` whose labels include `want`;
// -1 when there is none.
double Find(const std::vector<Sample>& samples, const std::string& name, const Labels& want) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : want) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) return s.value;
  }
  return -1;
}

std::vector<Sample> Scrape(ServerProcess& server) {
  HttpClient client(server.port());
  HttpResult r = client.Get("/metrics");  // no credentials: served like /healthz
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  std::string error;
  auto samples = ParseExposition(r.body, &error);
  EXPECT_TRUE(error.empty()) << error;
  return samples;
}

std::string PostOrder(StoreApi& api, const std::string& customer, const std::string& token = "") {
  std::string body = boost::json::serialize(boost::json::object{
      {"customerName", customer},
      {"items", boost::json::array{boost::json::object{{"productName", "Motia Smartwatch V2"},
                                                       {"quantity", 1}}}},
      {"payment", boost::json::object{{"token", token.empty() ? "tok_visa" : token}}}});
  HttpResult r = api.Post("/api/order", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return Str(ParseJson(r.body), "orderId");
}

std::string WaitForTerminal(StoreApi& api, const std::string& order_id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = Str(ParseJson(api.Get("/api/orders/" + order_id).body), "status");
    if (status == "delivered" || status == "failed" || status == "cancelled") return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Metrics, ScrapeReflectsRequestsEngineAndOrders) {
  ServerProcess server;
  StoreApi api(server.port(), server.admin_token(), "X");
  auto before = Scrape(server);
  const Labels post_route = {{"route", "/api/order"}, {"method", "POST"}, {"status", "2xx"}};
  double posts_before = Find(before, "orderflow_http_requests_total", post_route);
  ASSERT_GE(posts_before, 0) << "series exists from the start";

  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(PostOrder(api, "Metrics Customer " + std::to_string(i)));
  for (const auto& id : ids) EXPECT_EQ(WaitForTerminal(api, id), "delivered");
  HttpResult stats = api.Get("/api/dashboard/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;

  auto after = Scrape(server);
  EXPECT_EQ(Find(after, "orderflow_http_requests_total", post_route), posts_before + 3);
  // Route patterns, never raw paths with ids in them.
  EXPECT_GE(Find(after, "orderflow_http_requests_total",
                 {{"route", "/api/orders/:id"}, {"method", "GET"}, {"status", "2xx"}}),
            3);
  for (const auto& s : after) {
    auto it = s.labels.find("route");
    if (it == s.labels.end()) continue;
    for (const auto& id : ids) EXPECT_EQ(it->second.find(id), std::string::npos) << it->second;
  }
  // Histogram: every bucket, the +Inf bucket equal to the count, the sum.
  const Labels post_latency = {{"route", "/api/order"}, {"method", "POST"}};
  for (const char* le : {"0.0001", "0.001", "0.01", "0.1", "1", "+Inf"}) {
    Labels l = post_latency;
    l["le"] = le;
    EXPECT_GE(Find(after, "orderflow_http_request_duration_seconds_bucket", l), 0) << le;
  }
  Labels inf = post_latency;
  inf["le"] = "+Inf";
  double count = Find(after, "orderflow_http_request_duration_seconds_count", post_latency);
  EXPECT_GE(count, 3);
  EXPECT_EQ(Find(after, "orderflow_http_request_duration_seconds_bucket", inf), count);
  EXPECT_GT(Find(after, "orderflow_http_request_duration_seconds_sum", post_latency), 0);

  // Orders by status: the same figures as the API's stats.
  auto by_status = ParseJson(stats.body).at("ordersByStatus").as_object();
  ASSERT_FALSE(by_status.empty());
  for (const auto& [status, n] : by_status) {
    EXPECT_EQ(Find(after, "orderflow_orders", {{"store", "X"}, {"status", std::string(status)}}),
              static_cast<double>(n.as_int64()))
        << status;
  }
  EXPECT_EQ(Find(after, "orderflow_orders", {{"store", "X"}, {"status", "delivered"}}), 3);

  // The engine ran the flow: every step of a paid order counted.
  for (const char* step : {"fraud-guard", "inventory-reserve", "payment", "fulfillment"}) {
    EXPECT_GE(Find(after, "orderflow_engine_deliveries_handled_total", {{"step", step}}), 3)
        << step;
    EXPECT_EQ(Find(after, "orderflow_engine_deliveries_dead_lettered_total", {{"step", step}}), 0)
        << step;
    EXPECT_GE(Find(after, "orderflow_engine_queue_depth", {{"step", step}}), 0) << step;
    EXPECT_GE(Find(after, "orderflow_engine_lag_seconds", {{"step", step}}), 0) << step;
  }
  EXPECT_GE(Find(after, "orderflow_engine_in_flight", {}), 0);
  EXPECT_EQ(Find(after, "orderflow_db_info",
                 {{"backend", ServerProcess::OnPostgres() ? "postgresql" : "sqlite"}}),
            1);
  EXPECT_EQ(Find(after, "orderflow_sse_clients", {}), 0);
  EXPECT_GT(Find(after, "process_resident_memory_bytes", {}), 1e6);
  EXPECT_GT(Find(after, "orderflow_uptime_seconds", {}), 0);
}

TEST(Metrics, RetriesAndDeadLettersAreCountedPerStep) {
  ServerProcess server;
  StoreApi api(server.port(), server.admin_token(), "X");
  // A transient gateway error on every attempt: retried, then dead-lettered.
  std::string id = PostOrder(api, "Flaky Card", "tok_processingError");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  double retried = 0;
  while (std::chrono::steady_clock::now() < deadline && retried < 1) {
    retried =
        Find(Scrape(server), "orderflow_engine_deliveries_retried_total", {{"step", "payment"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(retried, 1) << id;
}

TEST(JsonLogs, EveryLineIsJsonAndOrderLinesCarryOrderAndTraceIds) {
  ServerProcess server({{"--log-format", "json"}});
  StoreApi api(server.port(), server.admin_token(), "X");
  std::string paid = PostOrder(api, "Json Logger");
  std::string flaky = PostOrder(api, "Json Retry", "tok_processingError");
  EXPECT_EQ(WaitForTerminal(api, paid), "delivered");
  // The first failed payment attempt is logged with the order's fields.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         server.Output().find("\"orderId\":\"" + flaky + "\"") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.Terminate(), 0);

  std::map<std::string, std::vector<boost::json::object>> by_order;
  std::istringstream lines(server.Output());
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(v.is_object()) << line;
    const auto& o = v.as_object();
    for (const char* key : {"ts", "level", "msg"}) {
      ASSERT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " in " << line;
    }
    ++parsed;
    if (o.contains("orderId")) by_order[std::string(o.at("orderId").as_string())].push_back(o);
  }
  EXPECT_GE(parsed, 3);  // listening, dashboard, order lines, shutdown
  for (const std::string& id : {paid, flaky}) {
    ASSERT_FALSE(by_order[id].empty()) << "no line with orderId " << id << ":\n" << server.Output();
    std::string trace = Str(boost::json::value(by_order[id].front()), "traceId");
    EXPECT_EQ(trace.size(), 32u);
    EXPECT_EQ(trace.find_first_not_of("0123456789abcdef"), std::string::npos) << trace;
    for (const auto& o : by_order[id]) EXPECT_EQ(Str(boost::json::value(o), "traceId"), trace);
  }
  // Intake and engine lines of the retried order share its trace id.
  bool intake = false, retry = false;
  for (const auto& o : by_order[flaky]) {
    std::string msg(o.at("msg").as_string());
    intake = intake || msg.find("accepted") != std::string::npos;
    retry = retry || msg.find("retrying") != std::string::npos;
  }
  EXPECT_TRUE(intake);
  EXPECT_TRUE(retry);
  EXPECT_NE(Str(boost::json::value(by_order[paid].front()), "traceId"),
            Str(boost::json::value(by_order[flaky].front()), "traceId"));
}

TEST(Export, CsvAndJsonLinesMatchTheApiWhileTheServerRuns) {
  ServerProcess server;
  StoreApi api(server.port(), server.admin_token(), "X");
  const std::string tricky = "Doe, \"Jr\" Ann";
  std::vector<std::string> ids;
  ids.push_back(PostOrder(api, tricky));
  for (int i = 0; i < 4; ++i) ids.push_back(PostOrder(api, "Export Customer " + std::to_string(i)));
  ids.push_back(PostOrder(api, "Declined Export", "tok_chargeDeclined"));
  for (const auto& id : ids) WaitForTerminal(api, id);

  TempDir dir;
  const std::string bin = OrderflowBinary();
  const std::string db = " --db '" + server.db_arg() + "'";
  std::string csv_path = dir.path() + "/orders.csv";
  auto [csv_code, csv_out] =
      RunCommand(bin + db + " export --store X --format csv --output " + csv_path);
  ASSERT_EQ(csv_code, 0) << csv_out;
  EXPECT_NE(csv_out.find("exported 6 orders"), std::string::npos) << csv_out;

  std::string csv = ReadFile(csv_path);
  std::size_t pos = 0;
  std::vector<std::string> header = SplitCsvRecord(csv, pos);
  ASSERT_GE(header.size(), 10u);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  std::map<std::string, std::vector<std::string>> rows;
  while (pos < csv.size()) {
    auto fields = SplitCsvRecord(csv, pos);
    ASSERT_EQ(fields.size(), header.size());
    rows[fields[col["orderId"]]] = fields;
  }
  ASSERT_EQ(rows.size(), ids.size());
  for (const auto& id : ids) {
    ASSERT_EQ(rows.count(id), 1u) << id;
    auto api_order = ParseJson(api.Get("/api/orders/" + id).body);
    const auto& row = rows[id];
    EXPECT_EQ(row[col["customerName"]], Str(api_order, "customerName"));
    EXPECT_EQ(row[col["status"]], Str(api_order, "status"));
    EXPECT_EQ(row[col["createdAt"]], Str(api_order, "createdAt"));
    EXPECT_EQ(row[col["totalCents"]], std::to_string(api_order.at("totalCents").as_int64()));
  }
  EXPECT_EQ(rows[ids[0]][col["customerName"]], tricky);
  EXPECT_NE(csv.find("\"Doe, \"\"Jr\"\" Ann\""), std::string::npos) << "RFC 4180 quoting";

  std::string jl_path = dir.File("orders.jsonl");
  auto [jl_code, jl_out] =
      RunCommand(bin + db + " export --store X --format jsonl --output " + jl_path);
  ASSERT_EQ(jl_code, 0) << jl_out;
  std::istringstream jl(ReadFile(jl_path));
  int count = 0;
  for (std::string line; std::getline(jl, line);) {
    if (line.empty()) continue;
    auto v = ParseJson(line);
    ASSERT_TRUE(v.is_object()) << line;
    auto api_order = ParseJson(api.Get("/api/orders/" + Str(v, "orderId")).body);
    api_order.as_object().erase("history");
    EXPECT_EQ(v, api_order);
    ++count;
  }
  EXPECT_EQ(count, static_cast<int>(ids.size()));

  auto [failed_code, failed_out] =
      RunCommand(bin + db + " export --store X --format jsonl --status failed");
  EXPECT_EQ(failed_code, 0) << failed_out;
  EXPECT_NE(failed_out.find("exported 1 orders"), std::string::npos) << failed_out;
}

}  // namespace
}  // namespace orderflow::testing
