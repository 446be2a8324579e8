// Base64 (RFC 4648): the standard alphabet with padding, as kubeconfig
// "*-data" fields, HTTP Basic credentials and JWT "x5c" certificates use it,
// and the URL-safe alphabet without padding, as JWTs use it. The one home
// for both in Kiln. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Standard alphabet, '=' padding.
std::string Base64Encode(std::string_view data);

// Decodes standard base64 with padding; line breaks and blanks are skipped.
// InvalidArgument("not valid base64") for anything else.
StatusOr<std::string> Base64Decode(std::string_view text);

// URL-safe alphabet ('-' and '_'), no padding (RFC 7515 "base64url").
std::string Base64UrlEncode(std::string_view data);

// Decodes base64url without padding. InvalidArgument("not valid base64url")
// for anything else.
StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace kiln
