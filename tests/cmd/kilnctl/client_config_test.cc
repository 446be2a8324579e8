#include "cmd/kilnctl/client_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/status_matchers.h"

namespace kiln::kilnctl {
namespace {

using ::testing::HasSubstr;

class ClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kilnctl-config-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(
        std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

// "hello" in base64.
constexpr char kKubeconfig[] = R"(apiVersion: v1
kind: Config
clusters:
- name: kiln
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: aGVsbG8=
- name: other
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: ca.pem
contexts:
- name: kiln
  context: {cluster: kiln, user: admin, namespace: team-a}
- name: other
  context: {cluster: other, user: reader}
current-context: kiln
users:
- name: admin
  user: {token: secret-token}
- name: reader
  user: {tokenFile: token.txt}
)";

TEST_F(ClientConfigTest, ReadsTheCurrentContext) {
  ConfigFlags flags;
  flags.kubeconfig = Write("config", kKubeconfig);
  StatusOr<ClientConfig> c = LoadClientConfig(flags, {});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "hello");
  EXPECT_EQ(c->token, "secret-token");
  EXPECT_EQ(c->namespace_, "team-a");
  EXPECT_EQ(c->context, "kiln");
}

TEST_F(ClientConfigTest, ContextFlagAndRelativeFilesAndOverrides) {
  Write("ca.pem", "PEM");
  Write("token.txt", "tok\n");
  ConfigFlags flags;
  flags.kubeconfig = Write("config", kKubeconfig);
  flags.context = "other";
  StatusOr<ClientConfig> c = LoadClientConfig(flags, {});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "PEM");
  EXPECT_EQ(c->token, "tok");
  EXPECT_EQ(c->namespace_, "default");
  flags.namespace_ = "x";
  flags.token = "flag-token";
  flags.server = "http://127.0.0.1:1";
  c = LoadClientConfig(flags, {});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->namespace_, "x");
  EXPECT_EQ(c->token, "flag-token");
  EXPECT_EQ(c->server, "http://127.0.0.1:1");
}

TEST_F(ClientConfigTest, KubeconfigEnvMergesFirstWins) {
  const std::string a = Write("a", R"(clusters:
- name: kiln
  cluster: {server: "https://first:1"}
)");
  const std::string b = Write("b", kKubeconfig);
  ConfigEnv env;
  env.kubeconfig_env = a + ":" + dir_ + "/missing:" + b;
  StatusOr<ClientConfig> c = LoadClientConfig({}, env);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://first:1");
  EXPECT_EQ(c->token, "secret-token");
}

TEST_F(ClientConfigTest, HomeConfigIsTheDefault) {
  Write(".kube/config", kKubeconfig);
  ConfigEnv env;
  env.home = dir_;
  StatusOr<ClientConfig> c = LoadClientConfig({}, env);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->token, "secret-token");
}

TEST_F(ClientConfigTest, ClearErrors) {
  ConfigFlags flags;
  EXPECT_THAT(LoadClientConfig(flags, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("--server")));
  flags.kubeconfig = dir_ + "/nope";
  EXPECT_THAT(LoadClientConfig(flags, {}),
              StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  flags.kubeconfig = Write("config", kKubeconfig);
  flags.context = "missing";
  EXPECT_THAT(LoadClientConfig(flags, {}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("\"missing\" not found")));
  flags.context = "";
  flags.kubeconfig = Write("bad", "clusters: [\n");
  EXPECT_THAT(LoadClientConfig(flags, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("line")));
  flags.kubeconfig = "";
  flags.server = "127.0.0.1:6443";
  EXPECT_THAT(LoadClientConfig(flags, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("https://")));
}

TEST_F(ClientConfigTest, ViewRedactsUnlessRaw) {
  ConfigFlags flags;
  flags.kubeconfig = Write("config", kKubeconfig);
  StatusOr<std::string> view = ViewConfig(flags, {}, false, false);
  ASSERT_THAT(view, IsOk());
  EXPECT_THAT(*view, HasSubstr("REDACTED"));
  EXPECT_THAT(*view, HasSubstr("DATA+OMITTED"));
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("secret-token")));
  view = ViewConfig(flags, {}, true, true);
  ASSERT_THAT(view, IsOk());
  EXPECT_THAT(*view, HasSubstr("secret-token"));
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("10.0.0.1")));
}

}  // namespace
}  // namespace kiln::kilnctl
