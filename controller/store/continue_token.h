// Continue tokens for paginated lists: opaque to clients, they carry the
// list's revision (so every page reads the same snapshot), the last key
// returned, and what was asked (so a token cannot be replayed elsewhere).
#pragma once

#include <cstdint>
#include <string>

#include "api_types/status.h"

namespace kiln {

struct ContinueToken {
  int64_t revision = 0;
  std::string last_key;  // key path of the last item of the previous page
  std::string query;     // scope + selector the token belongs to

  std::string Encode() const;
  // InvalidArgument when `text` is not a token this store issued.
  static StatusOr<ContinueToken> Decode(const std::string& text);
};

}  // namespace kiln
