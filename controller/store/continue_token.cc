#include "controller/store/continue_token.h"

#include <nlohmann/json.hpp>

namespace kiln {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Status BadToken(const std::string& why) {
  return InvalidArgumentError("invalid continue token: " + why +
                              "; list again without it");
}

}  // namespace

std::string ContinueToken::Encode() const {
  nlohmann::json j = {
      {"v", 1}, {"rv", revision}, {"k", last_key}, {"q", query}};
  std::string text = j.dump();
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

StatusOr<ContinueToken> ContinueToken::Decode(const std::string& text) {
  if (text.size() % 2 != 0 || text.size() > 16384)
    return BadToken("bad length");
  std::string raw;
  raw.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return BadToken("not hex");
    raw.push_back(static_cast<char>(hi << 4 | lo));
  }
  // Every member is type-checked before it is read: a token is client input
  // (nlohmann's value() and get() throw on a type mismatch).
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  const auto has = [&j](const char* key, bool (nlohmann::json::*is)() const) {
    const auto it = j.find(key);
    return it != j.end() && ((*it).*is)();
  };
  if (j.is_discarded() || !j.is_object() ||
      !has("v", &nlohmann::json::is_number_integer) || j["v"] != 1 ||
      !has("rv", &nlohmann::json::is_number_integer) ||
      !has("k", &nlohmann::json::is_string) ||
      !has("q", &nlohmann::json::is_string)) {
    return BadToken("malformed");
  }
  ContinueToken t;
  t.revision = j["rv"].get<int64_t>();
  t.last_key = j["k"].get<std::string>();
  t.query = j["q"].get<std::string>();
  if (t.revision <= 0) return BadToken("bad revision");
  return t;
}

}  // namespace kiln
