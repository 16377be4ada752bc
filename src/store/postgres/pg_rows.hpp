#pragma once
// Column lists and row decoders shared by the PostgreSQL transaction files.
// Each decoder reads the columns of its k...Columns list, in order, from
// `row` of `rows`.

#include <string>

#include "store/codec.hpp"
#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace orderflow::store::pg {

constexpr std::int64_t kHourMs = 3'600'000;

extern const char* const kStoreColumns;
extern const char* const kProductColumns;
extern const char* const kOrderColumns;
extern const char* const kNotificationColumns;
// Deliveries joined with their events: `deliveries d JOIN events e`.
extern const char* const kDeliveryColumns;

domain::StoreInfo ReadStore(const Rows& rows, int row);
domain::Product ReadProduct(const Rows& rows, int row);
Result<domain::Order> ReadOrder(const Rows& rows, int row);
domain::Notification ReadNotification(const Rows& rows, int row);
Delivery ReadDelivery(const Rows& rows, int row);
std::vector<Delivery> ReadDeliveries(const Rows& rows);

}  // namespace orderflow::store::pg
