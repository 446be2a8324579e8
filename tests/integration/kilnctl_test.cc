// The real kilnctl binary against a real kilnd (TLS + token from the
// kubeconfig kilnd writes, exactly as kubectl uses it): apply with local
// source upload, build to Ready, logs -f, cancel, wait, delete, get -w,
// -o jsonpath, bad manifests, server down, 503 with --retry, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/kilnd_fixture.h"
#include "tests/testing/build_paths.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class KilnctlTest : public ::testing::Test {
 protected:
  void TearDown() override {
    kilnd_.reset();
    if (!dir_.empty()) {
      RunCommand({"pkill", "-9", "-f", dir_});
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // Starts kilnd; `builds` = with its controllers and an embedded registry
  // (skips when buildah is missing), else the API alone.
  void Start(bool builds, const std::vector<std::string>& extra = {}) {
    if (builds) {
      for (const char* tool : {"buildah", "skopeo"}) {
        if (RunCommand({"which", tool}).exit_code != 0) {
          GTEST_SKIP() << tool
                       << " is not installed (hack/setup.sh installs it)";
        }
      }
    }
    dir_ = MakeTempDir("kilnctl-test-");
    std::vector<std::string> args = {"--capacity-cpus",           "4",
                                     "--capacity-memory",         "8Gi",
                                     "--vm-delete-grace-seconds", "5"};
    if (builds) {
      registry_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
      args.insert(args.end(), {"--embedded-registry", registry_});
    } else {
      args.push_back("--controllers=false");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    kilnd_ = Kilnd::Start(args, dir_ + "/data");
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }

  std::map<std::string, std::string> Env() const {
    return {{"KUBECONFIG", kilnd_->kubeconfig()}, {"HOME", dir_}};
  }

  CommandResult Kilnctl(
      const std::vector<std::string>& args, const std::string& input = "",
      std::chrono::seconds timeout = std::chrono::seconds(120)) {
    std::vector<std::string> argv = {kKilnctlPath};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, Env(), input, timeout);
  }

  std::string Ok(const std::vector<std::string>& args,
                 const std::string& input = "") {
    CommandResult r = Kilnctl(args, input);
    EXPECT_EQ(r.exit_code, 0) << "kilnctl " << ::testing::PrintToString(args)
                              << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r.out;
  }

  // A build context: Dockerfile + files.
  std::string Context(const std::string& name, const std::string& dockerfile,
                      const std::map<std::string, std::string>& files = {}) {
    const std::string d = dir_ + "/" + name;
    WriteFile(d + "/Dockerfile", dockerfile);
    for (const auto& [path, text] : files) WriteFile(d + "/" + path, text);
    return d;
  }

  std::string dir_;
  std::string registry_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(KilnctlTest, ServerDownIsAClearErrorAndNonZero) {
  dir_ = MakeTempDir("kilnctl-test-");
  const std::string server =
      "https://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  CommandResult r = RunCommand({kKilnctlPath, "--server", server,
                                "--insecure-skip-tls-verify", "get", "builds"},
                               {{"HOME", dir_}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot reach kilnd at " + server));
  // No configuration at all says where to get one.
  r = RunCommand({kKilnctlPath, "get", "builds"}, {{"HOME", dir_}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("KUBECONFIG"));
  // Commands that need no server work without one.
  r = RunCommand({kKilnctlPath, "version", "--client"}, {{"HOME", dir_}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Client Version: v"));
  for (const std::string shell : {"bash", "zsh"}) {
    r = RunCommand({kKilnctlPath, "completion", shell}, {{"HOME", dir_}});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("complete -o default -F _kilnctl kilnctl"));
    CommandResult syntax = RunCommand({"bash", "-n"}, {}, r.out);
    EXPECT_EQ(syntax.exit_code, 0) << shell << ": " << syntax.err;
  }
  // Usage errors are exit 2.
  r = RunCommand({kKilnctlPath, "get", "builds", "--bogus"}, {{"HOME", dir_}});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(KilnctlTest, ApplyGetOutputsAndDeleteAgainstTheApi) {
  Start(/*builds=*/false);
  const std::string examples = std::string(kSourceDir) + "/manifests/examples/";
  EXPECT_THAT(Ok({"apply", "-f", examples}),
              HasSubstr("build.kiln.dev/hello created"));
  EXPECT_THAT(Ok({"apply", "-f", examples}),
              HasSubstr("build.kiln.dev/hello unchanged"));
  const std::string table = Ok({"get", "builds"});
  EXPECT_THAT(table, HasSubstr("NAME"));
  EXPECT_THAT(table, HasSubstr("PHASE"));
  EXPECT_THAT(table, HasSubstr("multistage"));
  EXPECT_THAT(Ok({"get", "builds", "-o", "wide"}), HasSubstr("REASON"));
  EXPECT_EQ(
      Ok({"get", "build", "hello", "-o", "jsonpath={.metadata.labels.team}"}),
      "web");
  EXPECT_EQ(Ok({"get", "builds", "-o", "name", "-l", "team=web"}),
            "build.kiln.dev/hello\n");
  nlohmann::json j =
      nlohmann::json::parse(Ok({"get", "build", "hello", "-o", "json"}));
  EXPECT_EQ(j["kind"], "Build");
  EXPECT_THAT(Ok({"get", "builds", "-o", "yaml"}), HasSubstr("kind: List"));
  EXPECT_THAT(Ok({"get", "builds", "-A"}), HasSubstr("NAMESPACE"));
  EXPECT_THAT(Ok({"get", "nodes"}), HasSubstr("BUILDS"));
  // Explicit flags instead of a kubeconfig: TLS verified against the CA.
  CommandResult flags =
      RunCommand({kKilnctlPath, "--server", kilnd_->url(), "--token",
                  kilnd_->AdminToken(), "--certificate-authority",
                  dir_ + "/data/pki/ca.crt", "get", "builds", "-o", "name"},
                 {{"HOME", dir_}});
  EXPECT_EQ(flags.exit_code, 0) << flags.err;
  CommandResult bad_token = RunCommand(
      {kKilnctlPath, "--server", kilnd_->url(), "--token", "nope",
       "--certificate-authority", dir_ + "/data/pki/ca.crt", "get", "builds"},
      {{"HOME", dir_}});
  EXPECT_EQ(bad_token.exit_code, 1);
  EXPECT_THAT(bad_token.err, HasSubstr("Unauthorized"));
  CommandResult missing = Kilnctl({"get", "build", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("Error from server (NotFound)"));
  EXPECT_EQ(Ok({"cancel", "hello"}), "build.kiln.dev/hello cancel requested\n");
  EXPECT_EQ(Ok({"get", "build", "hello", "-o", "jsonpath={.spec.cancel}"}),
            "true");
  CommandResult cancel_missing = Kilnctl({"cancel", "nope"});
  EXPECT_EQ(cancel_missing.exit_code, 1);
  EXPECT_THAT(cancel_missing.err, HasSubstr("NotFound"));
  EXPECT_THAT(Ok({"delete", "build", "hello"}), HasSubstr("\"hello\" deleted"));
  EXPECT_THAT(Ok({"delete", "-f", examples, "--ignore-not-found"}),
              HasSubstr("\"multistage\" deleted"));
  CommandResult none = Kilnctl({"get", "builds"});
  EXPECT_THAT(none.err, HasSubstr("No resources found"));
}

TEST_F(KilnctlTest, BadManifestsNameTheFileAndLineAndWriteNothing) {
  Start(/*builds=*/false);
  const std::string bad = dir_ + "/bad.yaml";
  WriteFile(bad,
            "apiVersion: kiln.dev/v1\n"
            "kind: Build\n"
            "metadata: {name: ok-one}\n"
            "spec:\n"
            "  source: {inline: {files: {Dockerfile: 'FROM kiln/busybox:1'}}}\n"
            "---\n"
            "apiVersion: kiln.dev/v1\n"
            "kind: Build\n"
            "metadata: {name: bad-one}\n"
            "spec:\n"
            "  source: {inline: {files: {Dockerfile: 'FROM kiln/busybox:1'}}}\n"
            "  resources:\n"
            "    cpus: two\n");
  CommandResult r = Kilnctl({"apply", "-f", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml: document 2"));
  EXPECT_THAT(r.err, HasSubstr("spec.resources.cpus"));
  EXPECT_THAT(r.err, HasSubstr("line 13"));
  // Nothing was applied, not even the good first document.
  EXPECT_THAT(Kilnctl({"get", "builds"}).err, HasSubstr("No resources found"));
  // Broken YAML and a foreign kind.
  WriteFile(bad, "kind: Build\nmetadata: [\n");
  r = Kilnctl({"apply", "-f", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("line"));
  r = Kilnctl({"apply", "-f", "-"},
              "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("want apiVersion kiln.dev/v1, kind Build"));
  // The server's validation errors get line numbers too.
  WriteFile(
      bad,
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: huge}\nspec:\n"
      "  source: {inline: {files: {Dockerfile: 'FROM kiln/busybox:1'}}}\n"
      "  resources:\n    cpus: 1000\n");
  r = Kilnctl({"apply", "-f", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("spec.resources.cpus"));
  EXPECT_THAT(r.err, HasSubstr("line 7"));
}

TEST_F(KilnctlTest, FullNodeIsExit5AndRetryWaitsForRoom) {
  Start(/*builds=*/false, {"--max-builds", "1"});
  const std::string blocker =
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: NAME}\nspec:\n"
      "  source: {inline: {files: {Dockerfile: 'FROM kiln/busybox:1'}}}\n"
      "  timeoutSeconds: 2\n";
  auto manifest = [&](const std::string& name) {
    std::string m = blocker;
    m.replace(m.find("NAME"), 4, name);
    return m;
  };
  Ok({"apply", "-f", "-"}, manifest("first"));
  CommandResult r = Kilnctl({"apply", "-f", "-"}, manifest("second"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ServiceUnavailable"));
  EXPECT_THAT(r.err, HasSubstr("try again in"));
  // kilnctl build --retry waits Retry-After and gets in once there is room.
  const std::string ctx = Context("ctx", "FROM kiln/busybox:1\n");
  std::thread freer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    Kilnctl({"delete", "build", "first"});
  });
  r = Kilnctl({"build", ctx, "--retry", "--detach", "--name", "third"});
  freer.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("retrying in"));
  EXPECT_EQ(r.out, "third\n");
}

TEST_F(KilnctlTest, BuildDirToReadyThenApplySourcePathAndWait) {
  Start(/*builds=*/true);
  const std::string ctx = Context(
      "app",
      "FROM kiln/busybox:1\nCOPY . /app\nRUN ls /app && cat /app/keep.txt\n",
      {{"keep.txt", "kept-file\n"},
       {"secret.txt", "must-not-be-sent\n"},
       {".dockerignore", "secret.txt\n"}});
  CommandResult r =
      Kilnctl({"build", ctx, "--name", "app1", "--build-arg", "A=1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("kept-file"));
  EXPECT_THAT(r.out, Not(HasSubstr("secret.txt")));
  EXPECT_THAT(r.err, HasSubstr("uploaded"));
  EXPECT_THAT(r.err, HasSubstr("app1 is Building"));
  // The last stdout line is the pushed image, as skopeo sees it.
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string image = out.substr(out.rfind('\n') + 1);
  ASSERT_THAT(image, HasSubstr("@sha256:"));
  const std::string ref = image.substr(0, image.find('@'));
  CommandResult inspect =
      RunCommand({"skopeo", "inspect", "--tls-verify=false", "--creds",
                  kilnd_->RegistryLogin(), "docker://" + ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Digest"],
            image.substr(image.find('@') + 1));

  // The same directory from a manifest: already uploaded, not sent again.
  WriteFile(dir_ + "/m/build.yaml",
            "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: app2}\n"
            "spec:\n  source: {path: ../app}\n");
  r = Kilnctl({"apply", "-f", dir_ + "/m/build.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("already on the server"));
  EXPECT_EQ(Ok({"wait", "build", "app2", "--for=jsonpath={.status.phase}=Ready",
                "--timeout", "120s"}),
            "build.kiln.dev/app2 condition met\n");
  const std::string described = Ok({"describe", "build", "app2"});
  EXPECT_THAT(described, HasSubstr("Source:"));
  EXPECT_THAT(described, HasSubstr("archive sha256:"));
  EXPECT_THAT(described, HasSubstr("Admitted"));
  EXPECT_THAT(described, HasSubstr("Last Log Lines:"));
  EXPECT_THAT(Ok({"logs", "app2", "--tail", "1"}), HasSubstr("pushed"));
}

TEST_F(KilnctlTest, FailedIsExit3AndInterruptCancelsIsExit4) {
  Start(/*builds=*/true);
  CommandResult r = Kilnctl(
      {"build", Context("broken", "FROM kiln/busybox:1\nRUN exit 7\n")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Failed (BuildError)"));

  // Ctrl-C with --cancel-on-interrupt cancels and exits 4; get -w saw it.
  const std::string ctx = Context("slow",
                                  "FROM kiln/busybox:1\nRUN for i in $(seq 1 "
                                  "60); do echo t$i; sleep 1; done\n");
  Child watch({kKilnctlPath, "get", "builds", "-w", "--no-headers"},
              dir_ + "/watch.log", Env());
  Child build(
      {kKilnctlPath, "build", ctx, "--name", "slow", "--cancel-on-interrupt"},
      dir_ + "/build.log", Env());
  ASSERT_NE(build.WaitForLog("t2", std::chrono::seconds(120)), "")
      << build.Log();
  const int status = build.Signal(SIGINT, std::chrono::seconds(60));
  ASSERT_TRUE(WIFEXITED(status)) << build.Log();
  EXPECT_EQ(WEXITSTATUS(status), 4) << build.Log();
  EXPECT_THAT(build.Log(), HasSubstr("cancelling slow"));
  EXPECT_NE(watch.WaitForLog("Cancelled", std::chrono::seconds(30)), "")
      << watch.Log();
  EXPECT_EQ(Kilnctl({"wait", "build", "slow", "--for=condition=Ready",
                     "--timeout", "10s"})
                .exit_code,
            4);
  EXPECT_THAT(
      Ok({"delete", "builds", "--all", "--field-selector", "phase=Cancelled"}),
      HasSubstr("\"slow\" deleted"));
}

TEST_F(KilnctlTest, LogsFollowSurvivesAKilndRestart) {
  const int port = FreeLoopbackPort();
  Start(/*builds=*/true, {"--listen", "127.0.0.1:" + std::to_string(port)});
  Ok({"apply", "-f", "-"},
     "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: ticker}\nspec:\n"
     "  source:\n    inline:\n      files:\n        Dockerfile: |\n"
     "          FROM kiln/busybox:1\n"
     "          RUN for i in $(seq 1 12); do echo tick-$i; sleep 1; done\n");
  Child follow({kKilnctlPath, "logs", "-f", "ticker"}, dir_ + "/follow.log",
               Env());
  ASSERT_NE(follow.WaitForLog("tick-3", std::chrono::seconds(120)), "")
      << follow.Log();
  kilnd_->Stop(/*kill9=*/true);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  kilnd_ = Kilnd::Start({"--capacity-cpus", "4", "--capacity-memory", "8Gi",
                         "--embedded-registry", registry_, "--listen",
                         "127.0.0.1:" + std::to_string(port)},
                        dir_ + "/data");
  ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  // The follower ends by itself when the build does.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (follow.Running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(follow.Running()) << follow.Log();
  const std::string log = follow.Log();
  for (int i = 1; i <= 12; ++i) {
    const std::string tick = "tick-" + std::to_string(i) + "\n";
    const size_t at = log.find(tick);
    ASSERT_NE(at, std::string::npos) << "missing " << tick << log;
    EXPECT_EQ(log.find(tick, at + 1), std::string::npos)
        << "twice: " << tick << log;
  }
}

}  // namespace
}  // namespace kiln::testing
