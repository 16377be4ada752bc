#pragma once
// Money is integer minor units (cents). No floating point in arithmetic;
// doubles appear only at the JSON boundary.

#include <cstdint>
#include <optional>
#include <string>

namespace orderflow::domain {

using Cents = std::int64_t;

// Largest amount accepted anywhere (10^13 cents = 100 billion): keeps every
// sum of up to 10^4 lines far from int64 overflow.
inline constexpr Cents kMaxCents = 10'000'000'000'000LL;

// Converts a JSON number of currency units to cents. Returns nullopt when the
// value is negative, not finite, above kMaxCents or has more than two decimals.
std::optional<Cents> CentsFromDecimal(double units);
// "1234.50".
std::string FormatCents(Cents cents);
// a * b, or nullopt on overflow or a result above kMaxCents.
std::optional<Cents> MulCents(Cents a, std::int64_t b);
// a + b, or nullopt on a result above kMaxCents.
std::optional<Cents> AddCents(Cents a, Cents b);

}  // namespace orderflow::domain
