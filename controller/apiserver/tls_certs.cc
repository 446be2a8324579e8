#include "controller/apiserver/tls_certs.h"

#include <openssl/err.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "controller/apiserver/tls_issuer.h"
#include "controller/apiserver/tls_pem.h"
#include "controller/base/files.h"

namespace kiln {
namespace {

constexpr int kCaValidityDays = 3650;
constexpr int kServerValidityDays = 365;
constexpr int kRenewBeforeDays = 30;

bool ExpiresWithin(X509& cert, int days) {
  time_t limit = std::time(nullptr) + static_cast<time_t>(days) * 86400;
  // X509_cmp_time: -1 when notAfter is before `limit`, 0 on error.
  return X509_cmp_time(X509_get0_notAfter(&cert), &limit) <= 0;
}

bool IsUsableCa(X509& cert) {
  return X509_check_ca(&cert) >= 1 &&
         X509_check_issued(&cert, &cert) == X509_V_OK &&
         !ExpiresWithin(cert, kRenewBeforeDays);
}

bool CoversHosts(X509& cert, const std::vector<std::string>& hosts) {
  return std::all_of(hosts.begin(), hosts.end(), [&](const std::string& h) {
    if (IsIpLiteral(h)) return X509_check_ip_asc(&cert, h.c_str(), 0) == 1;
    return X509_check_host(&cert, h.data(), h.size(),
                           X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
  });
}

// The defaults plus `hosts`, brackets stripped, without blanks/duplicates.
std::vector<std::string> AllHosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> all(std::begin(kDefaultTlsHosts),
                               std::end(kDefaultTlsHosts));
  for (std::string host : hosts) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) continue;
    if (std::find(all.begin(), all.end(), host) == all.end()) {
      all.push_back(std::move(host));
    }
  }
  return all;
}

StatusOr<KeyPair> CreateCa(const TlsFiles& files) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey());
  const CertificateTemplate tmpl{"kiln-ca", kCaValidityDays, true, {}};
  ASSIGN_OR_RETURN(X509Ptr cert, IssueCertificate(tmpl, *key, nullptr, *key));
  KeyPair ca{std::move(cert), std::move(key)};
  RETURN_IF_ERROR(WriteKeyPair(ca, files.ca_cert, files.ca_key));
  return ca;
}

Status IssueServerCertificate(const TlsFiles& files, const KeyPair& ca,
                              const std::vector<std::string>& hosts) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey());
  const CertificateTemplate tmpl{"kilnd", kServerValidityDays, false, hosts};
  ASSIGN_OR_RETURN(X509Ptr cert,
                   IssueCertificate(tmpl, *key, ca.cert.get(), *ca.key));
  return WriteKeyPair(KeyPair{std::move(cert), std::move(key)},
                      files.server_cert, files.server_key);
}

// Whether the existing serving certificate can stay. I/O errors other than
// a missing file are returned rather than papered over.
StatusOr<bool> ServerCertificateIsUsable(
    const TlsFiles& files, const KeyPair& ca,
    const std::vector<std::string>& hosts) {
  StatusOr<KeyPair> server = LoadKeyPair(files.server_cert, files.server_key);
  if (!server.ok()) {
    if (server.status().code() == StatusCode::kInternal) {
      return server.status();
    }
    return false;
  }
  return VerifyServerCertificate(*server->cert, *ca.cert).ok() &&
         CoversHosts(*server->cert, hosts) &&
         !ExpiresWithin(*server->cert, kRenewBeforeDays);
}

// The existing CA when usable; a new one when missing or broken.
StatusOr<KeyPair> LoadOrCreateCa(const TlsFiles& files, bool* created) {
  StatusOr<KeyPair> ca = LoadKeyPair(files.ca_cert, files.ca_key);
  if (!ca.ok() && ca.status().code() == StatusCode::kInternal) return ca;
  *created = !ca.ok() || !IsUsableCa(*ca->cert);
  if (*created) return CreateCa(files);
  return ca;
}

}  // namespace

TlsFiles TlsFilesIn(const std::string& dir) {
  return TlsFiles{dir + "/ca.crt", dir + "/ca.key", dir + "/server.crt",
                  dir + "/server.key"};
}

Status EnsureTlsCertificates(const std::string& dir,
                             const std::vector<std::string>& hosts) {
  const std::vector<std::string> all_hosts = AllHosts(hosts);
  for (const std::string& host : all_hosts) {
    if (!IsIpLiteral(host) && !IsDnsName(host)) {
      return InvalidArgumentError("TLS host \"" + host +
                                  "\" is neither an IP address nor a DNS name");
    }
  }
  RETURN_IF_ERROR(EnsurePrivateDirectory(dir));
  const TlsFiles files = TlsFilesIn(dir);
  bool ca_created = false;
  ASSIGN_OR_RETURN(KeyPair ca, LoadOrCreateCa(files, &ca_created));
  if (!ca_created) {
    ASSIGN_OR_RETURN(bool usable,
                     ServerCertificateIsUsable(files, ca, all_hosts));
    if (usable) return OkStatus();
  }
  return IssueServerCertificate(files, ca, all_hosts);
}

Status VerifyServerCertificate(X509& server_cert, X509& ca_cert) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), &ca_cert) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), &server_cert, nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER) != 1) {
    return OpenSslError("cannot set up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return InvalidArgumentError(
        std::string("certificate does not verify against the CA: ") +
        X509_verify_cert_error_string(error));
  }
  return OkStatus();
}

}  // namespace kiln
