#pragma once
// Multi-row INSERT text for the writer's buffered rows (events, deliveries,
// notifications, stock movements): one statement for up to kRowsPerInsert
// rows instead of one per row.

#include <cstddef>
#include <string>

namespace orderflow::store::sqlite {

// Rows per statement: enough to write a unit's log, or a batch's alerts, in
// one or a few; few enough that the statement cache holds every shape.
inline constexpr std::size_t kRowsPerInsert = 32;

// "HEAD VALUES (?, …), (?, …)…" with `columns` parameters per row, for
// `rows` rows; row r's parameters are r * columns + 1 … (r + 1) * columns.
std::string MultiRowInsert(const char* head, int columns, std::size_t rows);

}  // namespace orderflow::store::sqlite
