// The metrics component on a real SQLite store: text exposition basics,
// route instrumentation, engine hooks; and the JSON log line format.

#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "common/logging.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteConfig config;
    config.path = dir_.File("metrics.db");
    config.exclusive = false;
    auto opened = store::SqliteStore::Open(config);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    ASSERT_TRUE(tenancy::SeedDemo(*store_, clock_).ok());
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(MetricsTest, InstrumentedRoutesAreCountedByPatternAndTimed) {
  metrics::Metrics m(*store_, clock_, {"payment"});
  http::Router router;
  router.Add("GET", "/api/orders/:id", [](http::Request&, http::Respond respond) {
    http::Response r;
    r.status = 404;
    respond(std::move(r));
  });
  router.Add("POST", "/api/order", [](http::Request&, http::Respond respond) {
    http::Response r;
    r.status = 201;
    respond(std::move(r));
  });
  http::Router instrumented = m.Instrument(router);
  ASSERT_EQ(instrumented.routes().size(), 2u);
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    http::Request request;
    request.method = "POST";
    request.path = "/api/order";
    const http::Handler* handler = nullptr;
    ASSERT_EQ(instrumented.Match(request, &handler, nullptr), http::Router::MatchResult::kFound);
    (*handler)(request, [&answered](http::Response r) { answered += r.status == 201; });
  }
  http::Request get;
  get.method = "GET";
  get.path = "/api/orders/0d6c2b8e-secret-customer-path";
  const http::Handler* handler = nullptr;
  ASSERT_EQ(instrumented.Match(get, &handler, nullptr), http::Router::MatchResult::kFound);
  (*handler)(get, [&answered](http::Response r) { answered += r.status == 404; });
  EXPECT_EQ(answered, 4);

  m.DeliveryHandled("payment");
  m.DeliveryHandled("payment");
  m.DeliveryFailed("payment", false);
  m.DeliveryFailed("payment", true);
  m.DeliveryHandled("not-in-the-flow");

  auto scraped = m.Scrape();
  ASSERT_TRUE(scraped.ok()) << scraped.error().message;
  const std::string& text = *scraped;
  EXPECT_TRUE(Contains(text, "# TYPE orderflow_http_requests_total counter\n")) << text;
  EXPECT_TRUE(Contains(text, "# HELP orderflow_http_requests_total "));
  EXPECT_TRUE(Contains(
      text,
      "orderflow_http_requests_total{method=\"POST\",route=\"/api/order\",status=\"2xx\"} 3\n"))
      << text;
  EXPECT_TRUE(Contains(text,
                       "orderflow_http_requests_total{method=\"GET\",route=\"/api/orders/:id\","
                       "status=\"4xx\"} 1\n"));
  EXPECT_FALSE(Contains(text, "secret-customer-path"));
  EXPECT_TRUE(Contains(text, "# TYPE orderflow_http_request_duration_seconds histogram\n"));
  EXPECT_TRUE(Contains(text,
                       "orderflow_http_request_duration_seconds_count{method=\"POST\",route=\"/"
                       "api/order\"} 3\n"));
  EXPECT_TRUE(Contains(text,
                       "orderflow_http_request_duration_seconds_bucket{method=\"POST\",route=\"/"
                       "api/order\",le=\"+Inf\"} 3\n"));
  EXPECT_EQ(metrics::Metrics::LatencyBuckets().front(), 0.0001);
  EXPECT_EQ(metrics::Metrics::LatencyBuckets().back(), 1.0);
  EXPECT_TRUE(Contains(text, "orderflow_engine_deliveries_handled_total{step=\"payment\"} 2\n"));
  EXPECT_TRUE(Contains(text, "orderflow_engine_deliveries_retried_total{step=\"payment\"} 1\n"));
  EXPECT_TRUE(
      Contains(text, "orderflow_engine_deliveries_dead_lettered_total{step=\"payment\"} 1\n"));
  EXPECT_TRUE(
      Contains(text, "orderflow_engine_deliveries_handled_total{step=\"not-in-the-flow\"} 1\n"));
  // Gauges from the store: the demo stores with no orders yet, every status.
  EXPECT_TRUE(Contains(text, "# TYPE orderflow_orders gauge\n"));
  EXPECT_TRUE(Contains(text, "orderflow_orders{status=\"pending\",store=\"X\"} 0\n")) << text;
  EXPECT_TRUE(Contains(text, "orderflow_orders{status=\"delivered\",store=\"Z\"} 0\n"));
  EXPECT_TRUE(Contains(text, "orderflow_engine_queue_depth{step=\"payment\"} 0\n"));
  EXPECT_TRUE(Contains(text, "orderflow_engine_lag_seconds{step=\"payment\"} 0\n"));
  EXPECT_TRUE(Contains(text, "orderflow_db_info{backend=\"sqlite\"} 1\n"));
  EXPECT_TRUE(Contains(text, "# TYPE process_resident_memory_bytes gauge\n"));
  // Every sample line is `name[{labels}] value`.
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the exposition ends with a newline";
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    ASSERT_FALSE(line.empty() || line[0] == '#') << line;
    auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    std::string value = line.substr(space + 1);
    EXPECT_TRUE(value == "+Inf" || value.find_first_not_of("0123456789.e+-") == std::string::npos)
        << line;
  }
}

