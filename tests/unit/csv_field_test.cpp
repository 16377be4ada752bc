#include "app/csv_field.hpp"

#include <gtest/gtest.h>

namespace orderflow::app {
namespace {

std::string Field(std::string_view value, CsvKind kind = CsvKind::kText) {
  std::string line;
  AppendCsvField(line, value, kind);
  return line;
}

TEST(CsvField, PlainTextIsWrittenAsIs) {
  EXPECT_EQ(Field("Ada Lovelace"), "Ada Lovelace");
  EXPECT_EQ(Field(""), "");
  EXPECT_EQ(Field("a=b"), "a=b");  // only the first character matters
}

TEST(CsvField, Rfc4180Quoting) {
  EXPECT_EQ(Field("Doe, Ann"), "\"Doe, Ann\"");
  EXPECT_EQ(Field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(Field(" padded "), "\" padded \"");
}

// OWASP CSV injection: a leading = + - @ tab or CR makes a spreadsheet
// evaluate the cell; a single quote inside the quoted field makes it text.
TEST(CsvField, FormulaTriggersInTextAreNeutralised) {
  EXPECT_EQ(Field("=HYPERLINK(\"http://evil.example\",\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
  EXPECT_EQ(Field("+1+1"), "\"'+1+1\"");
  EXPECT_EQ(Field("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(Field("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(Field("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(Field("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(Field("="), "\"'=\"");
}

TEST(CsvField, NumbersAreNeverAltered) {
  EXPECT_EQ(Field("-12.50", CsvKind::kNumber), "-12.50");
  EXPECT_EQ(Field("+3", CsvKind::kNumber), "+3");
  EXPECT_EQ(Field("1999", CsvKind::kNumber), "1999");
}

}  // namespace
}  // namespace orderflow::app
