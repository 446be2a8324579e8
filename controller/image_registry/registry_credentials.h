// Credentials for the token service of Kiln's embedded registry
// (docs/security.md "The registry"). They are HMACs under one secret, so
// the token service checks them without storing any:
//   - a build's:  username "kiln-build/<namespace>/<name>", password
//     HMAC(secret, "build\0<namespace>\0<name>\0<uid>") in hex. The token
//     service also requires the Build to exist with that uid and not be
//     finished, so a credential dies with its build (and a new build of the
//     same name gets a new one);
//   - kilnd's own: username "kiln-system", password HMAC(secret, "system").
// Users log in with their Kiln bearer token as the password instead.
//
// Immutable after construction; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiln {

inline constexpr char kRegistryBuildUserPrefix[] = "kiln-build/";
inline constexpr char kRegistrySystemUser[] = "kiln-system";

struct RegistryCredential {
  std::string username;
  std::string password;
  bool empty() const { return username.empty(); }
  friend bool operator==(const RegistryCredential&,
                         const RegistryCredential&) = default;
};

// The namespace and name in a build's username.
struct RegistryBuildUser {
  std::string namespace_;
  std::string name;
};

// {namespace, name} of "kiln-build/<namespace>/<name>"; nullopt for any
// other username.
std::optional<RegistryBuildUser> ParseRegistryBuildUser(
    std::string_view username);

class RegistryCredentials {
 public:
  // `secret`: at least 32 bytes of key material, kept by the caller's
  // process only (kilnd derives it from its token signing key).
  explicit RegistryCredentials(std::string secret)
      : secret_(std::move(secret)) {}

  RegistryCredential ForBuild(std::string_view namespace_,
                              std::string_view name,
                              std::string_view uid) const;
  RegistryCredential ForSystem() const;

  // Constant-time comparisons against the expected passwords.
  bool IsBuildPassword(std::string_view namespace_, std::string_view name,
                       std::string_view uid, std::string_view password) const;
  bool IsSystemPassword(std::string_view password) const;

 private:
  std::string Mac(std::string_view message) const;
  const std::string secret_;
};

// containers-auth.json(5) for `registry` ("HOST:PORT") with `credential`,
// the file buildah reads with --authfile. Write it 0600.
std::string RenderContainersAuthFile(const std::string& registry,
                                     const RegistryCredential& credential);

}  // namespace kiln