TEST_F(MetricsTest, ProbesAreReadAtScrapeTime) {
  metrics::Metrics m(*store_, clock_, {});
  std::int64_t streams = 0;
  std::int64_t wal = 0;
  m.SetProbes(
      {[] { return std::int64_t{7}; }, [&streams] { return streams; }, [&wal] { return wal; }});
  streams = 2;
  wal = 123456;
  auto text = m.Scrape();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(Contains(*text, "orderflow_engine_in_flight 7\n")) << *text;
  EXPECT_TRUE(Contains(*text, "orderflow_sse_clients 2\n"));
  EXPECT_TRUE(Contains(*text, "# TYPE orderflow_db_wal_bytes gauge\n")) << *text;
  EXPECT_TRUE(Contains(*text, "orderflow_db_wal_bytes 123456\n")) << *text;
}

TEST_F(MetricsTest, NoWalGaugeWithoutAWal) {
  metrics::Metrics m(*store_, clock_, {});
  metrics::Probes probes;
  probes.in_flight = [] { return std::int64_t{0}; };
  m.SetProbes(probes);  // as on PostgreSQL
  auto text = m.Scrape();
  ASSERT_TRUE(text.ok());
  EXPECT_FALSE(Contains(*text, "orderflow_db_wal_bytes")) << *text;
}

// The value of the sample line that starts with `series ` (-1 when absent).
double SampleValue(const std::string& text, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  std::size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size(), text.find('\n', at + 1) - at - prefix.size()));
}

TEST_F(MetricsTest, StatementCountersComeFromTheStore) {
  metrics::Metrics m(*store_, clock_, {});
  auto text = m.Scrape();
  ASSERT_TRUE(text.ok());
  // The scrape read the counts after its own reads; nothing ran since.
  const store::StatementCounts counted = store_->statement_counts();
  EXPECT_TRUE(Contains(*text, "# TYPE orderflow_db_statements_total counter\n")) << *text;
  EXPECT_TRUE(Contains(*text, "# TYPE orderflow_db_round_trips_total counter\n")) << *text;
  const char* kWriter = R"(orderflow_db_statements_total{connection="writer",kind=")";
  const char* kReader = R"(orderflow_db_statements_total{connection="reader",kind=")";
  // SeedDemo wrote the demo stores and products in one unit.
  EXPECT_GT(counted.writer.write, 0);
  EXPECT_EQ(SampleValue(*text, std::string(kWriter) + "write\"}"),
            static_cast<double>(counted.writer.write));
  EXPECT_EQ(SampleValue(*text, std::string(kWriter) + "tx_control\"}"),
            static_cast<double>(counted.writer.tx_control));
  EXPECT_EQ(SampleValue(*text, std::string(kWriter) + "read\"}"),
            static_cast<double>(counted.writer.read));
  EXPECT_GT(counted.readers.read, 0);  // the scrape's own
  EXPECT_EQ(SampleValue(*text, std::string(kReader) + "read\"}"),
            static_cast<double>(counted.readers.read));
  EXPECT_EQ(SampleValue(*text, std::string(kReader) + "write\"}"), 0);
  EXPECT_EQ(SampleValue(*text, R"(orderflow_db_round_trips_total{connection="writer"})"), 0);
}

TEST(JsonLogLine, EscapesAndAlwaysParses) {
  std::string msg = "quote \" backslash \\ newline \n tab \t bell \x07 bad utf8 \xff\xfe end é";
  std::string trace = TraceIdFor("order-1");
  LogFields fields{"order-1", trace};
  std::string line = JsonLogLine("2026-11-25T17:50:00.123Z", "info", msg, &fields);
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("ts").as_string(), "2026-11-25T17:50:00.123Z");
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("orderId").as_string(), "order-1");
  std::string parsed(o.at("msg").as_string());
  EXPECT_EQ(parsed.substr(0, 40), msg.substr(0, 40));
  EXPECT_NE(parsed.find("\xef\xbf\xbd"), std::string::npos) << "invalid bytes become U+FFFD";
  EXPECT_NE(parsed.find("é"), std::string::npos);
  EXPECT_EQ(o.at("traceId").as_string(), trace);

  std::string plain = JsonLogLine("t", "warning", "no order", nullptr);
  EXPECT_EQ(plain, R"({"ts":"t","level":"warning","msg":"no order"})");
}

TEST(JsonLogLine, TraceIdIsStablePerOrderAndShapedLikeW3C) {
  std::string a = TraceIdFor("5b0f8a3e-2c1d-4e6f-9a7b-1c2d3e4f5a6b");
  EXPECT_EQ(a, TraceIdFor("5b0f8a3e-2c1d-4e6f-9a7b-1c2d3e4f5a6b"));
  EXPECT_NE(a, TraceIdFor("5b0f8a3e-2c1d-4e6f-9a7b-1c2d3e4f5a6c"));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace orderflow
