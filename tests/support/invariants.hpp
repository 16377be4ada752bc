#pragma once
// The invariants every finished run of the flow must leave in the database,
// checked with SQL outside the server (the crash and multi-instance tests).

#include <cstdint>
#include <functional>
#include <string>

namespace orderflow::testing {

// Runs SQL on the database under test; the first column of the first row.
using QueryIntFn = std::function<std::int64_t(const std::string& sql)>;

// Once the engine has drained: no pending or dead delivery; stock and
// reserved equal the ledger and stay within 0 <= reserved <= stock; nothing
// is left reserved in `store_id`; every delivered order was paid once,
// committed its stock once and got its "Order Delivered" notification; no
// history entry, stock movement or notification of an order happened twice.
void ExpectFlowInvariants(const QueryIntFn& query, const std::string& store_id);

}  // namespace orderflow::testing
