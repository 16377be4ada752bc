#include "store/codec.hpp"

#include <boost/json.hpp>

namespace orderflow::store {

namespace json = boost::json;

std::string EncodeItems(const std::vector<domain::OrderLine>& items) {
  json::array arr;
  arr.reserve(items.size());
  for (const auto& l : items) {
    arr.push_back(json::object{{"p", l.product_id},
                               {"n", l.product_name},
                               {"s", l.sku},
                               {"q", l.quantity},
                               {"u", l.unit_price},
                               {"t", l.line_total}});
  }
  return json::serialize(arr);
}

Result<std::vector<domain::OrderLine>> DecodeItems(const std::string& text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return MakeError(ErrorCode::kInternal, "corrupt order items");
  std::vector<domain::OrderLine> out;
  for (const auto& e : v.get_array()) {
    const auto& o = e.as_object();
    out.push_back(domain::OrderLine{std::string(o.at("p").as_string()),
                                    std::string(o.at("n").as_string()),
                                    std::string(o.at("s").as_string()), o.at("q").as_int64(),
                                    o.at("u").as_int64(), o.at("t").as_int64()});
  }
  return out;
}

std::string EncodeFraudSettings(const domain::FraudSettings& s) {
  return json::serialize(json::object{{"maxTotalCents", s.max_total},
                                      {"maxUnits", s.max_units},
                                      {"maxOrdersPerHour", s.max_orders_per_hour},
                                      {"maxFailedPayments", s.max_failed_payments},
                                      {"hitsToFlag", s.hits_to_flag}});
}

domain::FraudSettings DecodeFraudSettings(const std::string& text) {
  domain::FraudSettings s;
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.get_object();
  auto get = [&o](const char* key, auto& field) {
    if (const auto* x = o.if_contains(key); x && x->is_int64()) {
      field = static_cast<std::remove_reference_t<decltype(field)>>(x->get_int64());
    }
  };
  get("maxTotalCents", s.max_total);
  get("maxUnits", s.max_units);
  get("maxOrdersPerHour", s.max_orders_per_hour);
  get("maxFailedPayments", s.max_failed_payments);
  get("hitsToFlag", s.hits_to_flag);
  return s;
}

std::string CustomerKey(const std::string& customer_name) {
  std::string key = customer_name;
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::string EncodeTopics(const std::vector<std::string>& topics) {
  std::string out;
  for (const auto& t : topics) out += (out.empty() ? "" : ",") + t;
  return out;
}

std::vector<std::string> DecodeTopics(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

WebhookDeliveryState WebhookStateFromCode(std::int64_t code) {
  return code == 1   ? WebhookDeliveryState::kSucceeded
         : code == 2 ? WebhookDeliveryState::kFailed
                     : WebhookDeliveryState::kPending;
}

Error NotFound(const std::string& what) {
  return MakeError(ErrorCode::kNotFound, what + " not found");
}

std::string LikeEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string AddHandled(const std::string& handled, const std::string& step) {
  return handled.empty() ? step : handled + "," + step;
}

bool IsHandledBy(const std::string& handled, const std::string& step) {
  std::size_t start = 0;
  while (start <= handled.size()) {
    std::size_t end = handled.find(',', start);
    if (end == std::string::npos) end = handled.size();
    if (handled.compare(start, end - start, step) == 0) return true;
    start = end + 1;
  }
  return false;
}

void AppendHandledDeliveries(const Event& event, const std::string& handled,
                             std::vector<Delivery>& out) {
  std::size_t start = 0;
  while (start < handled.size()) {
    std::size_t end = handled.find(',', start);
    if (end == std::string::npos) end = handled.size();
    Delivery d;
    d.event = event;
    d.step = handled.substr(start, end - start);
    d.state = DeliveryState::kDone;
    d.attempts = 1;
    d.next_at = event.due_at;
    d.updated_at = d.started_at = d.finished_at = event.created_at;
    out.push_back(std::move(d));
    start = end + 1;
  }
}

}  // namespace orderflow::store
