#include "controller/apiserver/tls_pem.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <string>

#include "controller/base/files.h"

namespace kiln {
namespace {

BioPtr ReadBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Refuses to read encrypted keys instead of prompting on the terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return -1;
}

StatusOr<std::string> BioContents(BIO& bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(&bio, &data);  // NOLINT: OpenSSL type
  if (size < 0 || data == nullptr) return OpenSslError("empty PEM buffer");
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return OpenSslError("cannot allocate BIO");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) {
    ERR_clear_error();
    return InvalidArgumentError("no PEM certificate found");
  }
  return cert;
}

StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return OpenSslError("cannot allocate BIO");
  EvpPkeyPtr key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    return InvalidArgumentError("no unencrypted PEM private key found");
  }
  return key;
}

StatusOr<std::string> CertificateToPem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1) {
    return OpenSslError("cannot encode certificate");
  }
  return BioContents(*bio);
}

StatusOr<std::string> PrivateKeyToPem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    return OpenSslError("cannot encode private key");
  }
  return BioContents(*bio);
}

StatusOr<KeyPair> LoadKeyPair(const std::string& cert_path,
                              const std::string& key_path) {
  ASSIGN_OR_RETURN(std::string cert_pem, ReadWholeFile(cert_path));
  ASSIGN_OR_RETURN(std::string key_pem, ReadWholeFile(key_path));
  ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificatePem(cert_pem));
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyPem(key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgumentError(key_path + " does not match " + cert_path);
  }
  return KeyPair{std::move(cert), std::move(key)};
}

Status WriteKeyPair(const KeyPair& pair, const std::string& cert_path,
                    const std::string& key_path) {
  ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyToPem(*pair.key));
  ASSIGN_OR_RETURN(std::string cert_pem, CertificateToPem(*pair.cert));
  RETURN_IF_ERROR(WriteFileAtomically(key_path, key_pem, kPrivateFileMode));
  return WriteFileAtomically(cert_path, cert_pem, kPublicFileMode);
}

}  // namespace kiln
