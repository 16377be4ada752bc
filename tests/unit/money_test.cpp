#include "domain/money.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

namespace orderflow::domain {
namespace {

TEST(Money, ConvertsDecimalUnitsToCents) {
  EXPECT_EQ(CentsFromDecimal(99.0), 9900);
  EXPECT_EQ(CentsFromDecimal(19.99), 1999);
  EXPECT_EQ(CentsFromDecimal(0.1 + 0.2), 30);
  EXPECT_EQ(CentsFromDecimal(0), 0);
}

TEST(Money, RejectsNegativeFractionalAndHugeAmounts) {
  EXPECT_FALSE(CentsFromDecimal(-1));
  EXPECT_FALSE(CentsFromDecimal(1.234));
  EXPECT_FALSE(CentsFromDecimal(1e300));
  EXPECT_FALSE(CentsFromDecimal(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(CentsFromDecimal(std::numeric_limits<double>::infinity()));
}

TEST(Money, FormatsWithTwoDecimals) {
  EXPECT_EQ(FormatCents(9900), "99.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(-1050), "-10.50");
}

TEST(Money, ArithmeticDetectsOverflow) {
  EXPECT_EQ(MulCents(9900, 3), 29700);
  EXPECT_FALSE(MulCents(kMaxCents, 2));
  EXPECT_FALSE(MulCents(std::numeric_limits<Cents>::max(), 2));
  EXPECT_EQ(AddCents(1, 2), 3);
  EXPECT_FALSE(AddCents(kMaxCents, 1));
}

TEST(Json, PrintsMoneyWithTwoDecimals) {
  boost::json::object o;
  o["total"] = MoneyJson(9900);
  o["price"] = MoneyJson(1999);
  o["n"] = 3;
  o["s"] = "a\"b";
  EXPECT_EQ(ToJson(o), R"({"total":99.00,"price":19.99,"n":3,"s":"a\"b"})");
}

TEST(Time, FormatsAndParsesIso8601) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  TimeMs t = 0;
  ASSERT_TRUE(ParseTime("2026-11-25T17:50:00.123Z", t));
  EXPECT_EQ(FormatIso8601(t), "2026-11-25T17:50:00.123Z");
  ASSERT_TRUE(ParseTime("2026-11-25", t));
  EXPECT_EQ(FormatIso8601(t), "2026-11-25T00:00:00.000Z");
  ASSERT_TRUE(ParseTime("1700000000000", t));
  EXPECT_EQ(t, 1700000000000);
  EXPECT_FALSE(ParseTime("yesterday", t));
  EXPECT_FALSE(ParseTime("2026-13-01", t));
  EXPECT_FALSE(ParseTime("2026-11-25T10:00", t));
}

TEST(Ids, UuidsAreValidAndDistinct) {
  std::string a = NewUuid();
  std::string b = NewUuid();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '7');  // time-ordered version 7 (ids_test.cpp)
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
}

TEST(Ids, HashesAndComparesSecrets) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HmacSha256Hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

}  // namespace
}  // namespace orderflow::domain
