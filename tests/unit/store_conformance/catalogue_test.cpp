// Store conformance, catalogue role: stores, products, stock movements and
// their ledger, on every back end (fixture.hpp).

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class CatalogueConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(CatalogueConformance, StoreFactories);

// --- stores ----------------------------------------------------------------

TYPED_TEST(CatalogueConformance, StoresRoundTripAndAreListed) {
  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("A"); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  const StoreInfo want = MakeStore("A");
  EXPECT_EQ(a->store_id, "A");
  EXPECT_EQ(a->name, want.name);
  EXPECT_EQ(a->color, want.color);
  EXPECT_EQ(a->currency, "EUR");
  EXPECT_EQ(a->api_key_hash, want.api_key_hash);
  EXPECT_DOUBLE_EQ(a->rate_limit, 50);
  EXPECT_DOUBLE_EQ(a->burst, 75);
  EXPECT_EQ(a->fraud.max_total, 500'000);
  EXPECT_EQ(a->fraud.max_units, 20);
  EXPECT_EQ(a->fraud.max_orders_per_hour, 7);
  EXPECT_EQ(a->fraud.max_failed_payments, 2);
  EXPECT_EQ(a->fraud.hits_to_flag, 3);
  EXPECT_EQ(a->created_at, kNow);

  auto all = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListStores(); });
  ASSERT_TRUE(all.ok());
  std::set<std::string> ids;
  for (const auto& s : *all) ids.insert(s.store_id);
  EXPECT_EQ(ids, (std::set<std::string>{"A", "B"}));
  EXPECT_EQ(all->size(), 2u);
}

TYPED_TEST(CatalogueConformance, StoreInsertConflictsAndUpdateAndNotFound) {
  StoreInfo dup = MakeStore("A");
  dup.name = "Impostor";
  Status s = WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertStore(dup); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kConflict);

  StoreInfo changed = MakeStore("A");
  changed.name = "Renamed";
  changed.api_key_hash = Sha256Hex("rotated");
  changed.rate_limit = 5;
  changed.fraud.max_units = 99;
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateStore(changed); }).ok());
  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("A"); });
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "Renamed");
  EXPECT_EQ(a->api_key_hash, Sha256Hex("rotated"));
  EXPECT_DOUBLE_EQ(a->rate_limit, 5);
  EXPECT_EQ(a->fraud.max_units, 99);
  auto b = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("B"); });
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "Store B") << "an update touched another store";

  EXPECT_EQ(ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("C"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      WriteSync(this->store(), [](WriteTx& tx) { return tx.UpdateStore(MakeStore("C")); }).code(),
      ErrorCode::kNotFound);
}

// The writer keeps stores in memory (SqliteTx, StoreInfoCache): what its
// units read must still follow every committed change, including one made
// by another connection (the CLI beside a server), and never a rolled-back
// one.
TYPED_TEST(CatalogueConformance, WriteUnitsReadCommittedStoreChangesOnly) {
  auto name_in_unit = [this] {
    auto a = WriteValue(this->store(), [](WriteTx& tx) { return tx.GetStore("A"); });
    return a.ok() ? a->name : "error: " + a.error().message;
  };
  EXPECT_EQ(name_in_unit(), "Store A");
  StoreInfo renamed = MakeStore("A");
  renamed.name = "Renamed";
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateStore(renamed); }).ok());
  EXPECT_EQ(name_in_unit(), "Renamed");

  Status failed = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    StoreInfo doomed = renamed;
    doomed.name = "Rolled back";
    OF_RETURN_IF_ERROR(tx.UpdateStore(doomed));
    OF_ASSIGN_OR_RETURN(StoreInfo inside, tx.GetStore("A"));
    EXPECT_EQ(inside.name, "Rolled back") << "a unit reads its own change";
    return MakeError(ErrorCode::kConflict, "the unit fails after the change");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kConflict);
  EXPECT_EQ(name_in_unit(), "Renamed");

  EXPECT_EQ(this->QueryInt("UPDATE stores SET name = 'Elsewhere' WHERE store_id = 'A' RETURNING 1"),
            1);
  EXPECT_EQ(name_in_unit(), "Elsewhere");
}

// --- products --------------------------------------------------------------

TYPED_TEST(CatalogueConformance, InitialStockIsRecordedAsARestockMovement) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 25));
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.product_name, "Widget");
  EXPECT_EQ(got.sku, "W-1");
  EXPECT_EQ(got.price, 9900);
  EXPECT_EQ(got.stock, 25);
  EXPECT_EQ(got.reserved, 0);
  EXPECT_EQ(got.threshold, 5);
  EXPECT_EQ(got.status, ProductStatus::kActive);
  auto moves = this->Movements(p);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].kind, MovementKind::kRestock);
  EXPECT_EQ(moves[0].stock_delta, 25);
  EXPECT_EQ(moves[0].reserved_delta, 0);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{25, 0}));

  Product empty = this->AddProduct(MakeProduct("A", "Nothing", "", 0));
  EXPECT_EQ(this->GetProduct(empty).stock, 0);
  EXPECT_EQ(this->Ledger(empty), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  EXPECT_EQ(this->GetProduct(empty).sku, "");
}

