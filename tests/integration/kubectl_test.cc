// Stock kubectl against a real kilnd (TLS + token from the generated
// kubeconfig): discovery, apply, get (table/yaml/json/wide/-l), watch,
// patch, delete, nodes, status subresource rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/kilnd_fixture.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunCommand({"kubectl", "version", "--client"}).exit_code != 0) {
      GTEST_SKIP() << "kubectl is not installed (these tests drive the stock "
                      "kubectl binary; Debian 12 does not package it)";
    }
    // The API alone (builds_test.cc runs builds with kubectl).
    kilnd_ = Kilnd::Start({"--controllers=false", "--capacity-cpus", "4",
                           "--capacity-memory", "8Gi", "--max-builds", "3"});
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }

  std::string Example() const {
    return std::string(kSourceDir) + "/manifests/examples/hello-build.yaml";
  }

  // kubectl that must succeed; returns stdout.
  std::string Ok(const std::vector<std::string>& args,
                 const std::string& input = "") {
    CommandResult r = kilnd_->Kubectl(args, input);
    EXPECT_EQ(r.exit_code, 0)
        << "kubectl " << ::testing::PrintToString(args) << "\nstdout: " << r.out
        << "\nstderr: " << r.err
        << "\nkilnd log tail: " << kilnd_->process().Log();
    return r.out;
  }

  // Runs a kubectl watch (`args`, killed by --request-timeout) in the
  // background, calls `change` once it is listening, and returns what the
  // watch printed.
  std::string WatchWhile(const std::vector<std::string>& args,
                         const std::function<void()>& change) {
    CommandResult r;
    std::vector<std::string> argv = args;
    argv.push_back("--request-timeout=6s");
    std::thread watcher([&] { r = kilnd_->Kubectl(argv); });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    change();
    watcher.join();
    return r.out + r.err;
  }

  // The example manifest under another name.
  std::string NamedBuild(const std::string& name) const {
    std::ifstream f(Example());
    std::string text((std::istreambuf_iterator<char>(f)),
                     std::istreambuf_iterator<char>());
    const std::string from = "name: hello";
    text.replace(text.find(from), from.size(), "name: " + name);
    return text;
  }

  static size_t Count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos;
         p = text.find(needle, p + 1)) {
      ++n;
    }
    return n;
  }

  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(KubectlTest, ApiResourcesListsBuildsWithShortName) {
  std::string out = Ok({"api-resources", "--api-group=kiln.dev"});
  EXPECT_THAT(out, HasSubstr("builds"));
  EXPECT_THAT(out, HasSubstr("bld"));
  EXPECT_THAT(out, HasSubstr("nodes"));
  EXPECT_THAT(out, HasSubstr("kiln.dev/v1"));
}

