#pragma once
// Authenticated encryption of short texts kept at rest (AES-256-GCM through
// OpenSSL). Used where the database must not hold a secret in the clear but
// the server has to give it back later to someone who proves they know a
// credential, e.g. the first response to an Idempotency-Key, which can carry
// a freshly issued API key or webhook secret. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace orderflow {

// Size in bytes of the keys SealText and OpenSealedText take.
inline constexpr std::size_t kSealKeySize = 32;

// A 32-byte key: HMAC-SHA256 of `label` under `secret`. The secret itself is
// never needed again, so a caller can derive the key from a credential it is
// shown on every request and store nothing of it.
std::string DeriveSealKey(std::string_view secret, std::string_view label);

// "enc1:" + base64(nonce | ciphertext | tag): a random 12-byte nonce and a
// 16-byte tag. `aad` is authenticated but not stored (the caller presents
// it again to open). `key` must be kSealKeySize bytes (a bug otherwise:
// throws std::invalid_argument); throws std::runtime_error if OpenSSL fails.
std::string SealText(std::string_view key, std::string_view plaintext, std::string_view aad = {});

// The plaintext of a SealText result, or nullopt when `sealed` is malformed,
// was sealed under another key or aad, or was altered.
std::optional<std::string> OpenSealedText(std::string_view key, std::string_view sealed,
                                          std::string_view aad = {});

// True when `text` has the "enc1:" prefix of SealText (it may still fail to
// open). Lets readers tell sealed values from ones written in the clear
// before sealing existed.
bool IsSealedText(std::string_view text);

}  // namespace orderflow
