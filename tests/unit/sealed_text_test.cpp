// AES-256-GCM sealing of texts kept at rest (common/sealed_text.hpp).

#include "common/sealed_text.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orderflow {
namespace {

const std::string kKey = DeriveSealKey("Bearer ofk_S_secret", "orderflow-idempotency-v1|s|k");
const std::string kBody = R"({"storeId":"S","apiKey":"ofk_S_0123456789abcdef"})";

TEST(SealedTextTest, DerivedKeysAre32BytesAndDependOnSecretAndLabel) {
  EXPECT_EQ(kKey.size(), kSealKeySize);
  EXPECT_EQ(DeriveSealKey("Bearer ofk_S_secret", "orderflow-idempotency-v1|s|k"), kKey);
  EXPECT_NE(DeriveSealKey("Bearer ofk_S_secreT", "orderflow-idempotency-v1|s|k"), kKey);
  EXPECT_NE(DeriveSealKey("Bearer ofk_S_secret", "orderflow-idempotency-v1|s|k2"), kKey);
  // No Authorization header (--auth off) still derives a key.
  EXPECT_EQ(DeriveSealKey(std::string_view(), "label").size(), kSealKeySize);
  EXPECT_EQ(DeriveSealKey("", "label"), DeriveSealKey(std::string_view(), "label"));
}

TEST(SealedTextTest, RoundTripsAndHidesThePlaintext) {
  for (const std::string& text : {std::string(), std::string("x"), kBody, std::string(70000, 'a'),
                                  std::string("\0\xff\x80 bytes", 9)}) {
    std::string sealed = SealText(kKey, text, "aad");
    EXPECT_TRUE(IsSealedText(sealed));
    EXPECT_EQ(sealed.rfind("enc1:", 0), 0u);
    if (text.size() > 4) {
      EXPECT_EQ(sealed.find(text), std::string::npos);
    }
    auto opened = OpenSealedText(kKey, sealed, "aad");
    ASSERT_TRUE(opened.has_value()) << text.size();
    EXPECT_EQ(*opened, text);
  }
  EXPECT_EQ(SealText(kKey, kBody).find("ofk_S_0123456789abcdef"), std::string::npos);
}

TEST(SealedTextTest, EverySealUsesAFreshNonce) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(SealText(kKey, kBody));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(SealedTextTest, WrongKeyOrAadFailsToOpen) {
  std::string sealed = SealText(kKey, kBody, "hash|201");
  EXPECT_FALSE(OpenSealedText(DeriveSealKey("Bearer other", "label"), sealed, "hash|201"));
  EXPECT_FALSE(OpenSealedText(kKey, sealed, "hash|200"));
  EXPECT_FALSE(OpenSealedText(kKey, sealed));
  EXPECT_TRUE(OpenSealedText(kKey, sealed, "hash|201"));
}

TEST(SealedTextTest, TamperedOrMalformedTextFailsToOpen) {
  std::string sealed = SealText(kKey, kBody);
  // Flip one base64 character in each region: nonce, ciphertext, tag.
  for (std::size_t at : {std::size_t{6}, sealed.size() / 2, sealed.size() - 4}) {
    std::string tampered = sealed;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(OpenSealedText(kKey, tampered)) << "flipped at " << at;
  }
  const std::string malformed[] = {
      "",
      "enc1:",
      "enc1:AAAA",                     // shorter than nonce + tag
      "enc1:" + sealed.substr(5, 20),  // truncated
      sealed.substr(0, sealed.size() - 1),
      sealed + "=",
      sealed + "AAAA",                 // extra ciphertext
      "enc1:@@@@" + sealed.substr(9),  // not base64
      "enc2:" + sealed.substr(5),      // unknown version
      kBody,                           // plain text
  };
  for (const auto& text : malformed) EXPECT_FALSE(OpenSealedText(kKey, text)) << text;
  EXPECT_FALSE(IsSealedText(kBody));
}

TEST(SealedTextTest, KeysOfTheWrongSizeAreABug) {
  EXPECT_THROW(SealText("short", kBody), std::invalid_argument);
  EXPECT_THROW(OpenSealedText(std::string(33, 'k'), SealText(kKey, kBody)), std::invalid_argument);
}

}  // namespace
}  // namespace orderflow
