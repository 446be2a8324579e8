// The token service ("realm") of Kiln's embedded registry: GET /token with
// HTTP Basic credentials, as registry clients (buildah, skopeo, podman,
// docker) ask for a bearer token after the registry's 401 challenge
// (Docker registry v2 token authentication). kilnd serves it on its own
// plain-HTTP listener on the registry's host (never on the API port, which
// builders cannot reach).
//
// Credentials: kilnd's own and builds' (registry_credentials.h), or any
// user name with the user's Kiln bearer token as the password. The answer
// is {"token", "access_token", "expires_in", "issued_at"} with the access
// GrantRegistryAccess allows (registry_token_policy.h); bad credentials
// get 401, a malformed request 400. Never logs a credential.
//
// Thread-safe: Handle may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "api_types/status.h"
#include "controller/apiserver/auth_authenticator.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/registry_token.h"
#include "controller/apiserver/registry_token_policy.h"
#include "controller/base/clock.h"
#include "controller/image_registry/registry_credentials.h"

namespace kiln {

// The path of the token service, and the names the registry's config and
// the tokens share.
inline constexpr char kRegistryTokenPath[] = "/token";
inline constexpr char kRegistryTokenService[] = "kiln-registry";
inline constexpr char kRegistryTokenIssuer[] = "kilnd";

// What the token service needs to know of a Build.
struct RegistryBuildState {
  std::string uid;
  bool finished = false;  // Ready, Failed or Cancelled
};
// NotFound when there is no such Build; other errors are the store's.
using RegistryBuildLookup = std::function<StatusOr<RegistryBuildState>(
    const std::string& namespace_, const std::string& name)>;

class RegistryTokenService {
 public:
  // All references must outlive the service. `users` null: no user logins
  // (only kilnd's and builds' credentials).
  RegistryTokenService(const RegistryTokenSigner& signer,
                       const RegistryCredentials& credentials,
                       const Authenticator* users, RegistryBuildLookup builds,
                       Clock& clock, int64_t lifetime_seconds = 300)
      : signer_(signer),
        credentials_(credentials),
        users_(users),
        builds_(std::move(builds)),
        clock_(clock),
        lifetime_seconds_(lifetime_seconds) {}

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  // The identity behind Basic `username`:`password`; Unauthenticated
  // otherwise.
  StatusOr<RegistryIdentity> Identify(const std::string& username,
                                      const std::string& password) const;

  const RegistryTokenSigner& signer_;
  const RegistryCredentials& credentials_;
  const Authenticator* const users_;
  const RegistryBuildLookup builds_;
  Clock& clock_;
  const int64_t lifetime_seconds_;
};

}  // namespace kiln
