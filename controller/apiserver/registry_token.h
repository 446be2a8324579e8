// Bearer tokens for Kiln's embedded registry: Docker registry v2 token
// authentication, as docker-registry's `auth: token` checks it (a JWT signed
// ES256, its certificate in the "x5c" header, chaining to the registry's
// `rootcertbundle`; claims iss, aud, exp, nbf and `access`). kilnd's token
// service (registry_token_service.h) issues them; docs/security.md "The
// registry" has the policy.
//
// Files in the directory given to LoadOrCreate (kilnd's PKI dir):
//   registry-token.key  EC P-256 signing key, 0600
//   registry-token.crt  its self-signed certificate (10 years), 0644: the
//                       registry's rootcertbundle
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/tls_openssl.h"

namespace kiln {

// One entry of a token's `access` claim, and one requested scope
// ("repository:team-a/web:pull,push" is {repository, team-a/web, [pull,
// push]}).
struct RegistryAccess {
  std::string type;  // "repository", "registry"
  std::string name;  // "team-a/web", "catalog"
  std::vector<std::string> actions;
  friend bool operator==(const RegistryAccess&,
                         const RegistryAccess&) = default;
};

// At most this many scopes per token request, each at most this long.
inline constexpr size_t kMaxRegistryScopes = 16;
inline constexpr size_t kMaxRegistryScopeBytes = 512;

// Parses `scope` query values "TYPE:NAME:ACTION[,ACTION...]", split at the
// first and the last ':'. InvalidArgument naming the scope for a malformed
// one (or one with characters outside printable ASCII); InvalidArgument for
// more than kMaxRegistryScopes or one longer than kMaxRegistryScopeBytes.
StatusOr<std::vector<RegistryAccess>> ParseRegistryScopes(
    const std::vector<std::string>& scopes);

struct RegistryTokenClaims {
  std::string issuer;     // iss; the registry's `auth.token.issuer`
  std::string subject;    // sub; who asked
  std::string audience;   // aud; the registry's `auth.token.service`
  int64_t issued_at = 0;  // iat and nbf, Unix seconds
  int64_t lifetime_seconds = 300;
  std::vector<RegistryAccess> access;
};

// Immutable after LoadOrCreate; thread-safe.
class RegistryTokenSigner {
 public:
  // Loads the key and certificate from `dir`, or creates both (and `dir`,
  // 0700) when either is missing, does not parse or does not match.
  // Internal for I/O and OpenSSL errors.
  static StatusOr<std::unique_ptr<RegistryTokenSigner>> LoadOrCreate(
      const std::string& dir);

  // The compact JWT for `claims`, with a random jti.
  StatusOr<std::string> Sign(const RegistryTokenClaims& claims) const;

  // 32 bytes derived from the signing key: the RegistryCredentials secret,
  // so credentials survive restarts with the key and need no file of their
  // own.
  const std::string& CredentialSecret() const { return credential_secret_; }

  // registry-token.crt: the registry's rootcertbundle.
  const std::string& certificate_path() const { return cert_path_; }

 private:
  RegistryTokenSigner() = default;
  EvpPkeyPtr key_;
  std::string cert_der_base64_;    // for x5c
  std::string credential_secret_;  // derived from the key at load
  std::string cert_path_;
};

}  // namespace kiln
