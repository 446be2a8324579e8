// First-start generation and later reuse/renewal of the CA and serving
// certificate.
#include "controller/apiserver/tls_certs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/tls_issuer.h"
#include "controller/apiserver/tls_pem.h"
#include "controller/base/files.h"
#include "tests/controller/apiserver/file_mode.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

class TlsCertsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  TlsFiles files() const { return TlsFilesIn(dir_.path()); }

  std::string Read(const std::string& path) {
    StatusOr<std::string> text = ReadWholeFile(path);
    EXPECT_OK(text);
    return text.ok() ? *text : std::string();
  }

  X509Ptr LoadCert(const std::string& path) {
    StatusOr<X509Ptr> cert = ParseCertificatePem(Read(path));
    EXPECT_OK(cert);
    return cert.ok() ? std::move(cert).value() : nullptr;
  }

  static std::string CommonName(X509& cert) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(&cert), NID_commonName, cn,
                              sizeof(cn));
    return cn;
  }

  // Days from now until `cert` expires.
  static int DaysLeft(X509& cert) {
    int days = 0, seconds = 0;
    ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(&cert));
    return days;
  }

  testing::TempDir dir_;
};

TEST_F(TlsCertsTest, FirstStartWritesFilesWithPrivateKeyModes) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  EXPECT_EQ(FileMode(files().server_key), 0600);
  EXPECT_EQ(FileMode(files().ca_key), 0600);
  EXPECT_EQ(FileMode(files().server_cert), 0644);
  EXPECT_EQ(FileMode(files().ca_cert), 0644);
  EXPECT_THAT(Read(files().ca_cert), HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(Read(files().server_key), HasSubstr("BEGIN PRIVATE KEY"));
}

TEST_F(TlsCertsTest, CreatesMissingDirectoryPrivate) {
  const std::string nested = dir_.Sub("data/tls");
  ASSERT_OK(EnsureTlsCertificates(nested, {}));
  EXPECT_EQ(FileMode(nested), 0700);
  EXPECT_EQ(FileMode(TlsFilesIn(nested).server_key), 0600);
}

TEST_F(TlsCertsTest, ServerCertificateVerifiesAgainstCa) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  X509Ptr ca = LoadCert(files().ca_cert);
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(ca && server);
  EXPECT_OK(VerifyServerCertificate(*server, *ca));

  // And not against some other CA.
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr key, GenerateKey());
  ASSERT_OK_AND_ASSIGN(
      X509Ptr other,
      IssueCertificate({"other-ca", 10, true, {}}, *key, nullptr, *key));
  EXPECT_THAT(VerifyServerCertificate(*server, *other),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(TlsCertsTest, NamesValidityAndCaFlags) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  X509Ptr ca = LoadCert(files().ca_cert);
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(ca && server);
  EXPECT_EQ(CommonName(*ca), "kiln-ca");
  EXPECT_EQ(CommonName(*server), "kilnd");
  EXPECT_GE(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
  EXPECT_NEAR(DaysLeft(*ca), 3650, 1);
  EXPECT_NEAR(DaysLeft(*server), 365, 1);
  EXPECT_EQ(X509_check_purpose(server.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(server.get()) & XKU_SSL_SERVER);
}

TEST_F(TlsCertsTest, SubjectAltNamesCoverDefaultsAndGivenHosts) {
  ASSERT_OK(EnsureTlsCertificates(
      dir_.path(), {"build.example.com", "10.1.2.3", "[fd00::5]"}));
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(server);
  for (const char* host : {"localhost", "build.example.com"}) {
    EXPECT_EQ(X509_check_host(server.get(), host, 0,
                              X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr),
              1)
        << host;
  }
  for (const char* ip : {"127.0.0.1", "::1", "10.1.2.3", "fd00::5"}) {
    EXPECT_EQ(X509_check_ip_asc(server.get(), ip, 0), 1) << ip;
  }
  EXPECT_NE(X509_check_host(server.get(), "evil.example.com", 0, 0, nullptr),
            1);
  EXPECT_NE(X509_check_ip_asc(server.get(), "10.1.2.4", 0), 1);
}

TEST_F(TlsCertsTest, LaterStartKeepsValidFiles) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {"kiln.local"}));
  const std::string ca = Read(files().ca_cert);
  const std::string cert = Read(files().server_cert);
  const std::string key = Read(files().server_key);
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {"kiln.local"}));
  EXPECT_EQ(Read(files().ca_cert), ca);
  EXPECT_EQ(Read(files().server_cert), cert);
  EXPECT_EQ(Read(files().server_key), key);
  // Hosts already covered (the defaults) need no new certificate either.
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {"localhost"}));
  EXPECT_EQ(Read(files().server_cert), cert);
}

