#include "domain/money.hpp"

#include <cmath>
#include <cstdio>

namespace orderflow::domain {

std::optional<Cents> CentsFromDecimal(double units) {
  if (!std::isfinite(units) || units < 0) return std::nullopt;
  double scaled = units * 100.0;
  if (scaled > static_cast<double>(kMaxCents)) return std::nullopt;
  double rounded = std::round(scaled);
  // Tolerance absorbs binary representation error (19.99 * 100 = 1998.9999...).
  if (std::fabs(scaled - rounded) > 1e-6 * std::max(1.0, rounded)) return std::nullopt;
  return static_cast<Cents>(rounded);
}

std::string FormatCents(Cents cents) {
  char buf[32];
  const char* sign = cents < 0 ? "-" : "";
  std::int64_t abs = cents < 0 ? -cents : cents;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", sign, static_cast<long long>(abs / 100),
                static_cast<long long>(abs % 100));
  return buf;
}

std::optional<Cents> MulCents(Cents a, std::int64_t b) {
  Cents out = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &out) || out > kMaxCents) return std::nullopt;
  return out;
}

std::optional<Cents> AddCents(Cents a, Cents b) {
  Cents out = 0;
  if (__builtin_add_overflow(a, b, &out) || out > kMaxCents || out < 0) return std::nullopt;
  return out;
}

}  // namespace orderflow::domain
