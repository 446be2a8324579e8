#include "controller/image_registry/registry_credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "controller/base/base64.h"
#include "controller/base/hex.h"

namespace kiln {
namespace {

std::string Joined(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out.push_back('\0');
    out.append(p);
  }
  return out;
}

bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<RegistryBuildUser> ParseRegistryBuildUser(
    std::string_view username) {
  constexpr std::string_view prefix = kRegistryBuildUserPrefix;
  if (username.substr(0, prefix.size()) != prefix) return std::nullopt;
  username.remove_prefix(prefix.size());
  const size_t slash = username.find('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == username.size() ||
      username.find('/', slash + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return RegistryBuildUser{std::string(username.substr(0, slash)),
                           std::string(username.substr(slash + 1))};
}

std::string RegistryCredentials::Mac(std::string_view message) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

RegistryCredential RegistryCredentials::ForBuild(std::string_view namespace_,
                                                 std::string_view name,
                                                 std::string_view uid) const {
  return {std::string(kRegistryBuildUserPrefix) + std::string(namespace_) +
              "/" + std::string(name),
          Mac(Joined({"build", namespace_, name, uid}))};
}

RegistryCredential RegistryCredentials::ForSystem() const {
  return {kRegistrySystemUser, Mac("system")};
}

bool RegistryCredentials::IsBuildPassword(std::string_view namespace_,
                                          std::string_view name,
                                          std::string_view uid,
                                          std::string_view password) const {
  return SameText(Mac(Joined({"build", namespace_, name, uid})), password);
}

bool RegistryCredentials::IsSystemPassword(std::string_view password) const {
  return SameText(Mac("system"), password);
}

std::string RenderContainersAuthFile(const std::string& registry,
                                     const RegistryCredential& credential) {
  nlohmann::json auth;
  auth["auths"][registry]["auth"] =
      Base64Encode(credential.username + ":" + credential.password);
  return auth.dump(2) + "\n";
}

}  // namespace kiln
