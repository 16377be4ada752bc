#include "common/ids.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <random>
#include <stdexcept>

namespace orderflow {
namespace {

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return rng;
}

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string NewUuid(TimeMs now_ms) {
  // The last timestamp and counter this thread used (RFC 9562 §6.2, method
  // 1: a counter in rand_a, the timestamp advanced when it overflows).
  struct Sequence {
    std::uint64_t ms = 0;
    std::uint64_t counter = 0;
  };
  constexpr std::uint64_t kMaxCounter = 0xfff;
  constexpr std::uint64_t kCounterSeed = 0x7ff;  // leaves at least 2048 ids a millisecond
  constexpr std::uint64_t kMaxStepBackMs = 1000;
  constexpr std::uint64_t kTimestampMask = (std::uint64_t{1} << 48) - 1;
  thread_local Sequence seq;
  const std::uint64_t now = static_cast<std::uint64_t>(now_ms) & kTimestampMask;
  if (now > seq.ms || seq.ms - now > kMaxStepBackMs) {
    seq.ms = now;
    seq.counter = ThreadRng()() & kCounterSeed;
  } else if (++seq.counter > kMaxCounter) {
    seq.ms = (seq.ms + 1) & kTimestampMask;
    seq.counter = ThreadRng()() & kCounterSeed;
  }
  const std::uint64_t hi = (seq.ms << 16) | 0x7000 | seq.counter;
  const std::uint64_t lo = (ThreadRng()() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  std::string out(36, '-');
  std::size_t pos = 0;
  auto put = [&out, &pos](std::uint64_t word) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(word >> shift) & 0xf];
    }
  };
  put(hi);
  put(lo);
  return out;
}

std::string NewUuid() { return NewUuid(SystemClock().NowMs()); }

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

std::string RandomHex(std::size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return ToHex(reinterpret_cast<const unsigned char*>(bytes.data()), n);
}

std::string RandomAlnum(std::size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  std::string out(n, 'A');
  for (auto& c : out) c = kAlphabet[pick(ThreadRng())];
  return out;
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return ToHex(md.data(), len);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  return ToHex(md.data(), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace orderflow
