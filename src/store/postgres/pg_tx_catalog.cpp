// PgTx: stores, products and the inventory ledger.
#include <algorithm>
#include <cstdlib>

#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {
namespace {

using domain::Product;

Param OptionalText(const std::string& text) {
  if (text.empty()) return Param(std::nullopt);
  return Param(text);
}

}  // namespace

Result<domain::StoreInfo> PgTx::GetStore(const std::string& store_id) {
  if (Deferring()) {
    if (auto it = stores_.find(store_id); it != stores_.end()) return it->second;
  }
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(std::string("SELECT ") + kStoreColumns +
                                                 " FROM stores WHERE store_id = $1",
                                             {store_id}));
  if (rows.empty()) return NotFound("store '" + store_id + "'");
  domain::StoreInfo store = ReadStore(rows, 0);
  if (Deferring()) stores_[store_id] = store;
  return store;
}

Product PgTx::WithPending(Product p) const {
  for (const Deltas* d : {&batch_, &unit_}) {
    auto it = d->stock.find(ProductKey{p.store_id, p.product_id});
    if (it == d->stock.end()) continue;
    p.stock += it->second.stock;
    p.reserved += it->second.reserved;
    p.updated_at = std::max(p.updated_at, it->second.at);
  }
  return p;
}

Result<std::vector<domain::StoreInfo>> PgTx::ListStores() {
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(std::string("SELECT ") + kStoreColumns +
                                             " FROM stores ORDER BY store_id"));
  std::vector<domain::StoreInfo> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(ReadStore(rows, r));
  return out;
}

Result<Product> PgTx::GetProduct(const std::string& store_id, const std::string& product_id) {
  if (Deferring()) {
    auto it = products_.find(ProductKey{store_id, product_id});
    if (it != products_.end()) return WithPending(it->second);
  }
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(std::string("SELECT ") + kProductColumns +
                                      " FROM products WHERE store_id = $1 AND product_id = $2",
                                  {store_id, product_id}));
  if (rows.empty()) return NotFound("product '" + product_id + "'");
  Product p = ReadProduct(rows, 0);
  if (!Deferring()) return p;
  products_[ProductKey{store_id, product_id}] = p;
  return WithPending(std::move(p));
}

Result<Product> PgTx::FindProduct(const std::string& store_id, const std::string& product_name,
                                  const std::string& sku) {
  const bool by_name = !product_name.empty();
  if (Deferring()) {
    for (const auto& [key, p] : products_) {
      if (key.first == store_id &&
          (by_name ? p.product_name == product_name : (!sku.empty() && p.sku == sku))) {
        return WithPending(p);
      }
    }
  }
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(std::string("SELECT ") + kProductColumns +
                                                 " FROM products WHERE store_id = $1 AND " +
                                                 (by_name ? "product_name = $2" : "sku = $2"),
                                             {store_id, by_name ? product_name : sku}));
  if (rows.empty()) return NotFound("product '" + (by_name ? product_name : sku) + "'");
  Product p = ReadProduct(rows, 0);
  if (!Deferring()) return p;
  products_[ProductKey{p.store_id, p.product_id}] = p;
  return WithPending(std::move(p));
}

Result<std::vector<Product>> PgTx::ListProducts(const std::string& store_id) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(std::string("SELECT ") + kProductColumns +
                                      " FROM products WHERE store_id = $1 ORDER BY product_name",
                                  {store_id}));
  std::vector<Product> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(WithPending(ReadProduct(rows, r)));
  return out;
}

Result<std::vector<StockMovement>> PgTx::ListMovements(const std::string& store_id,
                                                       const std::string& product_id, int limit) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(
          "SELECT id, store_id, product_id, kind, stock_delta, reserved_delta, order_id, note, at "
          "FROM stock_movements WHERE store_id = $1 AND product_id = $2 ORDER BY id DESC LIMIT $3",
          {store_id, product_id, limit}));
  std::vector<StockMovement> out;
  for (int r = 0; r < rows.size(); ++r) {
    StockMovement m;
    m.id = rows.Int(r, 0);
    m.store_id = rows.Text(r, 1);
    m.product_id = rows.Text(r, 2);
    std::string kind = rows.Text(r, 3);
    for (auto k : {MovementKind::kReserve, MovementKind::kRelease, MovementKind::kCommit,
                   MovementKind::kRestock, MovementKind::kAdjust}) {
      if (kind == ToString(k)) m.kind = k;
    }
    m.stock_delta = rows.Int(r, 4);
    m.reserved_delta = rows.Int(r, 5);
    m.order_id = rows.Text(r, 6);
    m.note = rows.Text(r, 7);
    m.at = rows.Int(r, 8);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::pair<std::int64_t, std::int64_t>> PgTx::LedgerTotals(const std::string& store_id,
                                                                 const std::string& product_id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT COALESCE(SUM(stock_delta), 0), COALESCE(SUM(reserved_delta), 0) "
                  "FROM stock_movements WHERE store_id = $1 AND product_id = $2",
                  {store_id, product_id}));
  if (rows.empty()) return std::pair<std::int64_t, std::int64_t>{0, 0};
  return std::pair<std::int64_t, std::int64_t>{rows.Int(0, 0), rows.Int(0, 1)};
}

Status PgTx::InsertStore(const domain::StoreInfo& st) {
  // ON CONFLICT DO NOTHING instead of a unique violation: an error would
  // abort the whole unit, while SQLite lets the unit go on after a conflict.
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(std::string("INSERT INTO stores (") + kStoreColumns +
                                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                                                 "ON CONFLICT DO NOTHING",
                                             {st.store_id, st.name, st.color, st.currency,
                                              st.api_key_hash, st.rate_limit, st.burst,
                                              EncodeFraudSettings(st.fraud), st.created_at}));
  if (rows.Affected() == 0) {
    return MakeError(ErrorCode::kConflict, "store '" + st.store_id + "' already exists", "storeId");
  }
  return OkStatus();
}