TEST_F(KubectlTest, ApplyGetUpdateDelete) {
  EXPECT_THAT(Ok({"apply", "-f", Example()}),
              HasSubstr("build.kiln.dev/hello created"));
  std::string table = Ok({"get", "builds"});
  EXPECT_THAT(table, HasSubstr("NAME"));
  EXPECT_THAT(table, HasSubstr("PHASE"));
  EXPECT_THAT(table, HasSubstr("IMAGE"));
  EXPECT_THAT(table, HasSubstr("hello"));
  EXPECT_THAT(table, HasSubstr("Pending"));

  auto obj = nlohmann::json::parse(Ok({"get", "bld", "hello", "-o", "json"}));
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_EQ(obj["status"]["phase"], "Pending");
  EXPECT_FALSE(obj["metadata"]["uid"].get<std::string>().empty());

  EXPECT_THAT(Ok({"get", "build", "hello", "-o", "yaml"}),
              HasSubstr("kind: Build"));
  EXPECT_THAT(Ok({"get", "builds", "-o", "wide"}), HasSubstr("NODE"));
  EXPECT_THAT(Ok({"get", "builds", "-l", "team=web"}), HasSubstr("hello"));
  EXPECT_THAT(Ok({"get", "builds", "-l", "team=db"}), Not(HasSubstr("hello")));

  // A changed spec field on an admitted build is refused (immutable), but
  // labels can change and cancel can be set.
  Ok({"label", "build", "hello", "tier=frontend"});
  EXPECT_THAT(Ok({"get", "builds", "-l", "tier=frontend"}), HasSubstr("hello"));
  Ok({"patch", "build", "hello", "--type=merge", "-p",
      R"({"spec":{"cancel":true}})"});
  obj = nlohmann::json::parse(Ok({"get", "build", "hello", "-o", "json"}));
  EXPECT_EQ(obj["spec"]["cancel"], true);
  EXPECT_EQ(obj["metadata"]["generation"], 2);

  EXPECT_THAT(Ok({"delete", "build", "hello"}),
              HasSubstr("build.kiln.dev \"hello\" deleted"));
  CommandResult gone = kilnd_->Kubectl({"get", "build", "hello"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.err, HasSubstr("not found"));
}

TEST_F(KubectlTest, ServerSideApplyCreatesThenUpdates) {
  EXPECT_THAT(Ok({"apply", "--server-side", "-f", Example()}),
              HasSubstr("serverside-applied"));
  EXPECT_THAT(Ok({"apply", "--server-side", "-f", Example()}),
              HasSubstr("serverside-applied"));
}

TEST_F(KubectlTest, ImmutableSpecChangeIsRefusedWithFieldPath) {
  Ok({"apply", "-f", Example()});
  CommandResult r =
      kilnd_->Kubectl({"patch", "build", "hello", "--type=merge", "-p",
                       R"({"spec":{"timeoutSeconds":30}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("spec.timeoutSeconds"));
  EXPECT_THAT(r.err, HasSubstr("immutable"));
}

TEST_F(KubectlTest, StrategicMergePatchGetsUnsupportedMediaType) {
  Ok({"apply", "-f", Example()});
  CommandResult r = kilnd_->Kubectl(
      {"patch", "build", "hello", "-p", R"({"spec":{"cancel":true}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("merge-patch"));
}

TEST_F(KubectlTest, UnknownFieldIsRejectedWithItsPath) {
  std::string manifest = R"(apiVersion: kiln.dev/v1
kind: Build
metadata: {name: typo}
spec:
  source: {inline: {files: {Dockerfile: "FROM kiln/busybox:1"}}}
  resourcse: {cpus: 1}
)";
  CommandResult r = kilnd_->Kubectl({"apply", "-f", "-"}, manifest);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("resourcse"));
}

TEST_F(KubectlTest, NodesShowCapacityAndAllocation) {
  Ok({"apply", "-f", Example()});
  std::string out = Ok({"get", "nodes.kiln.dev", "-o", "json"});
  auto list = nlohmann::json::parse(out);
  ASSERT_EQ(list["items"].size(), 1u);
  auto status = list["items"][0]["status"];
  EXPECT_EQ(status["capacity"]["cpus"], 4);
  EXPECT_EQ(status["capacity"]["builds"], 3);
  EXPECT_EQ(status["allocated"]["builds"], 1);
  EXPECT_EQ(status["allocated"]["memoryMiB"], 512);
  EXPECT_THAT(Ok({"get", "nodes.kiln.dev"}), HasSubstr("NAME"));
}

TEST_F(KubectlTest, StatusSubresourceIsRefusedForUsers) {
  Ok({"apply", "-f", Example()});
  CommandResult r = kilnd_->Kubectl({"patch", "build", "hello",
                                     "--subresource=status", "--type=merge",
                                     "-p", R"({"status":{"phase":"Ready"}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("forbidden"));
}

TEST_F(KubectlTest, WatchShowsChangesAsTheyHappen) {
  Ok({"apply", "-f", Example()});
  std::string text = WatchWhile({"get", "builds", "-w"}, [&] {
    Ok({"label", "build", "hello", "seen=yes"});
    Ok({"delete", "build", "hello"});
  });
  // The initial row plus at least one change row.
  EXPECT_GE(Count(text, "hello"), 2u) << text;
}

TEST_F(KubectlTest, WatchOnlyShowsOnlyChanges) {
  Ok({"apply", "-f", Example()});
  std::string text =
      WatchWhile({"get", "builds", "--watch-only", "-o", "name"}, [&] {
        Ok({"create", "-f", "-"}, NamedBuild("second"));
      });
  EXPECT_THAT(text, HasSubstr("build.kiln.dev/second"));
  EXPECT_THAT(text, Not(HasSubstr("build.kiln.dev/hello"))) << text;
}

TEST_F(KubectlTest, ExplainDescribesBuildSpec) {
  std::string out = Ok({"explain", "build.spec"});
  EXPECT_THAT(out, HasSubstr("source"));
  EXPECT_THAT(out, HasSubstr("timeoutSeconds"));
}

}  // namespace
}  // namespace kiln::testing
