// Authenticator: who is calling? Bearer tokens from the static token table,
// and, only in --insecure-dev mode, anonymous access for requests that carry
// no credentials.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "api_types/status.h"
#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/user_info.h"

namespace kiln {

inline constexpr char kAnonymousUser[] = "system:anonymous";
inline constexpr char kUnauthenticatedGroup[] = "system:unauthenticated";
// Added to every user authenticated by token, as kube-apiserver does.
inline constexpr char kAuthenticatedGroup[] = "system:authenticated";

// The identity of credential-less requests in --insecure-dev mode:
// "system:anonymous" in groups system:unauthenticated and system:masters.
UserInfo AnonymousDevUser();

// Immutable after construction; thread-safe.
class Authenticator {
 public:
  // `allow_anonymous` is the --insecure-dev mode: requests without an
  // Authorization header become AnonymousDevUser(). The caller is
  // responsible for serving that mode on loopback only.
  explicit Authenticator(TokenTable tokens, bool allow_anonymous = false)
      : tokens_(std::move(tokens)), allow_anonymous_(allow_anonymous) {}

  // --insecure-dev without a token file: credential-less requests are
  // AnonymousDevUser(); every bearer token is refused. Note that the
  // anonymous user may not write status (not in kiln:controllers), so a
  // controller that writes through the API needs a token table (prefer
  // LoadAuthenticator(token_file, /*allow_anonymous=*/true)).
  static Authenticator Anonymous() { return Authenticator(TokenTable(), true); }

  // Authenticates `request` by its "Authorization: Bearer <token>" header
  // (scheme case-insensitive, blanks around parts ignored). Returns the
  // token's user plus group system:authenticated, or Unauthenticated with
  // message "Unauthorized" (what kube-apiserver answers) when:
  //  - the request offers no bearer credential (no or empty header, another
  //    scheme such as Basic) and anonymous access is not allowed — with it
  //    allowed the caller is AnonymousDevUser();
  //  - the Bearer credential is malformed (no token, extra parts) or the
  //    token is unknown — even when anonymous access is allowed, as
  //    kube-apiserver does.
  // Never logs the token.
  StatusOr<UserInfo> Authenticate(const HttpRequest& request) const;

  // The user of bearer token `token` plus group system:authenticated, or
  // Unauthenticated("Unauthorized") for an empty or unknown token (also in
  // --insecure-dev mode). Never logs the token.
  StatusOr<UserInfo> AuthenticateToken(std::string_view token) const;

  // True in --insecure-dev mode (credential-less requests are accepted).
  bool allows_anonymous() const { return allow_anonymous_; }

 private:
  const TokenTable tokens_;
  const bool allow_anonymous_;
};

// Loads `token_file` (see LoadTokenFile) into a new Authenticator. Errors as
// LoadTokenFile: NotFound for a missing file, InvalidArgument for a
// malformed one, prefixed with the path.
StatusOr<std::unique_ptr<Authenticator>> LoadAuthenticator(
    const std::string& token_file, bool allow_anonymous = false);

}  // namespace kiln