Status PgTx::UpdateStore(const domain::StoreInfo& st) {
  stores_.erase(st.store_id);
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("UPDATE stores SET name = $1, color = $2, currency = $3, api_key_hash = $4, "
                  "rate_limit = $5, burst = $6, settings = $7 WHERE store_id = $8",
                  {st.name, st.color, st.currency, st.api_key_hash, st.rate_limit, st.burst,
                   EncodeFraudSettings(st.fraud), st.store_id}));
  if (rows.Affected() == 0) return NotFound("store '" + st.store_id + "'");
  return OkStatus();
}

Status PgTx::InsertProduct(const Product& p) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(std::string("INSERT INTO products (") + kProductColumns +
                                      ") VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8, $9, $10) "
                                      "ON CONFLICT DO NOTHING",
                                  {p.store_id, p.product_id, p.product_name, OptionalText(p.sku),
                                   p.price, p.threshold, domain::ToString(p.status),
                                   p.low_stock_alerted ? 1 : 0, p.created_at, p.updated_at}));
  if (rows.Affected() == 0) {
    return MakeError(ErrorCode::kConflict,
                     "a product with this productName or sku already exists in the store",
                     "productName");
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

Status PgTx::UpdateProduct(const Product& p) {
  products_.erase(ProductKey{p.store_id, p.product_id});
  // Checked first so that a clash is a value, not an aborted transaction.
  OF_ASSIGN_OR_RETURN(
      Rows clash, conn_.Query("SELECT 1 FROM products WHERE store_id = $1 AND product_id <> $2 "
                              "AND (product_name = $3 OR (sku IS NOT NULL AND sku = $4)) LIMIT 1",
                              {p.store_id, p.product_id, p.product_name, OptionalText(p.sku)}));
  if (!clash.empty()) {
    return MakeError(ErrorCode::kConflict, "productName or sku already used in the store",
                     "productName");
  }
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(
          "UPDATE products SET product_name = $1, sku = $2, price = $3, threshold = $4, "
          "status = $5, low_stock_alerted = $6, updated_at = $7 "
          "WHERE store_id = $8 AND product_id = $9",
          {p.product_name, OptionalText(p.sku), p.price, p.threshold, domain::ToString(p.status),
           p.low_stock_alerted ? 1 : 0, p.updated_at, p.store_id, p.product_id}));
  if (rows.Affected() == 0) return NotFound("product '" + p.product_id + "'");
  return OkStatus();
}

Result<Product> PgTx::ApplyMovement(const StockMovement& m) {
  if (Deferring()) {
    // Decided against the product as read plus the pending changes; the
    // ledger row is queued, the product row is written by FlushBatch.
    OF_ASSIGN_OR_RETURN(Product p, GetProduct(m.store_id, m.product_id));
    const std::int64_t stock = p.stock + m.stock_delta;
    const std::int64_t reserved = p.reserved + m.reserved_delta;
    if (stock < 0 || reserved < 0 || reserved > stock) {
      return MakeError(
          ErrorCode::kInsufficientStock,
          "cannot " + std::string(ToString(m.kind)) + " " +
              std::to_string(std::llabs(m.stock_delta ? m.stock_delta : m.reserved_delta)) +
              " of '" + p.product_name + "': stock " + std::to_string(p.stock) + ", reserved " +
              std::to_string(p.reserved));
    }
    if (lean_) {
      kept_.movements.push_back(m);
    } else {
      OF_RETURN_IF_ERROR(SendMovements({m}));
    }
    StockDelta& d = unit_.stock[ProductKey{m.store_id, m.product_id}];
    d.stock += m.stock_delta;
    d.reserved += m.reserved_delta;
    d.at = std::max(d.at, m.at);
    p.stock = stock;
    p.reserved = reserved;
    p.updated_at = std::max(p.updated_at, m.at);
    return p;
  }
  // One round trip: the guarded update, the ledger row (only when the update
  // happened) and the product after the change. The WHERE clause keeps
  // 0 <= reserved <= stock; the CHECK constraints are the second line.
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(std::string("WITH u AS (UPDATE products SET stock = stock + $1::bigint, "
                              "reserved = reserved + $2::bigint, updated_at = $3::bigint "
                              "WHERE store_id = $4 AND product_id = $5 "
                              "AND stock + $1::bigint >= 0 AND reserved + $2::bigint >= 0 "
                              "AND reserved + $2::bigint <= stock + $1::bigint RETURNING *), "
                              "m AS (INSERT INTO stock_movements (store_id, product_id, kind, "
                              "stock_delta, reserved_delta, order_id, note, at) "
                              "SELECT store_id, product_id, $6::text, $1::bigint, $2::bigint, "
                              "$7::text, $8::text, $3::bigint FROM u) SELECT ") +
                      kProductColumns + " FROM u",
                  {m.stock_delta, m.reserved_delta, m.at, m.store_id, m.product_id,
                   ToString(m.kind), m.order_id, m.note}));
  if (!rows.empty()) return ReadProduct(rows, 0);
  OF_ASSIGN_OR_RETURN(Product p, GetProduct(m.store_id, m.product_id));
  return MakeError(
      ErrorCode::kInsufficientStock,
      "cannot " + std::string(ToString(m.kind)) + " " +
          std::to_string(std::llabs(m.stock_delta ? m.stock_delta : m.reserved_delta)) + " of '" +
          p.product_name + "': stock " + std::to_string(p.stock) + ", reserved " +
          std::to_string(p.reserved));
}

}  // namespace orderflow::store::pg
