// PEM encoding and decoding of certificates and private keys.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "api_types/status.h"
#include "controller/apiserver/tls_openssl.h"

namespace kiln {

// The first certificate in `pem`. InvalidArgument when there is none.
StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem);

// The unencrypted private key in `pem` (PKCS#8, SEC1 or PKCS#1).
// InvalidArgument when there is none; never prompts for a passphrase.
StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem);

// "-----BEGIN CERTIFICATE-----..." for `cert`.
StatusOr<std::string> CertificateToPem(X509& cert);

// "-----BEGIN PRIVATE KEY-----..." (unencrypted PKCS#8) for `key`.
StatusOr<std::string> PrivateKeyToPem(EVP_PKEY& key);

// A certificate and its private key, as kept in a pair of PEM files.
struct KeyPair {
  X509Ptr cert;
  EvpPkeyPtr key;
};

// NotFound when a file is missing, InvalidArgument when unparsable or the
// key does not belong to the certificate, Internal for I/O errors.
StatusOr<KeyPair> LoadKeyPair(const std::string& cert_path,
                              const std::string& key_path);

// Writes the key (0600) and then the certificate (0644), each atomically.
Status WriteKeyPair(const KeyPair& pair, const std::string& cert_path,
                    const std::string& key_path);

}  // namespace kiln
