// store::sqlite::BatchRows: the bookkeeping that lets the SQLite writer keep
// a batch's notifications and stock movements in memory until COMMIT while
// each unit can still roll back alone.

#include "store/sqlite/batch_rows.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orderflow::store::sqlite {
namespace {

using Rows = std::vector<std::string>;

TEST(BatchRowsTest, UnitsThatEndKeepTheirRowsForTheBatch) {
  BatchRows<std::string> rows;
  rows.BeginUnit();
  rows.Add("a1");
  rows.Add("a2");
  rows.EndUnit();
  rows.BeginUnit();
  rows.Add("b1");
  rows.EndUnit();
  EXPECT_EQ(rows.Flush(), (Rows{"a1", "a2", "b1"}));
  EXPECT_TRUE(rows.empty());
}

TEST(BatchRowsTest, AFailedUnitDropsOnlyItsOwnRows) {
  BatchRows<std::string> rows;
  rows.BeginUnit();
  rows.Add("a1");
  rows.EndUnit();
  rows.BeginUnit();
  rows.Add("b1");
  rows.Add("b2");
  rows.AbortUnit();
  rows.BeginUnit();
  rows.Add("c1");
  rows.EndUnit();
  EXPECT_EQ(rows.Flush(), (Rows{"a1", "c1"}));
}

// A read inside a unit writes everything buffered, inside that unit's
// savepoint: if the unit then fails, the savepoint's rollback takes the
// earlier units' rows with it, and they must be written again.
TEST(BatchRowsTest, EarlierRowsWrittenInsideAFailedUnitAreBufferedAgain) {
  BatchRows<std::string> rows;
  rows.BeginUnit();
  rows.Add("a1");
  rows.EndUnit();
  rows.BeginUnit();
  rows.Add("b1");
  EXPECT_EQ(rows.Flush(), (Rows{"a1", "b1"}));
  rows.Add("b2");
  EXPECT_EQ(rows.Flush(), (Rows{"b2"}));
  rows.Add("b3");
  rows.AbortUnit();
  EXPECT_FALSE(rows.empty());
  rows.BeginUnit();
  rows.Add("c1");
  rows.EndUnit();
  EXPECT_EQ(rows.Flush(), (Rows{"a1", "c1"}));
}

TEST(BatchRowsTest, RowsWrittenInsideAUnitThatEndsStayWritten) {
  BatchRows<std::string> rows;
  rows.BeginUnit();
  rows.Add("a1");
  rows.EndUnit();
  rows.BeginUnit();
  EXPECT_EQ(rows.Flush(), (Rows{"a1"}));
  rows.EndUnit();
  rows.BeginUnit();
  rows.Add("b1");
  rows.AbortUnit();
  EXPECT_TRUE(rows.empty()) << "a1 went out in a unit that was released";
}

}  // namespace
}  // namespace orderflow::store::sqlite
