#include "common/sealed_text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <memory>
#include <stdexcept>

namespace orderflow {
namespace {

constexpr std::string_view kPrefix = "enc1:";
constexpr int kNonceSize = 12;
constexpr int kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx NewCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return ctx;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string Base64Encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(Bytes(out), Bytes(raw), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Strict: canonical padded base64 without whitespace.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > INT_MAX) return std::nullopt;
  if (text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
      std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  if (text.find('=') < text.size() - padding) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(Bytes(out), Bytes(text), static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) < padding) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes that padding stands for.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

void CheckKey(std::string_view key) {
  if (key.size() != kSealKeySize) throw std::invalid_argument("sealing keys are 32 bytes");
}

}  // namespace

std::string DeriveSealKey(std::string_view secret, std::string_view label) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), Bytes(label), label.size(),
           md.data(), &len) == nullptr ||
      len != kSealKeySize) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string SealText(std::string_view key, std::string_view plaintext, std::string_view aad) {
  CheckKey(key);
  if (plaintext.size() > INT_MAX - kNonceSize - kTagSize || aad.size() > INT_MAX) {
    throw std::invalid_argument("text too large to seal");
  }
  std::string raw(kNonceSize + plaintext.size() + kTagSize, '\0');
  unsigned char* nonce = Bytes(raw);
  unsigned char* body = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) throw std::runtime_error("RAND_bytes failed");
  CipherCtx ctx = NewCtx();
  int len = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), nonce) == 1 &&
      (aad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                        static_cast<int>(aad.size())) == 1) &&
      EVP_EncryptUpdate(ctx.get(), body, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, body + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return std::string(kPrefix) + Base64Encode(raw);
}

std::optional<std::string> OpenSealedText(std::string_view key, std::string_view sealed,
                                          std::string_view aad) {
  CheckKey(key);
  if (!IsSealedText(sealed) || aad.size() > INT_MAX) return std::nullopt;
  auto raw = Base64Decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < static_cast<std::size_t>(kNonceSize + kTagSize)) return std::nullopt;
  const std::size_t text_size = raw->size() - kNonceSize - kTagSize;
  unsigned char* nonce = Bytes(*raw);
  unsigned char* body = nonce + kNonceSize;
  unsigned char* tag = body + text_size;
  std::string plaintext(text_size, '\0');
  CipherCtx ctx = NewCtx();
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), nonce) == 1 &&
            (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                              static_cast<int>(aad.size())) == 1) &&
            EVP_DecryptUpdate(ctx.get(), Bytes(plaintext), &len, body,
                              static_cast<int>(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1 &&
            // Checks the tag: fails for another key, another aad or altered bytes.
            EVP_DecryptFinal_ex(ctx.get(), Bytes(plaintext) + len, &len) == 1;
  if (!ok) return std::nullopt;
  return plaintext;
}

bool IsSealedText(std::string_view text) { return text.substr(0, kPrefix.size()) == kPrefix; }

}  // namespace orderflow