TEST_F(TlsCertsTest, NewHostReissuesServerCertificateWithSameCa) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  const std::string ca = Read(files().ca_cert);
  const std::string cert = Read(files().server_cert);
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {"192.168.7.7"}));
  EXPECT_EQ(Read(files().ca_cert), ca);
  EXPECT_NE(Read(files().server_cert), cert);
  X509Ptr ca_cert = LoadCert(files().ca_cert);
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(ca_cert && server);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "192.168.7.7", 0), 1);
  EXPECT_OK(VerifyServerCertificate(*server, *ca_cert));
}

TEST_F(TlsCertsTest, MismatchedServerKeyIsRepaired) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  const std::string ca = Read(files().ca_cert);
  // An interrupted run: the key was replaced, the certificate was not.
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr key, GenerateKey());
  ASSERT_OK_AND_ASSIGN(std::string pem, PrivateKeyToPem(*key));
  ASSERT_OK(WriteFileAtomically(files().server_key, pem, kPrivateFileMode));

  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  EXPECT_EQ(Read(files().ca_cert), ca);
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr server_key,
                       ParsePrivateKeyPem(Read(files().server_key)));
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(server);
  EXPECT_EQ(X509_check_private_key(server.get(), server_key.get()), 1);
}

TEST_F(TlsCertsTest, CorruptCaIsReplacedAlongWithServerCertificate) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  const std::string old_ca = Read(files().ca_cert);
  ASSERT_OK(WriteFileAtomically(files().ca_cert, "garbage", kPublicFileMode));
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  EXPECT_NE(Read(files().ca_cert), old_ca);
  X509Ptr ca = LoadCert(files().ca_cert);
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(ca && server);
  EXPECT_OK(VerifyServerCertificate(*server, *ca));
}

TEST_F(TlsCertsTest, ExpiringServerCertificateIsRenewed) {
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  // Replace the serving certificate by one that expires in 10 days.
  StatusOr<EvpPkeyPtr> ca_key = ParsePrivateKeyPem(Read(files().ca_key));
  ASSERT_OK(ca_key);
  X509Ptr ca = LoadCert(files().ca_cert);
  ASSERT_TRUE(ca);
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr key, GenerateKey());
  ASSERT_OK_AND_ASSIGN(
      X509Ptr short_lived,
      IssueCertificate({"kilnd", 10, false, {"localhost", "127.0.0.1", "::1"}},
                       *key, ca.get(), **ca_key));
  ASSERT_OK_AND_ASSIGN(std::string cert_pem, CertificateToPem(*short_lived));
  ASSERT_OK_AND_ASSIGN(std::string key_pem, PrivateKeyToPem(*key));
  ASSERT_OK(WriteFileAtomically(files().server_key, key_pem, kPrivateFileMode));
  ASSERT_OK(
      WriteFileAtomically(files().server_cert, cert_pem, kPublicFileMode));

  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  X509Ptr server = LoadCert(files().server_cert);
  ASSERT_TRUE(server);
  EXPECT_NEAR(DaysLeft(*server), 365, 1);
}

TEST_F(TlsCertsTest, MalformedHostIsRejectedBeforeWritingAnything) {
  EXPECT_THAT(EnsureTlsCertificates(dir_.path(), {"bad host,DNS:evil"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad host")));
  EXPECT_EQ(FileMode(files().ca_cert), -1);
}

TEST_F(TlsCertsTest, DirectoryThatIsAFileFails) {
  ASSERT_OK(WriteFileAtomically(dir_.Sub("file"), "x", kPublicFileMode));
  EXPECT_THAT(EnsureTlsCertificates(dir_.Sub("file"), {}),
              StatusIs(StatusCode::kInternal, HasSubstr("not a directory")));
}

TEST_F(TlsCertsTest, OpensslCommandLineVerifiesServerCertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the openssl command-line tool is not installed";
  }
  ASSERT_OK(EnsureTlsCertificates(dir_.path(), {}));
  const std::string command = "openssl verify -purpose sslserver -CAfile '" +
                              files().ca_cert + "' '" + files().server_cert +
                              "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace kiln
