// Syntax checks for names that appear in API objects: DNS-1123 labels and
// subdomains, Kubernetes label keys and values, C identifiers, and the safe
// relative paths used inside build sources.
//
// Each check returns OK or InvalidArgument whose message says what is wrong
// without repeating the value (e.g. "must be no more than 63 characters"), so
// callers can prefix a field path or quote the value themselves. Pure
// functions: thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

inline constexpr size_t kDns1123LabelMaxLength = 63;
inline constexpr size_t kDns1123SubdomainMaxLength = 253;
inline constexpr size_t kLabelNameMaxLength = 63;  // name part of a key
inline constexpr size_t kLabelValueMaxLength = 63;
inline constexpr size_t kRelativePathMaxLength = 255;  // bytes

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
Status CheckDns1123Label(std::string_view name);

// DNS-1123 labels joined by '.', at most 253 characters.
Status CheckDns1123Subdomain(std::string_view name);

// A label or annotation key: [prefix/]name, where prefix is a DNS-1123
// subdomain and name is ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63
// characters.
Status CheckLabelKey(std::string_view key);

// A label value: empty, or at most 63 characters of the label-name charset,
// starting and ending with an alphanumeric character.
Status CheckLabelValue(std::string_view value);

// [A-Za-z_][A-Za-z0-9_]* (build argument and environment variable names).
Status CheckCIdentifier(std::string_view name);

// A path that cannot escape the directory it is resolved in: non-empty,
// relative, at most 255 bytes, no control characters (NUL included), and no
// empty, "." or ".." components. "app/main.sh" passes; "/etc/passwd",
// "../x", "a//b", "./a" and "a/" do not. Each accepted path has one spelling,
// so two distinct accepted strings name distinct files.
Status CheckRelativePath(std::string_view path);

}  // namespace kiln
