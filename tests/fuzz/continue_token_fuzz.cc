// ?continue=: ContinueToken::Decode, and Encode/Decode round-tripping a
// decoded token.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/base/hex.h"
#include "controller/store/continue_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void Check(const std::string& text) {
  using kiln::ContinueToken;
  const kiln::StatusOr<ContinueToken> token = ContinueToken::Decode(text);
  if (!kiln::fuzz::CheckClientError(token, "ContinueToken::Decode")) return;
  kiln::fuzz::Check(token->revision > 0, "revision <= 0 accepted");
  const kiln::StatusOr<ContinueToken> again =
      ContinueToken::Decode(token->Encode());
  kiln::fuzz::Check(again.ok() && again->revision == token->revision &&
                        again->last_key == token->last_key &&
                        again->query == token->query,
                    "Encode/Decode does not round-trip");
}

}  // namespace

// The first byte picks raw text (a client's ?continue= as sent) or the
// hex encoding of the rest (the JSON inside the token).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = kiln::fuzz::AsText(data + 1, size - 1);
  Check(data[0] % 2 == 0 ? std::string(rest) : kiln::HexEncode(rest));
  return 0;
}
