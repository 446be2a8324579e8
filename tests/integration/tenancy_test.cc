// Namespaces as the tenancy boundary (issue 12 item 7), through the real
// kilnd, curl and stock kubectl: a user works only in the namespaces their
// kiln:namespace:NS groups grant, cannot see another namespace's builds or
// sources, and `kubectl auth can-i` answers with the same policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/kilnd_fixture.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

std::string BuildsPath(const std::string& ns) {
  return "/apis/kiln.dev/v1/namespaces/" + ns + "/builds";
}

std::string BuildBody(const std::string& name, const std::string& digest = "") {
  nlohmann::json source =
      digest.empty()
          ? nlohmann::json{{"inline",
                            {{"files",
                              {{"Dockerfile", "FROM kiln/busybox:1\n"}}}}}}
          : nlohmann::json{{"archive", {{"digest", digest}}}};
  return nlohmann::json{
      {"apiVersion", "kiln.dev/v1"},
      {"kind", "Build"},
      {"metadata", {{"name", name}}},
      {"spec",
       {{"source", source}, {"resources", {{"cpus", 1}, {"memoryMiB", 256}}}}}}
      .dump();
}

class TenancyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("kilnd-tenancy-");
    ASSERT_TRUE(AddTestUsers(dir_));
    kilnd_ = Kilnd::Start({"--controllers=false"}, dir_);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }
  void TearDown() override {
    kilnd_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResult Request(const std::string& token, const std::string& method,
                     const std::string& path, const std::string& body = "",
                     const std::string& type = "application/json") {
    std::vector<std::string> args = {"-X", method};
    if (!body.empty()) {
      args.insert(args.end(),
                  {"-H", "Content-Type: " + type, "--data-binary", "@-"});
    }
    args.push_back(kilnd_->url() + path);
    return ParseCurl(kilnd_->Curl(args, token, body));
  }

  std::string dir_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(TenancyTest, UsersWorkOnlyInTheirNamespaces) {
  EXPECT_EQ(
      Request(kAliceToken, "POST", BuildsPath("team-a"), BuildBody("a1")).code,
      201);
  HttpResult cross = Request(kBobToken, "GET", BuildsPath("team-a") + "/a1");
  EXPECT_EQ(cross.code, 403) << cross.body;
  EXPECT_THAT(cross.body, HasSubstr("kiln:namespace:team-a"));
  EXPECT_EQ(Request(kBobToken, "GET", BuildsPath("team-a")).code, 403);
  EXPECT_EQ(Request(kBobToken, "DELETE", BuildsPath("team-a") + "/a1").code,
            403);
  EXPECT_EQ(Request(kBobToken, "GET", BuildsPath("team-a") + "/a1/log").code,
            403);
  EXPECT_EQ(Request(kBobToken, "GET", BuildsPath("team-a") + "?watch=1").code,
            403);
  HttpResult all = Request(kAliceToken, "GET", "/apis/kiln.dev/v1/builds");
  EXPECT_EQ(all.code, 403) << all.body;
  EXPECT_THAT(all.body, HasSubstr("across all namespaces"));
  EXPECT_EQ(Request(kAliceToken, "GET", BuildsPath("team-a")).code, 200);
  EXPECT_EQ(Request(kBobToken, "GET", "/apis/kiln.dev/v1/nodes").code, 200);
  // The admin sees everything.
  EXPECT_EQ(Request("", "GET", "/apis/kiln.dev/v1/builds").code, 200);
}

TEST_F(TenancyTest, SourcesAreScopedToTheNamespaceTheyWereUploadedInto) {
  const std::string tar = dir_ + "/src.tar";
  std::filesystem::create_directories(dir_ + "/src");
  std::ofstream(dir_ + "/src/Dockerfile") << "FROM kiln/busybox:1\n";
  ASSERT_EQ(RunCommand({"tar", "-cf", tar, "-C", dir_ + "/src", "."}).exit_code,
            0);
  const std::string sources_a = "/apis/kiln.dev/v1/namespaces/team-a/sources";
  HttpResult put = ParseCurl(
      kilnd_->Curl({"-X", "POST", "-H", "Content-Type: application/x-tar",
                    "--data-binary", "@" + tar, kilnd_->url() + sources_a},
                   kAliceToken));
  ASSERT_EQ(put.code, 201) << put.body;
  const std::string digest = nlohmann::json::parse(put.body)["digest"];

  EXPECT_EQ(Request(kAliceToken, "GET", sources_a + "/" + digest).code, 200);
  // Bob cannot learn it exists, nor build from it.
  HttpResult peek =
      Request(kBobToken, "GET",
              "/apis/kiln.dev/v1/namespaces/team-b/sources/" + digest);
  EXPECT_EQ(peek.code, 404) << peek.body;
  HttpResult use =
      Request(kBobToken, "POST", BuildsPath("team-b"), BuildBody("b1", digest));
  EXPECT_EQ(use.code, 422) << use.body;
  EXPECT_EQ(Request(kAliceToken, "POST", BuildsPath("team-a"),
                    BuildBody("a2", digest))
                .code,
            201);
}

// What kubectl auth can-i asks, as JSON (stock kubectl sends protobuf: the
// next test).
TEST_F(TenancyTest, SelfSubjectAccessReviewAnswersWithThePolicy) {
  const auto review = [&](const std::string& token, const std::string& verb,
                          const std::string& ns,
                          const std::string& subresource = "") {
    nlohmann::json attributes = {{"verb", verb},
                                 {"group", "kiln.dev"},
                                 {"resource", "builds"},
                                 {"namespace", ns}};
    if (!subresource.empty()) attributes["subresource"] = subresource;
    const nlohmann::json body = {
        {"apiVersion", "authorization.k8s.io/v1"},
        {"kind", "SelfSubjectAccessReview"},
        {"spec", {{"resourceAttributes", attributes}}}};
    HttpResult r = Request(
        token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body.dump());
    EXPECT_EQ(r.code, 201) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  };
  EXPECT_EQ(review(kAliceToken, "create", "team-a")["status"]["allowed"], true);
  const nlohmann::json no = review(kAliceToken, "delete", "team-b");
  EXPECT_EQ(no["status"]["allowed"], false);
  EXPECT_THAT(no["status"]["reason"].get<std::string>(),
              HasSubstr("kiln:namespace:team-b"));
  EXPECT_EQ(
      review(kAliceToken, "update", "team-a", "status")["status"]["allowed"],
      false);
  EXPECT_EQ(review("", "list", "")["status"]["allowed"], true);  // admin
  // A protobuf body that is not a review is refused, naming why.
  HttpResult protobuf = Request(
      kAliceToken, "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      std::string("k8s\0\xff\xff", 6), "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(protobuf.code, 400) << protobuf.body;
  EXPECT_THAT(protobuf.body, HasSubstr("runtime.Unknown"));
  HttpResult cbor =
      Request(kAliceToken, "POST",
              "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
              "\xd9\xd9\xf7", "application/cbor");
  EXPECT_EQ(cbor.code, 415) << cbor.body;
}

// Stock `kubectl auth can-i` (it sends the review as protobuf): the answer
// and the exit code follow the same policy as the requests themselves.
TEST_F(TenancyTest, KubectlAuthCanIAnswersWithThePolicy) {
  const auto can_i = [&](const std::string& token,
                         const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"--token", token, "auth", "can-i"};
    argv.insert(argv.end(), args.begin(), args.end());
    return kilnd_->Kubectl(argv);
  };
  CommandResult yes =
      can_i(kAliceToken, {"create", "builds.kiln.dev", "-n", "team-a"});
  EXPECT_EQ(yes.exit_code, 0) << yes.out << yes.err;
  EXPECT_EQ(yes.out, "yes\n") << yes.err;
  CommandResult no =
      can_i(kAliceToken, {"delete", "builds.kiln.dev", "-n", "team-b"});
  EXPECT_EQ(no.exit_code, 1) << no.out << no.err;
  // kubectl prints the review's reason after "no - ".
  EXPECT_THAT(no.out, ::testing::StartsWith("no - "));
  EXPECT_THAT(no.out, HasSubstr("kiln:namespace:team-b"));
  CommandResult status = can_i(
      kBobToken,
      {"update", "builds.kiln.dev", "--subresource=status", "-n", "team-b"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("kiln:controllers"));
  CommandResult admin =
      can_i(kilnd_->AdminToken(), {"list", "builds.kiln.dev", "-A"});
  EXPECT_EQ(admin.out, "yes\n") << admin.err;
  CommandResult path = can_i(kBobToken, {"get", "/healthz"});
  EXPECT_EQ(path.exit_code, 0) << path.out << path.err;
}

}  // namespace
}  // namespace kiln::testing
