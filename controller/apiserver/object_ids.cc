#include "controller/apiserver/object_ids.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>

namespace kiln {
namespace {

// Fills `out` with random bytes: OpenSSL's CSPRNG, or std::random_device
// should RAND_bytes ever fail (it only does when the OS has no entropy).
template <size_t N>
void RandomBytes(std::array<uint8_t, N>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) == 1) return;
  std::random_device device;
  for (uint8_t& b : out) b = static_cast<uint8_t>(device());
}

}  // namespace

std::string NewUid() {
  std::array<uint8_t, 16> b;
  RandomBytes(b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                "%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

std::string GenerateName(std::string_view prefix) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  if (prefix.size() > kMaxGenerateNamePrefixLength) {
    prefix = prefix.substr(0, kMaxGenerateNamePrefixLength);
  }
  std::array<uint8_t, kGeneratedNameSuffixLength> b;
  RandomBytes(b);
  std::string name(prefix);
  // 256 % 27 != 0 leaves a slight bias; names need uniqueness, not
  // uniformity.
  for (uint8_t byte : b) name += kAlphabet[byte % kAlphabet.size()];
  return name;
}

}  // namespace kiln
