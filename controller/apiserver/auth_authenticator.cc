#include "controller/apiserver/auth_authenticator.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "controller/base/ascii.h"

namespace kiln {
namespace {

constexpr std::string_view kBlanks = " \t";

// What an Authorization header offers.
struct BearerCredential {
  bool present = false;    // the header names the Bearer scheme
  std::string_view token;  // empty when malformed (no token, extra parts)
};

BearerCredential ParseBearer(std::string_view header) {
  const size_t scheme_begin = header.find_first_not_of(kBlanks);
  if (scheme_begin == std::string_view::npos) return {};
  header.remove_prefix(scheme_begin);
  const size_t scheme_end =
      std::min(header.find_first_of(kBlanks), header.size());
  if (!EqualsIgnoreCase(header.substr(0, scheme_end), "bearer")) return {};
  header.remove_prefix(scheme_end);
  const size_t token_begin = header.find_first_not_of(kBlanks);
  if (token_begin == std::string_view::npos) return {true, {}};
  header.remove_prefix(token_begin);
  header.remove_suffix(header.size() - 1 - header.find_last_not_of(kBlanks));
  if (header.find_first_of(kBlanks) != std::string_view::npos) {
    return {true, {}};
  }
  return {true, header};
}

Status Unauthorized() { return UnauthenticatedError("Unauthorized"); }

}  // namespace

UserInfo AnonymousDevUser() {
  return UserInfo{kAnonymousUser, "", {kUnauthenticatedGroup, kAdminGroup}};
}

StatusOr<UserInfo> Authenticator::Authenticate(
    const HttpRequest& request) const {
  const BearerCredential credential =
      ParseBearer(request.Header("authorization"));
  if (!credential.present) {
    if (allow_anonymous_) return AnonymousDevUser();
    return Unauthorized();
  }
  return AuthenticateToken(credential.token);
}

StatusOr<UserInfo> Authenticator::AuthenticateToken(
    std::string_view token) const {
  if (token.empty()) return Unauthorized();
  const UserInfo* user = tokens_.Find(token);
  if (user == nullptr) return Unauthorized();
  UserInfo result = *user;
  if (!result.InGroup(kAuthenticatedGroup)) {
    result.groups.push_back(kAuthenticatedGroup);
  }
  return result;
}

StatusOr<std::unique_ptr<Authenticator>> LoadAuthenticator(
    const std::string& token_file, bool allow_anonymous) {
  ASSIGN_OR_RETURN(TokenTable tokens, LoadTokenFile(token_file));
  return std::make_unique<Authenticator>(std::move(tokens), allow_anonymous);
}

}  // namespace kiln