TYPED_TEST(CatalogueConformance, FindProductByNameOrSku) {
  Product w = this->AddProduct(MakeProduct("A", "Widget", "W-1", 5));
  this->AddProduct(MakeProduct("A", "Gadget", "G-1", 5));
  this->AddProduct(MakeProduct("B", "Gizmo", "Z-1", 5));

  auto by_name =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "Widget", ""); });
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->product_id, w.product_id);
  auto by_sku = ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "", "W-1"); });
  ASSERT_TRUE(by_sku.ok());
  EXPECT_EQ(by_sku->product_id, w.product_id);
  auto other = ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "", "G-1"); });
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->product_name, "Gadget");

  for (const auto& probe : std::vector<std::pair<std::string, std::string>>{{"Nope", ""},
                                                                            {"", "NOPE"},
                                                                            {"widget", ""},
                                                                            {"Widget ", ""},
                                                                            {"Gizmo", ""},
                                                                            {"", "Z-1"}}) {
    const std::string& name = probe.first;
    const std::string& sku = probe.second;
    auto r = ReadValue(this->store(), [&](ReadTx& tx) { return tx.FindProduct("A", name, sku); });
    ASSERT_FALSE(r.ok()) << "found '" << name << "'/'" << sku << "' in store A";
    EXPECT_EQ(r.code(), ErrorCode::kNotFound);
  }
}

TYPED_TEST(CatalogueConformance, ProductNamesAndSkusAreUniquePerStore) {
  this->AddProduct(MakeProduct("A", "Widget", "W-1", 5));
  for (const Product& dup :
       {MakeProduct("A", "Widget", "W-2", 1), MakeProduct("A", "Widget 2", "W-1", 1)}) {
    Status s = WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertProduct(dup); });
    ASSERT_FALSE(s.ok()) << dup.product_name << "/" << dup.sku;
    EXPECT_EQ(s.code(), ErrorCode::kConflict);
    // Nothing of the refused product remains, not even its initial restock.
    EXPECT_EQ(
        ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetProduct("A", dup.product_id); })
            .code(),
        ErrorCode::kNotFound);
    EXPECT_EQ(this->Ledger(dup), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  }
  // The same name and SKU are fine in another store, and products without SKU do not clash.
  Status other = WriteSync(this->store(), [](WriteTx& tx) {
    return tx.InsertProduct(MakeProduct("B", "Widget", "W-1", 3));
  });
  EXPECT_TRUE(other.ok()) << other.error().message;
  this->AddProduct(MakeProduct("A", "No SKU 1", "", 1));
  this->AddProduct(MakeProduct("A", "No SKU 2", "", 1));

  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListProducts("A"); });
  auto b = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListProducts("B"); });
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 3u);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].store_id, "B");
  EXPECT_EQ((*b)[0].stock, 3);
  for (const auto& p : *a) EXPECT_EQ(p.store_id, "A");
}

TYPED_TEST(CatalogueConformance, UpdateProductChangesAttributesButNeverStock) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  this->AddProduct(MakeProduct("A", "Gadget", "G-1", 10));
  Product changed = p;
  changed.product_name = "Widget Pro";
  changed.sku = "WP-1";
  changed.price = 12345;
  changed.threshold = 3;
  changed.status = ProductStatus::kArchived;
  changed.low_stock_alerted = true;
  changed.stock = 999;
  changed.reserved = 7;
  changed.updated_at = kNow + 5;
  ASSERT_TRUE(
      WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(changed); }).ok());
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.product_name, "Widget Pro");
  EXPECT_EQ(got.sku, "WP-1");
  EXPECT_EQ(got.price, 12345);
  EXPECT_EQ(got.threshold, 3);
  EXPECT_EQ(got.status, ProductStatus::kArchived);
  EXPECT_TRUE(got.low_stock_alerted);
  EXPECT_EQ(got.stock, 10);
  EXPECT_EQ(got.reserved, 0);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{10, 0}));

  Product clash = changed;
  clash.product_name = "Gadget";
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(clash); }).code(),
            ErrorCode::kConflict);
  EXPECT_EQ(this->GetProduct(p).product_name, "Widget Pro");

  Product missing = MakeProduct("A", "Ghost", "", 0);
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(missing); }).code(),
            ErrorCode::kNotFound);
  Product foreign = changed;
  foreign.store_id = "B";
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(foreign); }).code(),
            ErrorCode::kNotFound);
}

// --- inventory ledger ------------------------------------------------------

