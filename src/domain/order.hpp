#pragma once
// Order, product, store (tenant) and notification records as the domain sees
// them. Plain data; persistence lives behind store::Store.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "domain/money.hpp"
#include "domain/order_status.hpp"

namespace orderflow::domain {

struct OrderLine {
  std::string product_id;
  std::string product_name;
  std::string sku;
  std::int64_t quantity = 0;
  Cents unit_price = 0;
  Cents line_total = 0;
};

struct HistoryEntry {
  std::string status;  // ORDER_CREATED, FRAUD_FLAGGED, ... (SPEC §3)
  TimeMs at = 0;
  std::string detail;
};

struct Order {
  std::string store_id;
  std::string order_id;
  std::int64_t seq = 0;  // insertion sequence; keyset pagination key, newest = largest
  std::string customer_name;
  std::string customer_email;
  std::vector<OrderLine> items;
  Cents total = 0;
  std::string currency = "USD";
  OrderStatus status = OrderStatus::kPending;
  std::string payment_status{kPaymentPending};
  std::string fulfillment_status{kFulfillmentUnfulfilled};
  std::string failure_reason;
  std::string tracking_number;
  std::string carrier;
  std::string payment_token;
  std::string request_hash;  // canonical hash of the creating request, for replay checks
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::vector<HistoryEntry> history;
};

enum class ProductStatus { kActive, kOutOfStock, kArchived };
const char* ToString(ProductStatus s);
std::optional<ProductStatus> ParseProductStatus(const std::string& s);

struct Product {
  std::string store_id;
  std::string product_id;
  std::string product_name;
  std::string sku;
  Cents price = 0;
  std::int64_t stock = 0;     // on hand
  std::int64_t reserved = 0;  // held for orders not yet fulfilled; <= stock
  std::int64_t threshold = 10;
  ProductStatus status = ProductStatus::kActive;
  bool low_stock_alerted = false;  // armed again only by a restock above threshold
  TimeMs created_at = 0;
  TimeMs updated_at = 0;

  std::int64_t available() const { return stock - reserved; }
};

// Fraud thresholds, per store (SPEC §4).
struct FraudSettings {
  Cents max_total = 1'000'000;           // flag above 10,000.00
  std::int64_t max_units = 100;          // flag above 100 units
  std::int64_t max_orders_per_hour = 5;  // flag at >= 5 orders/customer/hour
  std::int64_t max_failed_payments = 3;  // flag at >= 3 failed payments/customer/24h
  int hits_to_flag = 2;
  bool operator==(const FraudSettings&) const = default;
};

struct StoreInfo {
  std::string store_id;
  std::string name;
  std::string color = "#2563eb";
  std::string currency = "USD";
  std::string api_key_hash;  // SHA-256 hex of the current API key
  double rate_limit = 200;   // requests per second
  double burst = 400;
  FraudSettings fraud;
  TimeMs created_at = 0;
  // Lets a reload of the stores table tell which stores changed.
  bool operator==(const StoreInfo&) const = default;
};

enum class NotificationType { kInfo, kWarning, kError, kSuccess };
const char* ToString(NotificationType t);

struct Notification {
  std::string notification_id;
  std::string store_id;
  std::string order_id;
  NotificationType type = NotificationType::kInfo;
  std::string title;
  std::string message;
  bool read = false;
  TimeMs created_at = 0;
  std::int64_t seq = 0;
};

}  // namespace orderflow::domain
