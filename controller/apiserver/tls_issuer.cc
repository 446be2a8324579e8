#include "controller/apiserver/tls_issuer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ec.h>

#include <cctype>
#include <string>

namespace kiln {
namespace {

constexpr long kSkewSeconds = 3600;  // NOLINT: OpenSSL takes long

Status AddExtension(X509& cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : &cert, &cert, nullptr,
                 nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(&cert, ext.get(), -1) != 1) {
    return OpenSslError(std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  return OkStatus();
}

// One subjectAltName entry; the caller owns the result.
StatusOr<GENERAL_NAME*> MakeGeneralName(const std::string& host) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) return OpenSslError("cannot allocate GENERAL_NAME");
  if (IsIpLiteral(host)) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    if (ip != nullptr) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
      return name;
    }
  } else if (IsDnsName(host)) {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (dns != nullptr &&
        ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) == 1) {
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
      return name;
    }
    ASN1_IA5STRING_free(dns);
  } else {
    GENERAL_NAME_free(name);
    return InvalidArgumentError("TLS host \"" + host +
                                "\" is neither an IP address nor a DNS name");
  }
  GENERAL_NAME_free(name);
  return OpenSslError("cannot encode subjectAltName " + host);
}

Status AddSubjectAltNames(X509& cert, const std::vector<std::string>& hosts) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError("cannot allocate subjectAltName");
  for (const std::string& host : hosts) {
    ASSIGN_OR_RETURN(GENERAL_NAME * name, MakeGeneralName(host));
    if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
      GENERAL_NAME_free(name);
      return OpenSslError("cannot build subjectAltName");
    }
  }
  if (X509_add1_ext_i2d(&cert, NID_subject_alt_name, names.get(), 0,
                        X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("cannot add subjectAltName");
  }
  return OkStatus();
}

Status SetBasics(X509& cert, const CertificateTemplate& tmpl,
                 EVP_PKEY& subject_key, X509* issuer) {
  BignumPtr serial(BN_new());
  X509_NAME* subject = X509_get_subject_name(&cert);
  const auto* cn =
      reinterpret_cast<const unsigned char*>(tmpl.common_name.c_str());
  if (X509_set_version(&cert, X509_VERSION_3) != 1 || !serial ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(&cert)) ==
          nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(&cert), -kSkewSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(&cert), tmpl.validity_days, 0,
                       nullptr) == nullptr ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(
          &cert, issuer != nullptr ? X509_get_subject_name(issuer) : subject) !=
          1 ||
      X509_set_pubkey(&cert, &subject_key) != 1) {
    return OpenSslError("cannot fill certificate fields");
  }
  return OkStatus();
}

Status AddProfileExtensions(X509& cert, const CertificateTemplate& tmpl,
                            X509* issuer) {
  RETURN_IF_ERROR(
      AddExtension(cert, issuer, NID_subject_key_identifier, "hash"));
  if (tmpl.is_ca) {
    RETURN_IF_ERROR(
        AddExtension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE"));
    return AddExtension(cert, issuer, NID_key_usage,
                        "critical,keyCertSign,cRLSign");
  }
  RETURN_IF_ERROR(
      AddExtension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(
      AddExtension(cert, issuer, NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(AddExtension(cert, issuer, NID_ext_key_usage, "serverAuth"));
  if (issuer != nullptr) {
    RETURN_IF_ERROR(
        AddExtension(cert, issuer, NID_authority_key_identifier, "keyid"));
  }
  return AddSubjectAltNames(cert, tmpl.hosts);
}

}  // namespace

StatusOr<EvpPkeyPtr> GenerateKey() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("cannot generate EC P-256 key");
  return key;
}

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.substr(0, 2) == "*.") host.remove_prefix(2);  // wildcard
  size_t label = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' ||
          host[i - label] == '-') {
        return false;
      }
      label = 0;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(host[i]);
    if (!std::isalnum(c) && c != '-') return false;
    ++label;
  }
  return true;
}

bool IsIpLiteral(std::string_view host) {
  const std::string s(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

StatusOr<X509Ptr> IssueCertificate(const CertificateTemplate& tmpl,
                                   EVP_PKEY& subject_key, X509* issuer,
                                   EVP_PKEY& issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("cannot allocate certificate");
  RETURN_IF_ERROR(SetBasics(*cert, tmpl, subject_key, issuer));
  RETURN_IF_ERROR(AddProfileExtensions(*cert, tmpl, issuer));
  if (X509_sign(cert.get(), &issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("cannot sign certificate");
  }
  return cert;
}

}  // namespace kiln
