#include "domain/order_request.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "common/ids.hpp"

namespace orderflow::domain {
namespace {

namespace json = boost::json;

Error Invalid(std::string field, std::string message) {
  return MakeError(ErrorCode::kValidation, std::move(message), std::move(field));
}

std::size_t Utf8Length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Reads an optional string field; error if present with another type.
Result<std::optional<std::string>> OptString(const json::object& o, const char* key,
                                             const std::string& field) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return Invalid(field, field + " must be a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::int64_t> Quantity(const json::value& v, const std::string& field) {
  std::int64_t q = 0;
  if (v.is_int64()) {
    q = v.get_int64();
  } else if (v.is_uint64()) {
    return Invalid(field, field + " must be between 1 and " + std::to_string(kMaxQuantity));
  } else if (v.is_double() && std::isfinite(v.get_double()) &&
             std::trunc(v.get_double()) == v.get_double() && std::fabs(v.get_double()) < 1e15) {
    q = static_cast<std::int64_t>(v.get_double());  // 2.0 is an integer in JSON
  } else {
    return Invalid(field, field + " must be an integer");
  }
  if (q < 1 || q > kMaxQuantity) {
    return Invalid(field, field + " must be between 1 and " + std::to_string(kMaxQuantity));
  }
  return q;
}

}  // namespace

std::string Trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Status ValidateText(const std::string& value, const std::string& field, std::size_t max_len,
                    bool required) {
  if (Trim(value).empty()) {
    if (required) return Invalid(field, field + " is required");
    return OkStatus();
  }
  if (Utf8Length(value) > max_len) {
    return Invalid(field, field + " is longer than " + std::to_string(max_len) + " characters");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return Invalid(field, field + " contains control characters");
  }
  return OkStatus();
}

Result<OrderRequest> ParseOrderRequest(const json::value& body) {
  if (!body.is_object()) return Invalid("", "request body must be a JSON object");
  const json::object& o = body.get_object();
  OrderRequest req;

  OF_ASSIGN_OR_RETURN(auto order_id, OptString(o, "orderId", "orderId"));
  if (order_id) {
    if (!IsUuid(*order_id)) return Invalid("orderId", "orderId must be a UUID");
    req.order_id = *order_id;
    for (auto& c : req.order_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }

  const json::value* name = o.if_contains("customerName");
  if (name == nullptr || name->is_null())
    return Invalid("customerName", "customerName is required");
  if (!name->is_string()) return Invalid("customerName", "customerName must be a string");
  req.customer_name = Trim(std::string(name->get_string()));
  OF_RETURN_IF_ERROR(ValidateText(req.customer_name, "customerName", kMaxNameLength, true));

  OF_ASSIGN_OR_RETURN(auto email, OptString(o, "customerEmail", "customerEmail"));
  if (email && !Trim(*email).empty()) {
    req.customer_email = Trim(*email);
    OF_RETURN_IF_ERROR(ValidateText(req.customer_email, "customerEmail", kMaxEmailLength, true));
    std::size_t at = req.customer_email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= req.customer_email.size() ||
        req.customer_email.find(' ') != std::string::npos ||
        req.customer_email.find('@', at + 1) != std::string::npos) {
      return Invalid("customerEmail", "customerEmail must be an email address");
    }
  }

  const json::value* items = o.if_contains("items");
  if (items == nullptr || items->is_null()) return Invalid("items", "items is required");
  if (!items->is_array()) return Invalid("items", "items must be an array");
  const json::array& arr = items->get_array();
  if (arr.empty()) return Invalid("items", "items must not be empty");
  if (arr.size() > kMaxLines) {
    return Invalid("items", "items must have at most " + std::to_string(kMaxLines) + " lines");
  }
  for (std::size_t i = 0; i < arr.size(); ++i) {
    std::string field = "items[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return Invalid(field, field + " must be an object");
    const json::object& item = arr[i].get_object();
    RequestedLine line;
    OF_ASSIGN_OR_RETURN(auto pname, OptString(item, "productName", field + ".productName"));
    OF_ASSIGN_OR_RETURN(auto sku, OptString(item, "sku", field + ".sku"));
    if (pname && !Trim(*pname).empty()) {
      line.product_name = Trim(*pname);
      OF_RETURN_IF_ERROR(
          ValidateText(line.product_name, field + ".productName", kMaxNameLength, true));
    } else if (sku && !Trim(*sku).empty()) {
      line.sku = Trim(*sku);
      OF_RETURN_IF_ERROR(ValidateText(line.sku, field + ".sku", 64, true));
    } else {
      return Invalid(field + ".productName", field + " needs a productName or a sku");
    }
    const json::value* qty = item.if_contains("quantity");
    if (qty == nullptr || qty->is_null()) {
      return Invalid(field + ".quantity", field + ".quantity is required");
    }
    OF_ASSIGN_OR_RETURN(line.quantity, Quantity(*qty, field + ".quantity"));
    req.lines.push_back(std::move(line));
  }

  if (const json::value* total = o.if_contains("totalAmount"); total && !total->is_null()) {
    std::optional<Cents> cents;
    if (total->is_int64() && total->get_int64() >= 0 && total->get_int64() <= kMaxCents / 100) {
      cents = total->get_int64() * 100;
    } else if (total->is_double()) {
      cents = CentsFromDecimal(total->get_double());
    } else if (!total->is_number()) {
      return Invalid("totalAmount", "totalAmount must be a number");
    }
    if (!cents) {
      return Invalid("totalAmount",
                     "totalAmount must be a non-negative amount with at most two decimals");
    }
    req.total = cents;
  }

  if (const json::value* payment = o.if_contains("payment"); payment && !payment->is_null()) {
    if (!payment->is_object()) return Invalid("payment", "payment must be an object");
    OF_ASSIGN_OR_RETURN(auto token, OptString(payment->get_object(), "token", "payment.token"));
    if (token) {
      OF_RETURN_IF_ERROR(ValidateText(*token, "payment.token", 100, false));
      req.payment_token = *token;
    }
  }
  return req;
}

std::string OrderRequest::CanonicalHash() const {
  json::object o;
  o["orderId"] = order_id;
  o["customerName"] = customer_name;
  o["customerEmail"] = customer_email;
  json::array items;
  for (const auto& l : lines) {
    items.push_back(json::array{json::string(l.product_name), json::string(l.sku), l.quantity});
  }
  o["items"] = std::move(items);
  o["totalAmount"] = total ? json::value(*total) : json::value(nullptr);
  o["token"] = payment_token;
  return Sha256Hex(json::serialize(o));
}

Result<std::vector<OrderLine>> PriceOrder(const OrderRequest& request, const Catalogue& catalogue,
                                          Cents& total_out) {
  std::vector<OrderLine> out;
  out.reserve(request.lines.size());
  std::map<std::string, std::int64_t> wanted;  // product_id -> units over all lines
  std::map<std::string, std::int64_t> available;
  Cents total = 0;
  for (std::size_t i = 0; i < request.lines.size(); ++i) {
    const RequestedLine& line = request.lines[i];
    std::string field = "items[" + std::to_string(i) + "]";
    OF_ASSIGN_OR_RETURN(std::optional<Product> p, catalogue.Find(line));
    const std::string& label = line.product_name.empty() ? line.sku : line.product_name;
    if (!p || p->status == ProductStatus::kArchived) {
      return MakeError(ErrorCode::kUnknownProduct, "unknown product '" + label + "'",
                       field + (line.product_name.empty() ? ".sku" : ".productName"));
    }
    auto line_total = MulCents(p->price, line.quantity);
    auto new_total = line_total ? AddCents(total, *line_total) : std::nullopt;
    if (!new_total) return Invalid(field + ".quantity", "order total is too large");
    total = *new_total;
    wanted[p->product_id] += line.quantity;
    available[p->product_id] = p->available();
    out.push_back(
        OrderLine{p->product_id, p->product_name, p->sku, line.quantity, p->price, *line_total});
  }
  if (request.total && *request.total != total) {
    return MakeError(ErrorCode::kTotalMismatch,
                     "totalAmount " + FormatCents(*request.total) +
                         " does not match the catalogue total " + FormatCents(total),
                     "totalAmount");
  }
  for (const auto& [product_id, units] : wanted) {
    if (units > available[product_id]) {
      for (const auto& l : out) {
        if (l.product_id == product_id) {
          return MakeError(
              ErrorCode::kInsufficientStock,
              "only " + std::to_string(std::max<std::int64_t>(0, available[product_id])) + " of '" +
                  l.product_name + "' available, " + std::to_string(units) + " requested",
              "items");
        }
      }
    }
  }
  total_out = total;
  return out;
}

}  // namespace orderflow::domain
