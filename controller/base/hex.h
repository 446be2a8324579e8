// Lowercase hexadecimal: digests ("sha256:<hex>"), tokens, HMACs and
// continue tokens. The one home for hex encoding in Kiln. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Two lowercase hex digits per byte.
std::string HexEncode(std::string_view bytes);

// The bytes of `hex` (an even number of digits, either case).
// InvalidArgument("not valid hex") otherwise.
StatusOr<std::string> HexDecode(std::string_view hex);

// `bytes` random bytes from the OS's CSPRNG (OpenSSL RAND_bytes), hex
// encoded: tokens and secrets. Internal when no randomness is available.
StatusOr<std::string> RandomHex(size_t bytes);

}  // namespace kiln
