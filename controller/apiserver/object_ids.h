// Server-assigned identifiers: metadata.uid and metadata.generateName
// suffixes. Randomness comes from OpenSSL's CSPRNG (RAND_bytes), so uids are
// unpredictable and unique across restarts. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kiln {

// Length of the random suffix generateName appends (as Kubernetes).
inline constexpr size_t kGeneratedNameSuffixLength = 5;
// generateName prefixes longer than this are truncated so the result stays a
// DNS-1123 label (63 characters), as Kubernetes does.
inline constexpr size_t kMaxGenerateNamePrefixLength =
    63 - kGeneratedNameSuffixLength;

// A random (version 4) UUID in canonical lowercase form,
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUid();

// `prefix` (truncated to kMaxGenerateNamePrefixLength) followed by 5 random
// characters from Kubernetes' alphabet "bcdfghjklmnpqrstvwxz2456789" (a
// subset of [a-z0-9] without vowels, so no words are spelled).
std::string GenerateName(std::string_view prefix);

}  // namespace kiln
