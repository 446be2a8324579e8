// The generated kubeconfig: its YAML structure, and that stock kubectl reads
// it (and trusts the generated CA) as intended.
#include "controller/apiserver/kubeconfig.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/tls_certs.h"
#include "controller/base/files.h"
#include "tests/controller/apiserver/file_mode.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKubectl[] = "/usr/bin/kubectl";
constexpr char kCaPem[] =
    "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

KubeconfigParams TlsParams() {
  KubeconfigParams params;
  params.server_url = "https://127.0.0.1:6443";
  params.ca_pem = kCaPem;
  params.token = "0123abcd";
  return params;
}

std::string DecodeBase64(const std::string& text) {
  std::vector<unsigned char> out(text.size());
  const int n = EVP_DecodeBlock(
      out.data(), reinterpret_cast<const unsigned char*>(text.data()),
      static_cast<int>(text.size()));
  if (n < 0) return "<invalid base64>";
  size_t size = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the '=' padding as zero bytes.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `command` through the shell and captures its stdout.
CommandResult RunShell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) {
    result.output.append(buf, n);
  }
  result.exit_code = ::pclose(pipe);
  return result;
}

TEST(KubeconfigTest, HasKubectlStructure) {
  const YAML::Node config = YAML::Load(RenderKubeconfig(TlsParams()));
  EXPECT_EQ(config["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(config["kind"].as<std::string>(), "Config");
  EXPECT_EQ(config["current-context"].as<std::string>(), "kiln");

  ASSERT_EQ(config["clusters"].size(), 1u);
  const YAML::Node cluster = config["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "kiln");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(),
            "https://127.0.0.1:6443");
  EXPECT_EQ(
      DecodeBase64(
          cluster["cluster"]["certificate-authority-data"].as<std::string>()),
      kCaPem);

  ASSERT_EQ(config["users"].size(), 1u);
  EXPECT_EQ(config["users"][0]["name"].as<std::string>(), "admin");
  EXPECT_EQ(config["users"][0]["user"]["token"].as<std::string>(), "0123abcd");

  ASSERT_EQ(config["contexts"].size(), 1u);
  const YAML::Node context = config["contexts"][0];
  EXPECT_EQ(context["name"].as<std::string>(), "kiln");
  EXPECT_EQ(context["context"]["cluster"].as<std::string>(), "kiln");
  EXPECT_EQ(context["context"]["user"].as<std::string>(), "admin");
  EXPECT_EQ(context["context"]["namespace"].as<std::string>(), "default");
}

TEST(KubeconfigTest, PlainHttpHasNoCaAndNoTokenMeansNoCredentials) {
  KubeconfigParams params;
  params.server_url = "http://127.0.0.1:8080";
  const std::string text = RenderKubeconfig(params);
  EXPECT_THAT(text, Not(HasSubstr("certificate-authority")));
  const YAML::Node config = YAML::Load(text);
  const YAML::Node cluster = config["clusters"][0]["cluster"];
  EXPECT_EQ(cluster["server"].as<std::string>(), "http://127.0.0.1:8080");
  EXPECT_FALSE(cluster["certificate-authority-data"]);
  const YAML::Node user = config["users"][0]["user"];
  EXPECT_TRUE(user.IsMap());
  EXPECT_EQ(user.size(), 0u);
}

TEST(KubeconfigTest, ValuesCannotInjectStructure) {
  KubeconfigParams params = TlsParams();
  params.namespace_ = "a\"b\\c\nd: e";
  params.user_name = "x #y";
  params.token = "t'o\tk";
  const YAML::Node config = YAML::Load(RenderKubeconfig(params));
  EXPECT_EQ(config["contexts"][0]["context"]["namespace"].as<std::string>(),
            params.namespace_);
  EXPECT_EQ(config["users"][0]["name"].as<std::string>(), "x #y");
  EXPECT_EQ(config["users"][0]["user"]["token"].as<std::string>(), "t'o\tk");
  EXPECT_EQ(config["contexts"][0]["context"].size(), 3u);
}

TEST(KubeconfigTest, WriteIsPrivateAndReplacesOldFile) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.Sub("kubeconfig");
  ASSERT_OK(WriteKubeconfig(path, "old"));
  const std::string text = RenderKubeconfig(TlsParams());
  ASSERT_OK(WriteKubeconfig(path, text));
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_THAT(ReadWholeFile(path), IsOkAndHolds(text));
}

TEST(KubeconfigTest, WriteIntoMissingDirectoryFails) {
  testing::TempDir dir;
  EXPECT_THAT(WriteKubeconfig(dir.Sub("missing/kubeconfig"), "x"),
              StatusIs(StatusCode::kInternal, HasSubstr("missing/kubeconfig")));
}

class KubectlConfigViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FileMode(kKubectl) == -1) {
      GTEST_SKIP() << kKubectl << " is not installed; cannot check that "
                   << "stock kubectl reads the kubeconfig";
    }
    ASSERT_FALSE(dir_.path().empty());
    path_ = dir_.Sub("kubeconfig");
    ASSERT_OK(WriteKubeconfig(path_, RenderKubeconfig(TlsParams())));
  }

  // kubectl config view with `flags`, isolated from the user's own config.
  std::string View(const std::string& flags) {
    const CommandResult result = RunShell(
        "env -u KUBECONFIG HOME='" + dir_.path() + "' " + kKubectl +
        " config view --kubeconfig '" + path_ + "' " + flags + " 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

  testing::TempDir dir_;
  std::string path_;
};

TEST_F(KubectlConfigViewTest, ServerAndContext) {
  EXPECT_EQ(View("-o jsonpath='{.clusters[0].cluster.server}'"),
            "https://127.0.0.1:6443");
  EXPECT_EQ(View("-o jsonpath='{.current-context}'"), "kiln");
  EXPECT_EQ(View("--minify -o jsonpath='{.contexts[0].context.namespace}'"),
            "default");
}

TEST_F(KubectlConfigViewTest, RawShowsCaDataAndToken) {
  EXPECT_EQ(
      DecodeBase64(
          View("--raw -o "
               "jsonpath='{.clusters[0].cluster.certificate-authority-data}'")),
      kCaPem);
  EXPECT_EQ(View("--raw -o jsonpath='{.users[0].user.token}'"), "0123abcd");
  // Without --raw kubectl redacts the secret.
  EXPECT_THAT(View("-o jsonpath='{.users[0].user.token}'"),
              Not(HasSubstr("0123abcd")));
}

// A free TCP port on 127.0.0.1 (released again; a race with other
// processes is possible but unlikely), or 0.
int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool CanConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// `openssl s_server -www` serving the generated certificate: a stand-in TLS
// endpoint for kubectl, killed on destruction.
class OpensslServer {
 public:
  OpensslServer(const TlsFiles& files, int port) : port_(port) {
    std::vector<std::string> args = {
        "openssl",       "s_server",        "-quiet",
        "-www",          "-accept",         "127.0.0.1:" + std::to_string(port),
        "-cert",         files.server_cert, "-key",
        files.server_key};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(),
                     environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~OpensslServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  OpensslServer(const OpensslServer&) = delete;
  OpensslServer& operator=(const OpensslServer&) = delete;

  // Waits up to 10 s for the server to accept connections.
  bool WaitReady() const {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      if (CanConnect(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// End to end: the kubeconfig's embedded CA is what kubectl (Go's TLS stack,
// stricter than OpenSSL about certificate profiles) uses to trust kilnd's
// generated serving certificate, for a DNS name and an IP address — and a
// foreign CA is refused.
class KubectlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FileMode(kKubectl) == -1) {
      GTEST_SKIP() << kKubectl << " is not installed; cannot check that "
                   << "kubectl trusts the generated certificate";
    }
    if (RunShell("command -v openssl >/dev/null 2>&1").exit_code != 0) {
      GTEST_SKIP() << "the openssl tool is not installed; it serves TLS here";
    }
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_OK(EnsureTlsCertificates(dir_.Sub("tls"), {}));
    port_ = FreeLoopbackPort();
    ASSERT_NE(port_, 0);
  }

  // kubectl get --raw / through a kubeconfig for `host` trusting `ca_pem`.
  CommandResult GetRaw(const std::string& host, const std::string& ca_pem) {
    KubeconfigParams params;
    params.server_url = "https://" + host + ":" + std::to_string(port_);
    params.ca_pem = ca_pem;
    params.token = "unused";
    const std::string path = dir_.Sub("kubeconfig");
    EXPECT_OK(WriteKubeconfig(path, RenderKubeconfig(params)));
    return RunShell("env -u KUBECONFIG HOME='" + dir_.path() + "' " + kKubectl +
                    " --kubeconfig '" + path +
                    "' --request-timeout=10s get --raw / 2>&1");
  }

  std::string CaPem() {
    StatusOr<std::string> pem =
        ReadWholeFile(TlsFilesIn(dir_.Sub("tls")).ca_cert);
    EXPECT_OK(pem);
    return pem.ok() ? *pem : std::string();
  }

  testing::TempDir dir_;
  int port_ = 0;
};

TEST_F(KubectlTlsTest, TrustsGeneratedCertificateThroughEmbeddedCa) {
  OpensslServer server(TlsFilesIn(dir_.Sub("tls")), port_);
  ASSERT_TRUE(server.WaitReady());
  for (const char* host : {"localhost", "127.0.0.1"}) {
    const CommandResult result = GetRaw(host, CaPem());
    EXPECT_EQ(result.exit_code, 0) << host << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr("s_server")) << host;
  }
}

TEST_F(KubectlTlsTest, RefusesServerSignedByAnotherCa) {
  OpensslServer server(TlsFilesIn(dir_.Sub("tls")), port_);
  ASSERT_TRUE(server.WaitReady());
  ASSERT_OK(EnsureTlsCertificates(dir_.Sub("other"), {}));
  StatusOr<std::string> other_ca =
      ReadWholeFile(TlsFilesIn(dir_.Sub("other")).ca_cert);
  ASSERT_OK(other_ca);
  const CommandResult result = GetRaw("localhost", *other_ca);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("certificate signed by unknown"))
      << result.output;
}

}  // namespace
}  // namespace kiln
