#pragma once
// The writer's copy of the catalogue rows its units read: the intake looks
// each line's product up by name or sku, and the steps after it read the
// product again, while only the writer changes a product (SQLite: another
// process's commit clears the cache, SqliteStore's SeeOtherWriters).
//
// Write-through: a stock movement puts the row its UPDATE … RETURNING gave
// back. A unit that rolls back, a failed commit and any change of a
// product's name, sku or settings clear everything, so an entry is always
// what the database holds inside the batch's transaction. A stale copy could
// not oversell anyway: reservations are conditional UPDATEs on the table.
// Bounded: past `capacity` rows it starts again empty. Not thread-safe: the
// writer thread owns it.

#include <cstddef>
#include <string>
#include <unordered_map>

#include "domain/order.hpp"

namespace orderflow::store {

class ProductCache {
 public:
  explicit ProductCache(std::size_t capacity) : capacity_(capacity) {}

  // nullptr when not held; valid until the next non-const call.
  const domain::Product* Get(const std::string& store_id, const std::string& product_id) const;
  const domain::Product* FindByName(const std::string& store_id, const std::string& name) const;
  const domain::Product* FindBySku(const std::string& store_id, const std::string& sku) const;
  // The row as the database now holds it.
  void Put(const domain::Product& product);
  void Clear();

  std::size_t size() const { return by_id_.size(); }

 private:
  static std::string Key(const std::string& store_id, const std::string& part) {
    return store_id + '\n' + part;
  }
  const domain::Product* Lookup(const std::unordered_map<std::string, std::string>& index,
                                const std::string& key) const;

  const std::size_t capacity_;
  std::unordered_map<std::string, domain::Product> by_id_;   // store + product id
  std::unordered_map<std::string, std::string> id_by_name_;  // store + name -> by_id_ key
  std::unordered_map<std::string, std::string> id_by_sku_;   // store + sku -> by_id_ key
};

}  // namespace orderflow::store
