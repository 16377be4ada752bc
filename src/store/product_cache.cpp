#include "store/product_cache.hpp"

namespace orderflow::store {

const domain::Product* ProductCache::Get(const std::string& store_id,
                                         const std::string& product_id) const {
  auto it = by_id_.find(Key(store_id, product_id));
  return it == by_id_.end() ? nullptr : &it->second;
}

const domain::Product* ProductCache::Lookup(
    const std::unordered_map<std::string, std::string>& index, const std::string& key) const {
  auto id = index.find(key);
  if (id == index.end()) return nullptr;
  auto it = by_id_.find(id->second);
  return it == by_id_.end() ? nullptr : &it->second;
}

const domain::Product* ProductCache::FindByName(const std::string& store_id,
                                                const std::string& name) const {
  return Lookup(id_by_name_, Key(store_id, name));
}

const domain::Product* ProductCache::FindBySku(const std::string& store_id,
                                               const std::string& sku) const {
  if (sku.empty()) return nullptr;
  return Lookup(id_by_sku_, Key(store_id, sku));
}

void ProductCache::Put(const domain::Product& product) {
  if (capacity_ == 0) return;
  std::string key = Key(product.store_id, product.product_id);
  auto it = by_id_.find(key);
  if (it != by_id_.end() &&
      (it->second.product_name != product.product_name || it->second.sku != product.sku)) {
    // Renamed behind the cache's back cannot happen (UpdateProduct clears
    // it); start over rather than keep a stale index entry.
    Clear();
    it = by_id_.end();
  }
  if (it == by_id_.end() && by_id_.size() >= capacity_) Clear();
  id_by_name_[Key(product.store_id, product.product_name)] = key;
  if (!product.sku.empty()) id_by_sku_[Key(product.store_id, product.sku)] = key;
  by_id_.insert_or_assign(std::move(key), product);
}

void ProductCache::Clear() {
  by_id_.clear();
  id_by_name_.clear();
  id_by_sku_.clear();
}

}  // namespace orderflow::store
