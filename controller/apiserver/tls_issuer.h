// Key generation and certificate issuance for Kiln's private CA: the
// self-signed "kiln-ca" and the "kilnd" serving certificate it signs.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/tls_openssl.h"

namespace kiln {

// What to put into a certificate.
struct CertificateTemplate {
  std::string common_name;
  int validity_days = 365;
  // CA: basicConstraints CA:TRUE, keyUsage keyCertSign+cRLSign.
  // Otherwise a TLS server certificate: CA:FALSE, keyUsage
  // digitalSignature, extendedKeyUsage serverAuth, and `hosts` as
  // subjectAltName (IP literals as IP entries, the rest as DNS names).
  bool is_ca = false;
  std::vector<std::string> hosts;
};

// A fresh EC P-256 key pair.
StatusOr<EvpPkeyPtr> GenerateKey();

// True for "127.0.0.1", "::1", ... (no brackets).
bool IsIpLiteral(std::string_view host);

// True for a DNS name a certificate can carry: dot-separated labels of
// letters, digits and inner hyphens, optionally led by a "*." wildcard.
bool IsDnsName(std::string_view host);

// Issues a certificate for the public half of `subject_key`, valid from one
// hour ago (clock skew) for `validity_days`, with a random serial, signed
// with SHA-256 by `issuer_key`. `issuer` is the issuing CA certificate, or
// nullptr for a self-signed certificate (then `issuer_key` is
// `subject_key`). InvalidArgument for a host that is neither an IP literal
// nor a DNS name; Internal for OpenSSL failures.
StatusOr<X509Ptr> IssueCertificate(const CertificateTemplate& tmpl,
                                   EVP_PKEY& subject_key, X509* issuer,
                                   EVP_PKEY& issuer_key);

}  // namespace kiln
