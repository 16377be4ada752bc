#pragma once
// Identifiers, secrets and hashing. Randomness comes from a per-thread engine
// seeded by the OS; keys and secrets use OpenSSL's CSPRNG.

#include <string>
#include <string_view>

namespace orderflow {

// Random RFC 4122 version-4 UUID, lower case.
std::string NewUuid();
// True for a canonical 8-4-4-4-12 hex UUID (any case).
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
