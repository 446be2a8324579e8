#include "controller/base/base64.h"

#include <openssl/evp.h>

#include <vector>

namespace kiln {
namespace {

// EVP_DecodeBlock on `clean` (no blanks; a multiple of 4 long), with the
// bytes its padding stands for removed.
StatusOr<std::string> DecodeClean(const std::string& clean) {
  if (clean.size() % 4 != 0) return InvalidArgumentError("not valid base64");
  std::string out(clean.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(clean.data()),
                      static_cast<int>(clean.size()));
  if (n < 0) return InvalidArgumentError("not valid base64");
  size_t len = static_cast<size_t>(n);
  const size_t first_pad = clean.find('=');
  if (first_pad != std::string::npos) {
    // Padding only at the end, at most two.
    if (clean.size() - first_pad > 2 ||
        clean.find_first_not_of('=', first_pad) != std::string::npos) {
      return InvalidArgumentError("not valid base64");
    }
    len -= clean.size() - first_pad;
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(
      out.data(), reinterpret_cast<const unsigned char*>(data.data()),
      static_cast<int>(data.size()));
  return std::string(reinterpret_cast<const char*>(out.data()),
                     static_cast<size_t>(n));
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean += c;
  }
  return DecodeClean(clean);
}

std::string Base64UrlEncode(std::string_view data) {
  std::string out = Base64Encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  std::string clean(text);
  for (char& c : clean) {
    if (c == '+' || c == '/' || c == '=') {
      return InvalidArgumentError("not valid base64url");
    }
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (clean.size() % 4 == 1) return InvalidArgumentError("not valid base64url");
  while (clean.size() % 4 != 0) clean += '=';
  StatusOr<std::string> out = DecodeClean(clean);
  if (!out.ok()) return InvalidArgumentError("not valid base64url");
  return out;
}

}  // namespace kiln
