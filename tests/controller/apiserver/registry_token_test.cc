// The embedded registry's token service: the JWTs it signs (checked here
// with OpenSSL as the registry checks them: ES256 over header.claims with
// the key of the x5c certificate), who gets which access, and its answers
// to good and bad requests. The real registry accepting these tokens is
// tested in tests/integration/registry_auth_test.cc.
#include "controller/apiserver/registry_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/registry_token_policy.h"
#include "controller/apiserver/registry_token_service.h"
#include "controller/base/base64.h"
#include "controller/base/files.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::kiln::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Jwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;
  std::string signature;  // raw r || s
};

Jwt Split(const std::string& token) {
  Jwt jwt;
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  EXPECT_NE(b, std::string::npos) << token;
  jwt.signing_input = token.substr(0, b);
  jwt.header = nlohmann::json::parse(*Base64UrlDecode(token.substr(0, a)));
  jwt.claims =
      nlohmann::json::parse(*Base64UrlDecode(token.substr(a + 1, b - a - 1)));
  jwt.signature = *Base64UrlDecode(token.substr(b + 1));
  return jwt;
}

// Whether `jwt` verifies with the public key of its x5c certificate.
bool SignatureVerifies(const Jwt& jwt) {
  const std::string der =
      *Base64Decode(jwt.header["x5c"][0].get<std::string>());
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr || jwt.signature.size() != 64) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* raw =
      reinterpret_cast<const unsigned char*>(jwt.signature.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr),
                 BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* sig_der = nullptr;
  const int sig_len = i2d_ECDSA_SIG(sig, &sig_der);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(
          ctx, sig_der, static_cast<size_t>(sig_len),
          reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
          jwt.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(sig_der);
  ECDSA_SIG_free(sig);
  X509_free(cert);
  return ok;
}

