#pragma once
// Identifiers, secrets and hashing. Randomness comes from a per-thread engine
// seeded by the OS (and time from the caller); keys and secrets use
// OpenSSL's CSPRNG.

#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace orderflow {

// Time-ordered RFC 9562 version-7 UUID, lower case: 48 bits of `now_ms`
// (Unix milliseconds; callers pass their injected Clock's time), the
// version, 12 bits of a per-thread counter, the variant, 62 random bits.
// Ids one thread makes sort in the order they were made: within one
// millisecond the counter (started at a random value below 2048) counts
// up, and when it runs out the timestamp moves on by 1 ms. A clock that
// steps back by less than a second is ignored (the ids keep the later
// time); one that steps back further starts again at `now_ms`.
// Thread-safe.
std::string NewUuid(TimeMs now_ms);
// NewUuid at the system clock's time, for tests and tools; the server
// passes the time of its Clock.
std::string NewUuid();
// True for a canonical 8-4-4-4-12 hex UUID (any case), of any version:
// clients send random version-4 ids, the server makes version 7.
bool IsUuid(std::string_view text);
// `n` random bytes from the CSPRNG, hex encoded (2n characters).
std::string RandomHex(std::size_t n);
// Random upper-case alphanumeric string (for tracking numbers).
std::string RandomAlnum(std::size_t n);
// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Compares without data-dependent timing; false if sizes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace orderflow
