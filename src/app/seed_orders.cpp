// `orderflow seed --orders N`: a large, realistic history so anyone can see
// the dashboard at scale. The orders are imported as finished (delivered, or
// failed for about one in twelve) over the last seven days, with their full
// history and the dashboard counters; they do not move stock (they are past
// business) and emit no events: their history goes into the event log as
// history-only rows, which no step handles (store/history_log.hpp).

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include "app/commands.hpp"
#include "app/open_store.hpp"
#include "common/ids.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow::app {
namespace {

constexpr const char* kFirstNames[] = {"Ada",     "Alan",    "Grace",    "Edsger",
                                       "Barbara", "Donald",  "Margaret", "Ken",
                                       "Frances", "Niklaus", "Radia",    "Linus"};
constexpr const char* kLastNames[] = {"Lovelace", "Turing", "Hopper",   "Dijkstra",
                                      "Liskov",   "Knuth",  "Hamilton", "Thompson",
                                      "Allen",    "Wirth",  "Perlman",  "Torvalds"};
constexpr const char* kCarriers[] = {"UPS", "FedEx", "DHL", "USPS"};

// A version 7 UUID (RFC 9562): the creation time in milliseconds, then
// random bits. Imported oldest first, the ids arrive in key order, so the
// order-id and events-by-order indexes grow at their right edge instead of taking
// a random page (a cache miss at a million orders) for every row.
std::string TimeOrderedUuid(TimeMs created, std::mt19937_64& rng) {
  std::uint64_t hi = (static_cast<std::uint64_t>(created) << 16) | 0x7000 | (rng() & 0x0fff);
  std::uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

domain::Order MakeOrder(const std::string& store_id, const std::vector<domain::Product>& catalogue,
                        TimeMs created, std::mt19937_64& rng) {
  domain::Order o;
  o.store_id = store_id;
  o.order_id = TimeOrderedUuid(created, rng);
  std::string first = kFirstNames[rng() % std::size(kFirstNames)];
  std::string last = kLastNames[rng() % std::size(kLastNames)];
  std::uint64_t n = rng() % 5000;
  o.customer_name = first + " " + last + " " + std::to_string(n);
  o.customer_email = first + "." + last + std::to_string(n) + "@example.com";
  for (auto& c : o.customer_email)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const domain::Product& p = catalogue[rng() % catalogue.size()];
  std::int64_t quantity = 1 + static_cast<std::int64_t>(rng() % 3);
  o.items.push_back(domain::OrderLine{p.product_id, p.product_name, p.sku, quantity, p.price,
                                      p.price * quantity});
  o.total = p.price * quantity;
  o.request_hash = Sha256Hex(o.order_id);
  o.created_at = created;
  std::string amount = domain::FormatCents(o.total) + " " + o.currency;
  o.history.push_back({"ORDER_CREATED", created, "Order received: 1 line(s), total " + amount});
  o.history.push_back(
      {"INVENTORY_RESERVED", created + 40, "Reserved " + std::to_string(quantity) + " unit(s)"});
  if (rng() % 12 == 0) {
    o.status = domain::OrderStatus::kFailed;
    o.payment_status = std::string(domain::kPaymentFailed);
    o.fulfillment_status = std::string(domain::kFulfillmentReleased);
    o.failure_reason = "payment_declined";
    o.history.push_back(
        {"PAYMENT_FAILED", created + 90, "Payment of " + amount + " declined: card_declined"});
    o.history.push_back({"INVENTORY_RELEASED", created + 120, "Reserved stock released"});
  } else {
    o.status = domain::OrderStatus::kDelivered;
    o.payment_status = std::string(domain::kPaymentPaid);
    o.fulfillment_status = std::string(domain::kFulfillmentDelivered);
    o.carrier = kCarriers[rng() % std::size(kCarriers)];
    o.tracking_number = "MOT-" + RandomAlnum(8);
    o.history.push_back({"PAYMENT_RECEIVED", created + 90, "Charged " + amount});
    o.history.push_back(
        {"FULFILLED", created + 150, "Reserved stock committed; packed for shipping"});
    o.history.push_back({"SHIPPED", created + 2150,
                         "Shipped with " + o.carrier + ", tracking " + o.tracking_number});
    o.history.push_back({"DELIVERED", created + 12150, "Delivered by " + o.carrier});
  }
  o.updated_at = o.history.back().at;
  return o;
}

}  // namespace

int SeedOrders(Config config, std::int64_t count, const std::string& store_id) {
  auto opened = OpenDatabase(config, OpenOptions{});
  if (!opened.ok()) {
    std::cerr << "orderflow: " << opened.error().message << std::endl;
    return 2;
  }
  store::Store& db = **opened;
  SystemClock clock;
  if (auto demo = tenancy::SeedDemo(db, clock); !demo.ok()) {
    std::cerr << "orderflow: " << demo.error().message << std::endl;
    return 2;
  }
  std::vector<domain::Product> catalogue;
  Status read = db.Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(catalogue, tx.ListProducts(store_id));
    return OkStatus();
  });
  if (!read.ok() || catalogue.empty()) {
    std::cerr << "orderflow: store '" << store_id << "' has no products to order" << std::endl;
    return 2;
  }
  std::mt19937_64 rng{std::random_device{}()};
  const TimeMs now = clock.NowMs();
  const TimeMs span = 7LL * 24 * 3600 * 1000 - 60'000;
  constexpr std::int64_t kBatch = 10000;
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t done = 0; done < count;) {
    std::int64_t n = std::min(kBatch, count - done);
    // Oldest first, so that insertion order (the list's order) matches time.
    Status s = store::WriteSync(db, [&](store::WriteTx& tx) -> Status {
      for (std::int64_t i = 0; i < n; ++i) {
        TimeMs created = now - span + span * (done + i) / std::max<std::int64_t>(1, count);
        OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder(store_id, catalogue, created, rng)));
      }
      return OkStatus();
    });
    if (!s.ok()) {
      std::cerr << "\norderflow: " << s.error().message << std::endl;
      return 2;
    }
    done += n;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rseeded %lld / %lld orders (%.0f orders/s)",
                 static_cast<long long>(done), static_cast<long long>(count),
                 static_cast<double>(done) / secs);
  }
  std::fprintf(stderr, "\n");
  std::printf("seeded %lld orders into store %s\n", static_cast<long long>(count),
              store_id.c_str());
  return 0;
}

}  // namespace orderflow::app
