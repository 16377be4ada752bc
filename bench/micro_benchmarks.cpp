// Google Benchmark micro-benchmarks of the pure per-order work on the intake
// and step paths: JSON in and out, request parsing and validation, pricing,
// fraud rules, the status table, request hashing and the HMAC/SHA-256
// helpers. `scripts/bench.sh` runs them and writes the table into
// docs/BENCHMARKS.md; not part of ctest.

#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "domain/fraud_rules.hpp"
#include "domain/order.hpp"
#include "domain/order_request.hpp"
#include "domain/order_status.hpp"
#include "http/handlers/views.hpp"

namespace {

using namespace orderflow;

// A realistic order body: three lines, email, expected total, payment token.
const std::string kOrderBody = R"({
  "orderId": "5b0f8a3e-2c1d-4e6f-9a7b-1c2d3e4f5a6b",
  "customerName": "Ada Lovelace",
  "customerEmail": "ada@example.com",
  "items": [
    {"productName": "Motia Smartwatch V2", "quantity": 2},
    {"productName": "Motia IoT Sensor Kit", "quantity": 1},
    {"sku": "MOTIA-HEADSET", "quantity": 3}
  ],
  "totalAmount": 594.00,
  "payment": {"token": "tok_visa"}
})";

class MapCatalogue final : public domain::Catalogue {
 public:
  MapCatalogue() {
    Add("Motia Smartwatch V2", "MOTIA-WATCH");
    Add("Motia IoT Sensor Kit", "MOTIA-IOT");
    Add("Motia Pro Headset", "MOTIA-HEADSET");
    Add("Motia AI Dev Board", "MOTIA-BOARD");
  }
  Result<std::optional<domain::Product>> Find(const domain::RequestedLine& line) const override {
    auto it = line.sku.empty() ? by_name_.find(line.product_name) : by_sku_.find(line.sku);
    const auto& map = line.sku.empty() ? by_name_ : by_sku_;
    if (it == map.end()) return std::optional<domain::Product>{};
    return std::optional<domain::Product>(it->second);
  }

 private:
  void Add(const std::string& name, const std::string& sku) {
    domain::Product p;
    p.store_id = "X";
    p.product_id = NewUuid();
    p.product_name = name;
    p.sku = sku;
    p.price = 9900;
    p.stock = 1000;
    by_name_[name] = p;
    by_sku_[sku] = p;
  }
  std::map<std::string, domain::Product> by_name_;
  std::map<std::string, domain::Product> by_sku_;
};

domain::OrderRequest ParsedRequest() {
  return domain::ParseOrderRequest(boost::json::parse(kOrderBody)).value();
}

domain::Order PricedOrder() {
  MapCatalogue catalogue;
  domain::OrderRequest request = ParsedRequest();
  domain::Order o;
  o.store_id = "X";
  o.order_id = request.order_id;
  o.customer_name = request.customer_name;
  o.customer_email = request.customer_email;
  o.items = domain::PriceOrder(request, catalogue, o.total).value();
  o.created_at = 1'764'000'000'000;
  o.updated_at = o.created_at + 150;
  o.history.push_back({"ORDER_CREATED", o.created_at, "Order received: 3 line(s), total 594.00"});
  o.history.push_back({"INVENTORY_RESERVED", o.created_at + 40, "Reserved 6 unit(s)"});
  o.history.push_back({"PAYMENT_RECEIVED", o.created_at + 90, "Charged 594.00 USD"});
  return o;
}

void BM_JsonParseOrderRequest(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(kOrderBody));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kOrderBody.size()));
}
BENCHMARK(BM_JsonParseOrderRequest);

void BM_JsonSerializeOrderRequest(benchmark::State& state) {
  boost::json::value v = boost::json::parse(kOrderBody);
  for (auto _ : state) benchmark::DoNotOptimize(ToJson(v));
}
BENCHMARK(BM_JsonSerializeOrderRequest);

void BM_ParseOrderRequestAndValidate(benchmark::State& state) {
  boost::json::value v = boost::json::parse(kOrderBody);
  for (auto _ : state) benchmark::DoNotOptimize(domain::ParseOrderRequest(v));
}
BENCHMARK(BM_ParseOrderRequestAndValidate);

void BM_PriceOrder(benchmark::State& state) {
  MapCatalogue catalogue;
  domain::OrderRequest request = ParsedRequest();
  for (auto _ : state) {
    domain::Cents total = 0;
    benchmark::DoNotOptimize(domain::PriceOrder(request, catalogue, total));
  }
}
BENCHMARK(BM_PriceOrder);

void BM_OrderViewBuildAndSerialize(benchmark::State& state) {
  domain::Order o = PricedOrder();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ToJson(http::handlers::OrderJson(o, true)));
  }
}
BENCHMARK(BM_OrderViewBuildAndSerialize);

void BM_JsonParseOrderView(benchmark::State& state) {
  std::string view = ToJson(http::handlers::OrderJson(PricedOrder(), true));
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(view));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * view.size()));
}
BENCHMARK(BM_JsonParseOrderView);

void BM_FraudRules(benchmark::State& state) {
  domain::Order o = PricedOrder();
  domain::FraudSignals signals{3, 1};
  domain::FraudSettings settings;
  for (auto _ : state) benchmark::DoNotOptimize(domain::EvaluateFraud(o, signals, settings));
}
BENCHMARK(BM_FraudRules);

void BM_StatusTransitions(benchmark::State& state) {
  using domain::OrderStatus;
  constexpr OrderStatus kAll[] = {OrderStatus::kPending,   OrderStatus::kFlagged,
                                  OrderStatus::kPaid,      OrderStatus::kFailed,
                                  OrderStatus::kFulfilled, OrderStatus::kShipped,
                                  OrderStatus::kDelivered, OrderStatus::kCancelled};
  for (auto _ : state) {
    int allowed = 0;
    for (OrderStatus from : kAll) {
      for (OrderStatus to : kAll) allowed += domain::CanTransition(from, to) ? 1 : 0;
    }
    benchmark::DoNotOptimize(allowed);
  }
  state.SetItemsProcessed(state.iterations() * 64);  // transitions checked
}
BENCHMARK(BM_StatusTransitions);

void BM_CanonicalHash(benchmark::State& state) {
  domain::OrderRequest request = ParsedRequest();
  for (auto _ : state) benchmark::DoNotOptimize(request.CanonicalHash());
}
BENCHMARK(BM_CanonicalHash);

void BM_Sha256Hex(benchmark::State& state) {
  std::string data(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Hex(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sha256Hex)->Arg(64)->Arg(1024);

void BM_HmacSha256Hex(benchmark::State& state) {
  // A webhook signature: "t.body" over an order-sized body.
  std::string key = "whsec_" + RandomHex(32);
  std::string payload = "1764000000." + ToJson(http::handlers::OrderJson(PricedOrder(), false));
  for (auto _ : state) benchmark::DoNotOptimize(HmacSha256Hex(key, payload));
}
BENCHMARK(BM_HmacSha256Hex);

void BM_ConstantTimeEquals(benchmark::State& state) {
  std::string a = Sha256Hex("api key a");
  std::string b = a;
  for (auto _ : state) benchmark::DoNotOptimize(ConstantTimeEquals(a, b));
}
BENCHMARK(BM_ConstantTimeEquals);

void BM_NewUuid(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NewUuid());
}
BENCHMARK(BM_NewUuid);

}  // namespace

BENCHMARK_MAIN();
