// The rows SqliteTx keeps for the whole group commit (batch_rows.hpp):
// notifications and stock movements, written before COMMIT or before a
// statement that reads their tables, a multi-row insert per
// kRowsPerInsert rows.

#include <algorithm>

#include "store/sqlite/multi_row_insert.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace orderflow::store::sqlite {
namespace {

// Runs `head` over `rows` in statements of up to kRowsPerInsert rows;
// `bind(statement, first_parameter, row)` binds one row's `columns` values.
template <typename Row, typename BindRow>
Status InsertRows(Connection& conn, const char* head, int columns, const std::vector<Row>& rows,
                  BindRow bind) {
  for (std::size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, rows.size() - first);
    auto s = conn.Prepare(MultiRowInsert(head, columns, n));
    for (std::size_t i = 0; i < n; ++i) {
      bind(s, static_cast<int>(i) * columns + 1, rows[first + i]);
    }
    OF_RETURN_IF_ERROR(s.Run());
  }
  return OkStatus();
}

}  // namespace

Status SqliteTx::FlushBatchRows() {
  if (!notifications_.empty()) {
    OF_RETURN_IF_ERROR(InsertRows(
        conn_,
        "INSERT INTO notifications (notification_id, store_id, order_id, type, title, message, "
        "read, created_at)",
        8, notifications_.Flush(), [](Statement& s, int at, const domain::Notification& n) {
          s.Bind(at, n.notification_id).Bind(at + 1, n.store_id).Bind(at + 2, n.order_id);
          s.Bind(at + 3, domain::ToString(n.type)).Bind(at + 4, n.title);
          s.Bind(at + 5, n.message).Bind(at + 6, n.read ? 1 : 0).Bind(at + 7, n.created_at);
        }));
  }
  if (!movements_.empty()) {
    OF_RETURN_IF_ERROR(InsertRows(
        conn_,
        "INSERT INTO stock_movements (store_id, product_id, kind, stock_delta, reserved_delta, "
        "order_id, note, at)",
        8, movements_.Flush(), [](Statement& s, int at, const StockMovement& m) {
          s.Bind(at, m.store_id).Bind(at + 1, m.product_id).Bind(at + 2, ToString(m.kind));
          s.Bind(at + 3, m.stock_delta).Bind(at + 4, m.reserved_delta);
          s.Bind(at + 5, m.order_id).Bind(at + 6, m.note).Bind(at + 7, m.at);
        }));
  }
  return OkStatus();
}

}  // namespace orderflow::store::sqlite