TYPED_TEST(CatalogueConformance, MovementsKeepStockAndReservedEqualToTheLedger) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  struct Step {
    MovementKind kind;
    std::int64_t stock_delta, reserved_delta, want_stock, want_reserved;
  };
  const Step steps[] = {
      {MovementKind::kReserve, 0, 4, 10, 4},  {MovementKind::kReserve, 0, 6, 10, 10},
      {MovementKind::kRelease, 0, -3, 10, 7}, {MovementKind::kCommit, -2, -2, 8, 5},
      {MovementKind::kRestock, 5, 0, 13, 5},  {MovementKind::kAdjust, -8, 0, 5, 5},
      {MovementKind::kCommit, -5, -5, 0, 0},  {MovementKind::kRestock, 3, 0, 3, 0},
  };
  for (const Step& s : steps) {
    auto r = this->Move(p, s.kind, s.stock_delta, s.reserved_delta);
    ASSERT_TRUE(r.ok()) << ToString(s.kind) << ": " << r.error().message;
    EXPECT_EQ(r->stock, s.want_stock) << ToString(s.kind);
    EXPECT_EQ(r->reserved, s.want_reserved) << ToString(s.kind);
    Product stored = this->GetProduct(p);
    EXPECT_EQ(stored.stock, s.want_stock);
    EXPECT_EQ(stored.reserved, s.want_reserved);
    EXPECT_EQ(this->Ledger(p), std::make_pair(stored.stock, stored.reserved));
  }
  auto moves = this->Movements(p);
  ASSERT_EQ(moves.size(), 9u);  // the initial restock and the eight above
  EXPECT_EQ(moves.front().kind, MovementKind::kRestock) << "newest first";
  EXPECT_EQ(moves.front().stock_delta, 3);
  EXPECT_EQ(moves.back().note, "initial stock");
  EXPECT_EQ(moves[1].kind, MovementKind::kCommit);
  EXPECT_EQ(moves[1].order_id, OrderId(7));
  EXPECT_EQ(moves[1].store_id, "A");
  EXPECT_EQ(moves[1].product_id, p.product_id);
}

TYPED_TEST(CatalogueConformance, RefusedMovementChangesNeitherProductNorLedger) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  ASSERT_TRUE(this->Move(p, MovementKind::kReserve, 0, 6).ok());
  const Product before = this->GetProduct(p);
  const std::size_t moves_before = this->Movements(p).size();

  struct Bad {
    const char* what;
    MovementKind kind;
    std::int64_t stock_delta, reserved_delta;
  };
  const Bad bad[] = {
      {"reserve more than available", MovementKind::kReserve, 0, 5},
      {"release more than reserved", MovementKind::kRelease, 0, -7},
      {"commit more than reserved", MovementKind::kCommit, -7, -7},
      {"commit more than stock", MovementKind::kCommit, -11, -6},
      {"adjust stock below reserved", MovementKind::kAdjust, -5, 0},
      {"adjust stock below zero", MovementKind::kAdjust, -11, 0},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    // The caller ignores the refusal and commits its unit anyway: the
    // movement itself must have written nothing.
    std::optional<Result<Product>> result;
    StockMovement m{0,  "A", p.product_id, b.kind, b.stock_delta, b.reserved_delta,
                    "", "x", kNow + 99};
    Status unit = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
      result.emplace(tx.ApplyMovement(m));
      return OkStatus();
    });
    ASSERT_TRUE(unit.ok());
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->code(), ErrorCode::kInsufficientStock);
    Product after = this->GetProduct(p);
    EXPECT_EQ(after.stock, before.stock);
    EXPECT_EQ(after.reserved, before.reserved);
    EXPECT_EQ(after.updated_at, before.updated_at);
    EXPECT_EQ(this->Movements(p).size(), moves_before);
    EXPECT_EQ(this->Ledger(p), std::make_pair(before.stock, before.reserved));
  }
}

TYPED_TEST(CatalogueConformance, MovementOfAnotherStoresProductIsRefused) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  Product foreign = p;
  foreign.store_id = "B";
  auto r = this->Move(foreign, MovementKind::kReserve, 0, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->GetProduct(p).reserved, 0);
  EXPECT_EQ(this->Ledger(foreign), (std::pair<std::int64_t, std::int64_t>{0, 0}));
}

TYPED_TEST(CatalogueConformance, ConcurrentReservationsNeverOversell) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 50));
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 40;
  std::atomic<int> reserved{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto r = this->Move(p, MovementKind::kReserve, 0, 1);
        if (r.ok()) {
          ++reserved;
        } else if (r.code() == ErrorCode::kInsufficientStock) {
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(reserved.load(), 50);
  EXPECT_EQ(refused.load(), kWriters * kPerWriter - 50);
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.reserved, 50);
  EXPECT_EQ(got.stock, 50);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{50, 50}));
}

}  // namespace
}  // namespace orderflow::store::conformance
