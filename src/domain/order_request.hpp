#pragma once
// Parsing and validation of the `POST /api/order` body (SPEC §7), and pricing
// of a validated request against the catalogue. Pure: no I/O.

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/order.hpp"

namespace orderflow::domain {

inline constexpr std::int64_t kMaxQuantity = 10'000;
inline constexpr std::size_t kMaxLines = 100;
inline constexpr std::size_t kMaxNameLength = 200;
inline constexpr std::size_t kMaxEmailLength = 254;

struct RequestedLine {
  std::string product_name;  // exactly one of product_name / sku is set
  std::string sku;
  std::int64_t quantity = 0;
};

struct OrderRequest {
  std::string order_id;  // empty: generate one
  std::string customer_name;
  std::string customer_email;
  std::vector<RequestedLine> lines;
  std::optional<Cents> total;  // client's expectation, checked against the catalogue
  std::string payment_token;

  // SHA-256 over a canonical form of the request; equal for equal requests
  // whatever the key order or whitespace of the body.
  std::string CanonicalHash() const;
};

// Validates the parsed JSON body. Unknown fields are ignored; known ones are
// strictly typed. Errors are kValidation with the offending field path
// ("items[2].quantity").
Result<OrderRequest> ParseOrderRequest(const boost::json::value& body);

// Validates a free-text field: valid UTF-8 is guaranteed by the JSON parser;
// this rejects empty-after-trim, control characters and over-long values.
Status ValidateText(const std::string& value, const std::string& field, std::size_t max_len,
                    bool required);

// Without leading and trailing blanks (space, tab, CR, LF).
std::string Trim(const std::string& text);

// Looks up a product by name or SKU: nullopt when unknown, an error when
// the lookup itself failed (which PriceOrder passes on unchanged).
class Catalogue {
 public:
  virtual ~Catalogue() = default;
  virtual Result<std::optional<Product>> Find(const RequestedLine& line) const = 0;
};

// Prices every line from the catalogue (server-side prices only), checks the
// client's total and that available stock is not already clearly short.
// Errors: kUnknownProduct (field items[i]), kTotalMismatch, kInsufficientStock.
Result<std::vector<OrderLine>> PriceOrder(const OrderRequest& request, const Catalogue& catalogue,
                                          Cents& total_out);

}  // namespace orderflow::domain
