#pragma once
// Rows a unit of work appends and no later statement of the batch reads
// back (notifications, stock movements): kept in memory for the whole group
// commit and written by a few multi-row inserts before COMMIT, instead of a
// statement per row.
//
// Each unit runs inside its own savepoint. A unit that fails drops its own
// rows; rows of earlier units that a read forced out inside the failing
// unit's savepoint (Flush) are rolled back with it, so they are buffered
// again. Pure bookkeeping, no SQL.

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace orderflow::store::sqlite {

template <typename Row>
class BatchRows {
 public:
  void Add(Row row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }

  // The writer's unit boundaries (SqliteTx::BeginUnit, EndUnit, AbortUnit).
  void BeginUnit() {
    unit_from_ = rows_.size();
    written_in_unit_.clear();
  }
  void EndUnit() { BeginUnit(); }
  void AbortUnit() {
    rows_.resize(unit_from_);
    rows_.insert(rows_.begin(), std::make_move_iterator(written_in_unit_.begin()),
                 std::make_move_iterator(written_in_unit_.end()));
    BeginUnit();
  }

  // Hands out every buffered row, oldest first, to be written now; inside a
  // unit, the earlier units' rows among them are remembered in case the
  // unit rolls back.
  std::vector<Row> Flush() {
    written_in_unit_.insert(written_in_unit_.end(), rows_.begin(),
                            rows_.begin() + static_cast<std::ptrdiff_t>(unit_from_));
    std::vector<Row> out = std::move(rows_);
    rows_.clear();
    unit_from_ = 0;
    return out;
  }

 private:
  std::vector<Row> rows_;
  std::size_t unit_from_ = 0;  // rows_[unit_from_..] are the current unit's
  // Earlier units' rows written inside the current unit's savepoint.
  std::vector<Row> written_in_unit_;
};

}  // namespace orderflow::store::sqlite