TEST(RegistryTokenSignerTest, SignsEs256WithItsCertificateInX5c) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryTokenSigner> signer,
                       RegistryTokenSigner::LoadOrCreate(dir.path() + "/pki"));
  RegistryTokenClaims claims;
  claims.issuer = "kilnd";
  claims.subject = "kiln-build/team-a/web";
  claims.audience = "kiln-registry";
  claims.issued_at = 1'800'000'000;
  claims.lifetime_seconds = 300;
  claims.access = {{"repository", "team-a/web", {"pull", "push"}}};
  ASSERT_OK_AND_ASSIGN(std::string token, signer->Sign(claims));
  const Jwt jwt = Split(token);
  EXPECT_EQ(jwt.header["alg"], "ES256");
  EXPECT_EQ(jwt.header["typ"], "JWT");
  EXPECT_TRUE(SignatureVerifies(jwt));
  EXPECT_EQ(jwt.claims["iss"], "kilnd");
  EXPECT_EQ(jwt.claims["sub"], "kiln-build/team-a/web");
  EXPECT_EQ(jwt.claims["aud"], "kiln-registry");
  EXPECT_EQ(jwt.claims["nbf"], 1'800'000'000);
  EXPECT_EQ(jwt.claims["exp"], 1'800'000'300);
  EXPECT_EQ(jwt.claims["access"][0]["name"], "team-a/web");
  EXPECT_EQ(jwt.claims["access"][0]["actions"],
            nlohmann::json::array({"pull", "push"}));
  // A changed claim no longer verifies.
  Jwt forged = jwt;
  forged.signing_input[forged.signing_input.size() - 2] ^= 1;
  EXPECT_FALSE(SignatureVerifies(forged));

  // The key stays across restarts: the registry keeps trusting the
  // certificate, and build credentials stay valid.
  const std::string cert = *ReadWholeFile(signer->certificate_path());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryTokenSigner> again,
                       RegistryTokenSigner::LoadOrCreate(dir.path() + "/pki"));
  EXPECT_EQ(*ReadWholeFile(again->certificate_path()), cert);
  EXPECT_EQ(again->CredentialSecret(), signer->CredentialSecret());
  EXPECT_EQ(
      std::filesystem::status(dir.path() + "/pki/registry-token.key")
              .permissions() &
          std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(RegistryScopesTest, ParsesAndRefusesMalformedScopes) {
  ASSERT_OK_AND_ASSIGN(std::vector<RegistryAccess> scopes,
                       ParseRegistryScopes({"repository:team-a/web:pull,push",
                                            "registry:catalog:*"}));
  EXPECT_THAT(
      scopes,
      ElementsAre(RegistryAccess{"repository", "team-a/web", {"pull", "push"}},
                  RegistryAccess{"registry", "catalog", {"*"}}));
  for (const char* bad :
       {"repository", "repository:x", ":x:pull", "repository::pull",
        "repository:x:", "repository:x:,"}) {
    EXPECT_THAT(ParseRegistryScopes({bad}),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("scope")))
        << bad;
  }
  // Found by tests/fuzz/registry_token_fuzz.cc: bytes that are not UTF-8
  // made the answer's JSON throw.
  EXPECT_THAT(ParseRegistryScopes({"repository:a\x8c/b:pull"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("printable")));
  EXPECT_FALSE(ParseRegistryScopes({"repository:a b:pull"}).ok());
  EXPECT_FALSE(
      ParseRegistryScopes(std::vector<std::string>(17, "repository:a/b:pull"))
          .ok());
  EXPECT_FALSE(
      ParseRegistryScopes({"repository:" + std::string(600, 'a') + ":pull"})
          .ok());
}

RegistryIdentity User(const std::string& name,
                      std::vector<std::string> groups) {
  RegistryIdentity identity;
  identity.kind = RegistryIdentity::Kind::kUser;
  identity.subject = name;
  identity.user.name = name;
  identity.user.groups = std::move(groups);
  identity.user.groups.push_back("system:authenticated");
  return identity;
}

std::vector<RegistryAccess> Want(const std::string& name,
                                 std::vector<std::string> actions) {
  return {{"repository", name, std::move(actions)}};
}

TEST(RegistryTokenPolicyTest, ABuildPushesOnlyInItsOwnNamespace) {
  RegistryIdentity build;
  build.kind = RegistryIdentity::Kind::kBuild;
  build.build_namespace = "team-a";
  EXPECT_THAT(GrantRegistryAccess(build, Want("team-a/web", {"pull", "push"})),
              ElementsAre(RegistryAccess{
                  "repository", "team-a/web", {"pull", "push"}}));
  EXPECT_THAT(GrantRegistryAccess(build, Want("team-a/web", {"*"})),
              ElementsAre(RegistryAccess{
                  "repository", "team-a/web", {"pull", "push"}}));
  EXPECT_THAT(
      GrantRegistryAccess(build,
                          Want("kiln/busybox", {"pull", "push", "delete"})),
      ElementsAre(RegistryAccess{"repository", "kiln/busybox", {"pull"}}));
  EXPECT_THAT(GrantRegistryAccess(build, Want("team-b/web", {"pull", "push"})),
              IsEmpty());
  EXPECT_THAT(GrantRegistryAccess(build, Want("team-a/web", {"delete"})),
              IsEmpty());
  EXPECT_THAT(GrantRegistryAccess(build, Want("busybox", {"pull"})), IsEmpty());
  EXPECT_THAT(GrantRegistryAccess(build, {{"registry", "catalog", {"*"}}}),
              IsEmpty());
}

TEST(RegistryTokenPolicyTest, UsersGetWhatTheApiPolicyGivesThem) {
  const RegistryIdentity alice = User("alice", {"kiln:namespace:team-a"});
  EXPECT_THAT(GrantRegistryAccess(
                  alice, Want("team-a/web", {"pull", "push", "delete"})),
              ElementsAre(RegistryAccess{
                  "repository", "team-a/web", {"pull", "push", "delete"}}));
  EXPECT_THAT(GrantRegistryAccess(alice, Want("team-b/web", {"pull"})),
              IsEmpty());
  EXPECT_THAT(GrantRegistryAccess(alice, Want("kiln/busybox", {"push"})),
              IsEmpty());
  EXPECT_THAT(
      GrantRegistryAccess(alice, Want("kiln/busybox", {"pull"})),
      ElementsAre(RegistryAccess{"repository", "kiln/busybox", {"pull"}}));
  const RegistryIdentity admin = User("admin", {"system:masters"});
  EXPECT_THAT(GrantRegistryAccess(admin, Want("kiln/busybox", {"*"})),
              ElementsAre(RegistryAccess{"repository", "kiln/busybox", {"*"}}));
  RegistryIdentity system;
  system.kind = RegistryIdentity::Kind::kSystem;
  EXPECT_THAT(GrantRegistryAccess(system, {{"registry", "catalog", {"*"}}}),
              ElementsAre(RegistryAccess{"registry", "catalog", {"*"}}));
}

class RegistryTokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(signer_,
                         RegistryTokenSigner::LoadOrCreate(dir_.path()));
    credentials_ =
        std::make_unique<RegistryCredentials>(signer_->CredentialSecret());
    ASSERT_OK_AND_ASSIGN(
        TokenTable tokens,
        ParseTokenFile("alice-token,alice,1,\"kiln:namespace:team-a\"\n"));
    users_ = std::make_unique<Authenticator>(std::move(tokens));
    service_ = std::make_unique<RegistryTokenService>(
        *signer_, *credentials_, users_.get(),
        [this](const std::string& ns,
               const std::string& name) -> StatusOr<RegistryBuildState> {
          if (ns == "team-a" && name == "web") return build_;
          return NotFoundError("no such build");
        },
        clock_);
  }

  HttpResponse Ask(const std::string& user, const std::string& password,
                   std::vector<std::string> scopes,
                   const std::string& path = "/token") {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.query["service"] = "kiln-registry";
    for (const std::string& s : scopes)
      request.query_list.emplace_back("scope", s);
    if (!user.empty()) {
      request.headers["authorization"] =
          "Basic " + Base64Encode(user + ":" + password);
    }
    return service_->Handle(request);
  }

  static nlohmann::json Access(const HttpResponse& response) {
    const nlohmann::json body = nlohmann::json::parse(response.body);
    return Split(body["token"].get<std::string>()).claims["access"];
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<RegistryTokenSigner> signer_;
  std::unique_ptr<RegistryCredentials> credentials_;
  std::unique_ptr<Authenticator> users_;
  std::unique_ptr<RegistryTokenService> service_;
  RegistryBuildState build_{"uid-1", false};
};

TEST_F(RegistryTokenServiceTest, ARunningBuildGetsItsNamespaceOnly) {
  const RegistryCredential c = credentials_->ForBuild("team-a", "web", "uid-1");
  EXPECT_EQ(c.username, "kiln-build/team-a/web");
  const HttpResponse ok =
      Ask(c.username, c.password,
          {"repository:team-a/web:pull,push",
           "repository:kiln/busybox:pull,push", "repository:team-b/x:pull"});
  ASSERT_EQ(ok.status, 200) << ok.body;
  const nlohmann::json body = nlohmann::json::parse(ok.body);
  EXPECT_EQ(body["expires_in"], 300);
  EXPECT_EQ(body["token"], body["access_token"]);
  EXPECT_EQ(
      Access(ok),
      nlohmann::json::parse(
          R"([{"type":"repository","name":"team-a/web","actions":["pull","push"]},
                    {"type":"repository","name":"kiln/busybox","actions":["pull"]}])"));
}

TEST_F(RegistryTokenServiceTest, ABuildCredentialDiesWithItsBuild) {
  const RegistryCredential c = credentials_->ForBuild("team-a", "web", "uid-1");
  build_.finished = true;
  EXPECT_EQ(Ask(c.username, c.password, {}).status, 401);
  // Same name, new build (another uid): the old credential is not its.
  build_ = {"uid-2", false};
  EXPECT_EQ(Ask(c.username, c.password, {}).status, 401);
  const RegistryCredential other =
      credentials_->ForBuild("team-a", "gone", "uid-1");
  EXPECT_EQ(Ask(other.username, other.password, {}).status, 401);
  // Forged: the right name with a password of another build.
  const RegistryCredential forged =
      credentials_->ForBuild("team-b", "web", "uid-2");
  EXPECT_EQ(Ask(c.username, forged.password, {}).status, 401);
}

TEST_F(RegistryTokenServiceTest, UsersLogInWithTheirKilnToken) {
  const HttpResponse ok =
      Ask("alice", "alice-token",
          {"repository:team-a/web:pull,push", "repository:team-b/web:pull"});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Access(ok).size(), 1u);
  EXPECT_EQ(Split(nlohmann::json::parse(ok.body)["token"]).claims["sub"],
            "alice");
  const HttpResponse bad = Ask("alice", "wrong", {});
  EXPECT_EQ(bad.status, 401);
  EXPECT_THAT(bad.body, HasSubstr("invalid registry credentials"));
  EXPECT_EQ(Ask("kiln-system", "wrong", {}).status, 401);
  const HttpResponse system =
      Ask("kiln-system", credentials_->ForSystem().password,
          {"repository:kiln/busybox:push,pull"});
  ASSERT_EQ(system.status, 200);
  EXPECT_EQ(Access(system)[0]["actions"],
            nlohmann::json::array({"push", "pull"}));
}

TEST_F(RegistryTokenServiceTest, BadRequestsGetClearErrors) {
  const HttpResponse anonymous = Ask("", "", {});
  EXPECT_EQ(anonymous.status, 401);
  ASSERT_EQ(anonymous.headers.size(), 1u);
  EXPECT_EQ(anonymous.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(Ask("alice", "alice-token", {}, "/v2/").status, 404);
  const HttpResponse bad_scope = Ask("alice", "alice-token", {"nonsense"});
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_THAT(bad_scope.body, HasSubstr("nonsense"));
  HttpRequest other_service;
  other_service.method = "GET";
  other_service.path = "/token";
  other_service.query["service"] = "elsewhere";
  other_service.headers["authorization"] =
      "Basic " + Base64Encode("alice:alice-token");
  EXPECT_EQ(service_->Handle(other_service).status, 400);
  HttpRequest garbage = other_service;
  garbage.query["service"] = "kiln-registry";
  garbage.headers["authorization"] = "Basic %%%";
  EXPECT_EQ(service_->Handle(garbage).status, 401);
}

}  // namespace
}  // namespace kiln
