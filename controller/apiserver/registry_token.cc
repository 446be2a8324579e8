#include "controller/apiserver/registry_token.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "api_types/utf8.h"
#include "controller/apiserver/tls_issuer.h"
#include "controller/apiserver/tls_pem.h"
#include "controller/base/base64.h"
#include "controller/base/files.h"
#include "controller/base/hex.h"

namespace kiln {
namespace {

constexpr char kKeyFile[] = "/registry-token.key";
constexpr char kCertFile[] = "/registry-token.crt";
constexpr int kValidityDays = 3650;
// ES256: r and s, each 32 bytes big-endian (RFC 7518 section 3.4).
constexpr int kP256Bytes = 32;

using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

StatusOr<KeyPair> CreateKeyPair() {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey());
  CertificateTemplate tmpl;
  tmpl.common_name = "kiln-registry-token";
  tmpl.validity_days = kValidityDays;
  // Self-signed and its own root: the registry trusts it as its
  // rootcertbundle and finds the same certificate in each token's x5c.
  tmpl.is_ca = true;
  ASSIGN_OR_RETURN(X509Ptr cert, IssueCertificate(tmpl, *key, nullptr, *key));
  return KeyPair{std::move(cert), std::move(key)};
}

StatusOr<std::string> DerBase64(X509& cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(&cert, &der);
  if (len <= 0) return OpenSslError("cannot encode the token certificate");
  std::string out =
      Base64Encode(std::string_view(reinterpret_cast<const char*>(der), len));
  OPENSSL_free(der);
  return out;
}

// 32 bytes derived from the signing key's PEM: the RegistryCredentials
// secret.
std::string CredentialSecretOf(const std::string& key_pem) {
  const std::string input =
      std::string("kiln registry credentials") + '\0' + key_pem;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace

StatusOr<std::vector<RegistryAccess>> ParseRegistryScopes(
    const std::vector<std::string>& scopes) {
  if (scopes.size() > kMaxRegistryScopes) {
    return InvalidArgumentError("at most " +
                                std::to_string(kMaxRegistryScopes) +
                                " scopes per token request");
  }
  std::vector<RegistryAccess> out;
  for (const std::string& scope : scopes) {
    if (scope.size() > kMaxRegistryScopeBytes) {
      return InvalidArgumentError("scope longer than " +
                                  std::to_string(kMaxRegistryScopeBytes) +
                                  " bytes");
    }
    for (char c : scope) {
      if (c <= ' ' || c > '~') {
        return InvalidArgumentError(
            "scope \"" + SanitizeForMessage(scope) +
            "\": only printable ASCII without blanks is allowed");
      }
    }
    const size_t first = scope.find(':');
    const size_t last = scope.rfind(':');
    if (first == std::string::npos || first == last || first == 0 ||
        last == first + 1 || last + 1 == scope.size()) {
      return InvalidArgumentError("scope \"" + scope +
                                  "\": expected TYPE:NAME:ACTIONS");
    }
    RegistryAccess access;
    access.type = scope.substr(0, first);
    access.name = scope.substr(first + 1, last - first - 1);
    const std::string actions = scope.substr(last + 1);
    for (size_t start = 0; start <= actions.size();) {
      size_t end = actions.find(',', start);
      if (end == std::string::npos) end = actions.size();
      if (end > start)
        access.actions.push_back(actions.substr(start, end - start));
      start = end + 1;
    }
    if (access.actions.empty()) {
      return InvalidArgumentError("scope \"" + scope + "\": no actions");
    }
    out.push_back(std::move(access));
  }
  return out;
}

StatusOr<std::unique_ptr<RegistryTokenSigner>>
RegistryTokenSigner::LoadOrCreate(const std::string& dir) {
  RETURN_IF_ERROR(EnsurePrivateDirectory(dir));
  const std::string key_path = dir + kKeyFile;
  const std::string cert_path = dir + kCertFile;
  StatusOr<KeyPair> pair = LoadKeyPair(cert_path, key_path);
  if (!pair.ok()) {
    if (pair.status().code() == StatusCode::kInternal) return pair.status();
    // Missing, unparsable or mismatched: a new pair (the registry reads the
    // certificate when kilnd starts it).
    ASSIGN_OR_RETURN(pair, CreateKeyPair());
    RETURN_IF_ERROR(WriteKeyPair(*pair, cert_path, key_path));
  }
  std::unique_ptr<RegistryTokenSigner> signer(new RegistryTokenSigner());
  ASSIGN_OR_RETURN(signer->cert_der_base64_, DerBase64(*pair->cert));
  ASSIGN_OR_RETURN(const std::string key_pem, PrivateKeyToPem(*pair->key));
  signer->credential_secret_ = CredentialSecretOf(key_pem);
  signer->key_ = std::move(pair->key);
  signer->cert_path_ = cert_path;
  return signer;
}

StatusOr<std::string> RegistryTokenSigner::Sign(
    const RegistryTokenClaims& claims) const {
  const nlohmann::json header = {
      {"typ", "JWT"}, {"alg", "ES256"}, {"x5c", {cert_der_base64_}}};
  ASSIGN_OR_RETURN(const std::string jti, RandomHex(16));
  nlohmann::json access = nlohmann::json::array();
  for (const RegistryAccess& a : claims.access) {
    access.push_back(
        {{"type", a.type}, {"name", a.name}, {"actions", a.actions}});
  }
  const nlohmann::json body = {
      {"iss", claims.issuer},
      {"sub", claims.subject},
      {"aud", claims.audience},
      {"iat", claims.issued_at},
      {"nbf", claims.issued_at},
      {"exp", claims.issued_at + claims.lifetime_seconds},
      {"jti", jti},
      {"access", access}};
  const std::string signing_input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(body.dump());

  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         key_.get()) != 1 ||
      EVP_DigestSign(
          ctx.get(), nullptr, &der_len,
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()) != 1) {
    return OpenSslError("cannot sign a registry token");
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(
          ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()) != 1) {
    return OpenSslError("cannot sign a registry token");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return OpenSslError("cannot decode the token signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kP256Bytes, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kP256Bytes) != kP256Bytes ||
      BN_bn2binpad(s, out + kP256Bytes, kP256Bytes) != kP256Bytes) {
    return OpenSslError("cannot encode the token signature");
  }
  return signing_input + "." + Base64UrlEncode(raw);
}

}  // namespace kiln
