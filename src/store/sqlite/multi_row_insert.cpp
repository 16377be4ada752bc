#include "store/sqlite/multi_row_insert.hpp"

namespace orderflow::store::sqlite {

std::string MultiRowInsert(const char* head, int columns, std::size_t rows) {
  std::string row = "(";
  for (int c = 0; c < columns; ++c) row += c == 0 ? "?" : ", ?";
  row += ")";
  std::string sql = head;
  for (std::size_t r = 0; r < rows; ++r) sql += (r == 0 ? " VALUES " : ", ") + row;
  return sql;
}

}  // namespace orderflow::store::sqlite
