// TLS material for kilnd: a private CA and a serving certificate, created on
// first start and kept across restarts.
//
// Files in the TLS directory:
//   ca.crt      CA certificate "kiln-ca" (EC P-256, 10 years), 0644; goes
//               into the kubeconfig as certificate-authority-data
//   ca.key      CA private key, 0600; kept so the serving certificate can be
//               renewed without invalidating kubeconfigs already handed out
//   server.crt  serving certificate "kilnd" (1 year), 0644
//   server.key  its private key, 0600
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/tls_openssl.h"

namespace kiln {

struct TlsFiles {
  std::string ca_cert;
  std::string ca_key;
  std::string server_cert;
  std::string server_key;
};

// The paths of the TLS files in `dir`.
TlsFiles TlsFilesIn(const std::string& dir);

// Names every serving certificate covers besides the configured hosts.
inline constexpr const char* kDefaultTlsHosts[] = {"localhost", "127.0.0.1",
                                                   "::1"};

// Makes `dir` (created 0700 if missing) hold a valid CA and a serving
// certificate for localhost, 127.0.0.1, ::1 and `hosts` (DNS names or IP
// literals; "[::1]" brackets are accepted).
//  - CA files missing, unreadable, mismatched or expiring within 30 days:
//    a new CA and serving certificate are generated.
//  - Otherwise the serving certificate is kept if it verifies against the
//    CA for TLS server use, matches its key, covers every host and does not
//    expire within 30 days; else it is re-issued by the same CA.
// Files are written atomically (keys first, so an interrupted run is
// detected as a mismatch and repaired on the next start).
// InvalidArgument for a malformed host; Internal for I/O or OpenSSL errors.
// Not safe against a concurrent call on the same `dir`.
Status EnsureTlsCertificates(const std::string& dir,
                             const std::vector<std::string>& hosts);

// OK when `server_cert` chains to `ca_cert` for TLS server use at the
// current time (X509_verify_cert, purpose sslserver); InvalidArgument with
// OpenSSL's reason otherwise.
Status VerifyServerCertificate(X509& server_cert, X509& ca_cert);

}  // namespace kiln
