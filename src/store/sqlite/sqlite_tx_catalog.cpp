// The catalogue side of SqliteTx's unit of work: products, read through
// the writer's ProductCache (product_cache.hpp) and kept in it as each
// stock movement leaves them.

#include <cstdlib>

#include "store/codec.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace orderflow::store::sqlite {
namespace {

using domain::Product;

const char* kProductColumns =
    "store_id, product_id, product_name, sku, price, stock, reserved, threshold, status, "
    "low_stock_alerted, created_at, updated_at";

Product ReadProduct(const Statement& s) {
  Product p;
  p.store_id = s.Text(0);
  p.product_id = s.Text(1);
  p.product_name = s.Text(2);
  p.sku = s.Text(3);
  p.price = s.Int(4);
  p.stock = s.Int(5);
  p.reserved = s.Int(6);
  p.threshold = s.Int(7);
  p.status = domain::ParseProductStatus(s.Text(8)).value_or(domain::ProductStatus::kActive);
  p.low_stock_alerted = s.Int(9) != 0;
  p.created_at = s.Int(10);
  p.updated_at = s.Int(11);
  return p;
}

}  // namespace

Result<Product> SqliteTx::GetProduct(const std::string& store_id, const std::string& product_id) {
  if (products_ != nullptr) {
    if (const Product* p = products_->Get(store_id, product_id)) return *p;
  }
  auto s = conn_.Prepare(std::string("SELECT ") + kProductColumns +
                         " FROM products WHERE store_id = ? AND product_id = ?");
  s.Bind(1, store_id).Bind(2, product_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("product '" + product_id + "'");
  return Cached(ReadProduct(s));
}

Result<Product> SqliteTx::FindProduct(const std::string& store_id, const std::string& product_name,
                                      const std::string& sku) {
  const bool by_name = !product_name.empty();
  if (products_ != nullptr) {
    const Product* p = by_name ? products_->FindByName(store_id, product_name)
                               : products_->FindBySku(store_id, sku);
    if (p != nullptr) return *p;
  }
  auto s = conn_.Prepare(std::string("SELECT ") + kProductColumns +
                         " FROM products WHERE store_id = ? AND " +
                         (by_name ? "product_name = ?" : "sku = ?"));
  s.Bind(1, store_id).Bind(2, by_name ? product_name : sku);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("product '" + (by_name ? product_name : sku) + "'");
  return Cached(ReadProduct(s));
}

Result<Product> SqliteTx::Cached(Result<Product> read) {
  if (products_ != nullptr && read.ok()) products_->Put(*read);
  return read;
}

Result<std::vector<Product>> SqliteTx::ListProducts(const std::string& store_id) {
  auto s = conn_.Prepare(std::string("SELECT ") + kProductColumns +
                         " FROM products WHERE store_id = ? ORDER BY product_name");
  s.Bind(1, store_id);
  std::vector<Product> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadProduct(s));
  }
}

Status SqliteTx::InsertProduct(const Product& p) {
  if (products_ != nullptr) products_->Clear();
  {
    auto s = conn_.Prepare(std::string("INSERT INTO products (") + kProductColumns +
                           ") VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)");
    s.Bind(1, p.store_id).Bind(2, p.product_id).Bind(3, p.product_name);
    if (p.sku.empty()) {
      s.BindNull(4);
    } else {
      s.Bind(4, p.sku);
    }
    s.Bind(5, p.price).Bind(6, p.threshold).Bind(7, domain::ToString(p.status));
    s.Bind(8, p.low_stock_alerted ? 1 : 0).Bind(9, p.created_at).Bind(10, p.updated_at);
    Status r = s.Run();
    if (!r.ok() && r.code() == ErrorCode::kConflict) {
      return MakeError(ErrorCode::kConflict,
                       "a product with this productName or sku already exists in the store",
                       "productName");
    }
    OF_RETURN_IF_ERROR(r);
  }
  if (p.stock > 0) {
    StockMovement m;
    m.store_id = p.store_id;
    m.product_id = p.product_id;
    m.kind = MovementKind::kRestock;
    m.stock_delta = p.stock;
    m.note = "initial stock";
    m.at = p.created_at;
    OF_RETURN_IF_ERROR(ApplyMovement(m));
  }
  return OkStatus();
}

Status SqliteTx::UpdateProduct(const Product& p) {
  if (products_ != nullptr) products_->Clear();
  auto s = conn_.Prepare(
      "UPDATE products SET product_name = ?, sku = ?, price = ?, threshold = ?, status = ?, "
      "low_stock_alerted = ?, updated_at = ? WHERE store_id = ? AND product_id = ?");
  s.Bind(1, p.product_name);
  if (p.sku.empty()) {
    s.BindNull(2);
  } else {
    s.Bind(2, p.sku);
  }
  s.Bind(3, p.price).Bind(4, p.threshold).Bind(5, domain::ToString(p.status));
  s.Bind(6, p.low_stock_alerted ? 1 : 0).Bind(7, p.updated_at).Bind(8, p.store_id);
  s.Bind(9, p.product_id);
  Status r = s.Run();
  if (!r.ok() && r.code() == ErrorCode::kConflict) {
    return MakeError(ErrorCode::kConflict, "productName or sku already used in the store",
                     "productName");
  }
  OF_RETURN_IF_ERROR(r);
  if (conn_.Changes() == 0) return NotFound("product '" + p.product_id + "'");
  return OkStatus();
}

Result<Product> SqliteTx::ApplyMovement(const StockMovement& m) {
  // The WHERE clause keeps 0 <= reserved <= stock; the table's CHECK
  // constraints are the second line of defence.
  // RETURNING hands back the row as changed: no second read.
  auto s = conn_.Prepare(
      "UPDATE products SET stock = stock + ?1, reserved = reserved + ?2, updated_at = ?3 "
      "WHERE store_id = ?4 AND product_id = ?5 AND stock + ?1 >= 0 AND reserved + ?2 >= 0 "
      "AND reserved + ?2 <= stock + ?1 RETURNING " +
      std::string(kProductColumns));
  s.Bind(1, m.stock_delta).Bind(2, m.reserved_delta).Bind(3, m.at).Bind(4, m.store_id);
  s.Bind(5, m.product_id);
  OF_ASSIGN_OR_RETURN(bool changed, s.Step());
  if (!changed) {
    OF_ASSIGN_OR_RETURN(Product p, GetProduct(m.store_id, m.product_id));
    return MakeError(
        ErrorCode::kInsufficientStock,
        "cannot " + std::string(ToString(m.kind)) + " " +
            std::to_string(std::llabs(m.stock_delta ? m.stock_delta : m.reserved_delta)) + " of '" +
            p.product_name + "': stock " + std::to_string(p.stock) + ", reserved " +
            std::to_string(p.reserved));
  }
  movements_.Add(m);
  return Cached(ReadProduct(s));
}

}  // namespace orderflow::store::sqlite
