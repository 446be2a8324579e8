// Container image references ("localhost:5000/web/hello:1@sha256:…"), parsed
// by the distribution/reference grammar:
//
//   reference := [domain "/"] path [":" tag] ["@" digest]
//   domain    := host [":" port]      (first component, only when it contains
//                                      '.' or ':' or is "localhost")
//   path      := component ("/" component)*
//   component := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*
//   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest    := "sha256:" 64 lowercase hex digits
//
// No normalisation is done: "busybox" keeps an empty domain (no "docker.io",
// no "library/"). Value type: thread-compatible; functions thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

inline constexpr size_t kImageNameMaxLength = 255;  // domain + "/" + path
inline constexpr size_t kImageTagMaxLength = 128;

struct ImageReference {
  std::string domain;  // "localhost:5000"; "" when absent
  std::string path;    // "web/hello"; never empty in a parsed reference
  std::string tag;     // "1"; "" when absent
  std::string digest;  // "sha256:…"; "" when absent

  // The reference text: Parse(ToString()) yields an equal value.
  std::string ToString() const;

  friend bool operator==(const ImageReference&,
                         const ImageReference&) = default;
};

// Parses `text` as above. Errors: InvalidArgument
// `invalid image reference "TEXT": WHAT`, WHAT naming the offending part
// (e.g. `path component "Web" must be lowercase ...`).
StatusOr<ImageReference> ParseImageReference(std::string_view text);

// True for "sha256:" followed by exactly 64 lowercase hex digits: the
// content digests Kiln accepts for images and uploaded sources.
bool IsSha256Digest(std::string_view digest);

}  // namespace kiln
