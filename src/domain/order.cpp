#include "domain/order.hpp"

namespace orderflow::domain {

const char* ToString(ProductStatus s) {
  switch (s) {
    case ProductStatus::kActive:
      return "active";
    case ProductStatus::kOutOfStock:
      return "out_of_stock";
    case ProductStatus::kArchived:
      return "archived";
  }
  return "active";
}

std::optional<ProductStatus> ParseProductStatus(const std::string& s) {
  if (s == "active") return ProductStatus::kActive;
  if (s == "out_of_stock") return ProductStatus::kOutOfStock;
  if (s == "archived") return ProductStatus::kArchived;
  return std::nullopt;
}

const char* ToString(NotificationType t) {
  switch (t) {
    case NotificationType::kInfo:
      return "info";
    case NotificationType::kWarning:
      return "warning";
    case NotificationType::kError:
      return "error";
    case NotificationType::kSuccess:
      return "success";
  }
  return "info";
}

}  // namespace orderflow::domain
