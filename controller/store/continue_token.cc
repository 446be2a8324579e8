#include "controller/store/continue_token.h"

#include <nlohmann/json.hpp>

#include "controller/base/hex.h"

namespace kiln {
namespace {

Status BadToken(const std::string& why) {
  return InvalidArgumentError("invalid continue token: " + why +
                              "; list again without it");
}

}  // namespace

std::string ContinueToken::Encode() const {
  nlohmann::json j = {
      {"v", 1}, {"rv", revision}, {"k", last_key}, {"q", query}};
  return HexEncode(j.dump());
}

StatusOr<ContinueToken> ContinueToken::Decode(const std::string& text) {
  if (text.size() % 2 != 0 || text.size() > 16384)
    return BadToken("bad length");
  StatusOr<std::string> raw = HexDecode(text);
  if (!raw.ok()) return BadToken("not hex");
  // Every member is type-checked before it is read: a token is client input
  // (nlohmann's value() and get() throw on a type mismatch).
  nlohmann::json j = nlohmann::json::parse(*raw, nullptr, false);
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
