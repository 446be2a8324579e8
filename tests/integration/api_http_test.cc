// Raw HTTP against a real kilnd: admission under concurrency (the TOCTOU
// this design exists to prevent), error bodies, auth, limits, restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/kilnd_fixture.h"
#include "tests/testing/build_paths.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kBuildsPath[] = "/apis/kiln.dev/v1/namespaces/default/builds";

std::string BuildJson(const std::string& name, int cpus = 1,
                      int memory_mib = 256) {
  nlohmann::json b = {
      {"apiVersion", "kiln.dev/v1"},
      {"kind", "Build"},
      {"metadata", {{"name", name}}},
      {"spec",
       {{"source",
         {{"inline", {{"files", {{"Dockerfile", "FROM kiln/busybox:1\n"}}}}}}},
        {"resources", {{"cpus", cpus}, {"memoryMiB", memory_mib}}}}}};
  return b.dump();
}

class ApiHttpTest : public ::testing::Test {
 protected:
  void StartKilnd(const std::vector<std::string>& args,
                  const std::string& dir = "") {
    // The API alone: Builds are admitted and stay Pending (the build
    // controller has its own tests in builds_test.cc).
    std::vector<std::string> all = args;
    all.push_back("--controllers=false");
    kilnd_ = Kilnd::Start(all, dir);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }

  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/json",
                  const std::string& token = "") {
    return ParseCurl(
        kilnd_->Curl({"-X", "POST", "-H", "Content-Type: " + content_type,
                      "--data-binary", "@-", kilnd_->url() + path},
                     token, body));
  }
  HttpResult Get(const std::string& path, const std::string& token = "") {
    return ParseCurl(kilnd_->Curl({kilnd_->url() + path}, token));
  }
  nlohmann::json Node() {
    HttpResult r = Get("/apis/kiln.dev/v1/nodes");
    auto list = nlohmann::json::parse(r.body);
    return list["items"][0];
  }

  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(ApiHttpTest, TwoHundredConcurrentCreatesAdmitExactlyTheCapacity) {
  StartKilnd({"--capacity-cpus", "64", "--capacity-memory", "64Gi",
              "--max-builds", "10"});
  std::atomic<int> created{0}, rejected{0}, other{0};
  std::vector<std::thread> threads;
  std::vector<std::string> odd(200);
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      HttpResult r = Post(kBuildsPath, BuildJson("b" + std::to_string(i)));
      if (r.code == 201) {
        ++created;
      } else if (r.code == 503) {
        ++rejected;
      } else {
        ++other;
        odd[i] = std::to_string(r.code) + " " + r.body;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 10);
  EXPECT_EQ(rejected, 190);
  EXPECT_EQ(other, 0) << ::testing::PrintToString(odd);
  nlohmann::json node = Node();
  EXPECT_EQ(node["status"]["allocated"]["builds"], 10);
  EXPECT_EQ(node["status"]["allocated"]["cpus"], 10);
  auto list = nlohmann::json::parse(Get(kBuildsPath).body);
  EXPECT_EQ(list["items"].size(), 10u);
}

TEST_F(ApiHttpTest, RejectionIsA503WithRetryAfterAndFigures) {
  StartKilnd({"--capacity-cpus", "2", "--capacity-memory", "4Gi",
              "--max-builds", "1"});
  ASSERT_EQ(Post(kBuildsPath, BuildJson("first")).code, 201);
  CommandResult raw =
      kilnd_->Curl({"-i", "-X", "POST", "-H", "Content-Type: application/json",
                    "--data-binary", "@-", kilnd_->url() + kBuildsPath},
                   "", BuildJson("second"));
  EXPECT_THAT(raw.out, HasSubstr("503"));
  EXPECT_THAT(raw.out, ::testing::ContainsRegex("[Rr]etry-[Aa]fter: [0-9]+"));
  std::string body = raw.out.substr(raw.out.find("\r\n\r\n") + 4);
  body = body.substr(0, body.rfind('\n'));
  auto status = nlohmann::json::parse(body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "ServiceUnavailable");
  int retry = status["details"]["retryAfterSeconds"];
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 300);
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "ResourcesExhausted");
  EXPECT_THAT(status["details"]["causes"][0]["message"].get<std::string>(),
              HasSubstr("free"));
  // Nothing written.
  EXPECT_EQ(Get(std::string(kBuildsPath) + "/second").code, 404);
}

TEST_F(ApiHttpTest, CanNeverFitIs422NamingTheField) {
  StartKilnd({"--capacity-cpus", "2", "--capacity-memory", "4Gi"});
  HttpResult r = Post(kBuildsPath, BuildJson("huge", 8));
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_THAT(r.body, HasSubstr("spec.resources.cpus"));
}

TEST_F(ApiHttpTest, MalformedBodiesGetClearErrors) {
  StartKilnd({});
  HttpResult truncated = Post(kBuildsPath, BuildJson("t").substr(0, 40));
  EXPECT_EQ(truncated.code, 400) << truncated.body;
  auto status = nlohmann::json::parse(truncated.body);
  EXPECT_EQ(status["kind"], "Status");

  auto wrong_kind = nlohmann::json::parse(BuildJson("w"));
  wrong_kind["kind"] = "Pod";
  HttpResult kind = Post(kBuildsPath, wrong_kind.dump());
  EXPECT_GE(kind.code, 400);
  EXPECT_LT(kind.code, 500);
  EXPECT_THAT(kind.body, HasSubstr("kind"));

  auto unknown = nlohmann::json::parse(BuildJson("u"));
  unknown["spec"]["colour"] = "red";
  HttpResult u = Post(kBuildsPath, unknown.dump());
  EXPECT_EQ(u.code, 422) << u.body;
  EXPECT_THAT(u.body, HasSubstr("spec.colour"));

  HttpResult bad_name = Post(kBuildsPath, BuildJson("Bad_Name"));
  EXPECT_EQ(bad_name.code, 422);
  EXPECT_THAT(bad_name.body, HasSubstr("metadata.name"));

  std::string huge(5 << 20, 'x');
  HttpResult big = Post(kBuildsPath, huge);
  EXPECT_EQ(big.code, 413);

  HttpResult yaml = Post(kBuildsPath,
                         "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: "
                         "{name: y}\nspec:\n  source: {inline: {files: "
                         "{Dockerfile: \"FROM kiln/busybox:1\"}}}\n",
                         "application/yaml");
  EXPECT_EQ(yaml.code, 201) << yaml.body;

  HttpResult proto =
      Post(kBuildsPath, "\x6b\x38\x73", "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(proto.code, 415);
  // The server survived all of it.
  EXPECT_EQ(Get("/healthz").code, 200);
}

// Issue 12 items 4, 5 and 10: input that used to kill kilnd (stack overflow,
// OOM) or answer 500 gets a 4xx that names the problem, and kilnd lives on.
TEST_F(ApiHttpTest, HostileBodiesAndParametersGetA4xxAndKilndSurvives) {
  StartKilnd({});
  ASSERT_EQ(Post(kBuildsPath, BuildJson("h")).code, 201);
  const std::string build = std::string(kBuildsPath) + "/h";

  HttpResult nested = Post(kBuildsPath, std::string(400 << 10, '['));
  EXPECT_EQ(nested.code, 400) << nested.body;
  EXPECT_THAT(nested.body, HasSubstr("nesting deeper than 100 levels"));

  const auto patch = [&](const std::string& type, const std::string& body) {
    return ParseCurl(
        kilnd_->Curl({"-X", "PATCH", "-H", "Content-Type: " + type,
                      "--data-binary", "@-", kilnd_->url() + build},
                     "", body));
  };
  std::string deep_object;
  for (int i = 0; i < 50000; ++i) deep_object += "{\"a\":";
  HttpResult deep_merge = patch("application/merge-patch+json", deep_object);
  EXPECT_GE(deep_merge.code, 400) << deep_merge.body;
  EXPECT_LT(deep_merge.code, 500) << deep_merge.body;
  EXPECT_THAT(deep_merge.body, HasSubstr("nesting deeper"));

  nlohmann::json bomb =
      nlohmann::json::array({{{"op", "add"},
                              {"path", "/metadata/annotations"},
                              {"value", {{"a", std::string(1000, 'a')}}}}});
  for (int i = 0; i < 40; ++i) {
    bomb.push_back({{"op", "copy"},
                    {"from", "/metadata/annotations"},
                    {"path", "/metadata/annotations/b" + std::to_string(i)}});
  }
  HttpResult copies = patch("application/json-patch+json", bomb.dump());
  EXPECT_EQ(copies.code, 422) << copies.body;
  EXPECT_THAT(copies.body, HasSubstr("would be larger than"));

  // A continue token whose "v" is a string ({"v":"1",...} hex-encoded).
  HttpResult token = Get(std::string(kBuildsPath) +
                         "?limit=1&continue=7b2276223a2231222c227276223a312c"
                         "226b223a2261222c2271223a22227d");
  EXPECT_EQ(token.code, 400) << token.body;
  EXPECT_THAT(token.body, HasSubstr("invalid continue token"));
  for (const std::string query :
       {"?limit=5x", "?limit=-1", "?watch=1&resourceVersion=abc",
        "?watch=1&timeoutSeconds=1e3"}) {
    HttpResult r = Get(std::string(kBuildsPath) + query);
    EXPECT_EQ(r.code, 400) << query << ": " << r.body;
  }
  HttpResult log = Get(build + "/log?tailLines=99999999999999999999");
  EXPECT_EQ(log.code, 400) << log.body;
  EXPECT_THAT(log.body, HasSubstr("tailLines"));

  auto seed_overwrite = nlohmann::json::parse(BuildJson("overwrite"));
  seed_overwrite["spec"]["output"] = {
      {"image", "127.0.0.1:5000/kiln/busybox:1"}};
  HttpResult overwrite = Post(kBuildsPath, seed_overwrite.dump());
  EXPECT_EQ(overwrite.code, 422) << overwrite.body;
  EXPECT_THAT(overwrite.body, HasSubstr("spec.output.image"));

  HttpResult odd_delete = ParseCurl(
      kilnd_->Curl({"-X", "DELETE", "-H", "Content-Type: application/json",
                    "--data-binary", "@-", kilnd_->url() + build},
                   "", "[1]"));
  EXPECT_LT(odd_delete.code, 500) << odd_delete.body;
  EXPECT_EQ(Get("/healthz").code, 200);
}

// Issue 12 item 8: the data dir holds tokens, keys, the store and logs.
TEST_F(ApiHttpTest, DataDirIsPrivateAndAnOpenOneIsTightened) {
  StartKilnd({});
  struct stat st {};
  ASSERT_EQ(::stat(kilnd_->data_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  kilnd_.reset();

  const std::string open_dir = MakeTempDir("kilnd-open-");
  ASSERT_EQ(::chmod(open_dir.c_str(), 0755), 0);
  StartKilnd({}, open_dir);
  ASSERT_EQ(::stat(open_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_THAT(kilnd_->process().Log(),
              HasSubstr("had mode 755; tightened to 0700"));
  kilnd_.reset();
  std::filesystem::remove_all(open_dir);
}

TEST_F(ApiHttpTest, AuthFailures) {
  StartKilnd({});
  EXPECT_EQ(Get(kBuildsPath, "-").code, 401);
  EXPECT_EQ(Get(kBuildsPath, "not-a-token").code, 401);
  EXPECT_EQ(Get(kBuildsPath).code, 200);
  // Health probes need no credentials; a bad credential is still refused.
  EXPECT_EQ(Get("/healthz", "-").code, 200);
  EXPECT_EQ(Get("/readyz/ping", "-").code, 200);
  EXPECT_EQ(Get("/healthz", "not-a-token").code, 401);
  EXPECT_EQ(Post("/healthz", "", "application/json", "-").code, 401);
}

// Issue 12 item 6: a client is authenticated before its body is read, and
// each user has caps on requests in flight and on log follows (429 with
// Retry-After past them).
TEST_F(ApiHttpTest, ClientsAreAuthenticatedBeforeTheBodyAndCappedPerUser) {
  StartKilnd({"--max-follows-per-client", "2"});
  // 5 MiB from nobody: refused for who it is, not for its size.
  HttpResult anonymous =
      Post(kBuildsPath, std::string(5 << 20, 'x'), "application/json", "-");
  EXPECT_EQ(anonymous.code, 401) << anonymous.body;

  ASSERT_EQ(Post(kBuildsPath, BuildJson("followed")).code, 201);
  const std::string log =
      std::string(kBuildsPath) + "/followed/log?follow=true";
  std::vector<std::thread> followers;
  for (int i = 0; i < 2; ++i) {
    followers.emplace_back([&] {
      kilnd_->Curl({"--max-time", "4", kilnd_->url() + log});
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  HttpResult third =
      ParseCurl(kilnd_->Curl({"--max-time", "10", kilnd_->url() + log}));
  EXPECT_EQ(third.code, 429) << third.body;
  EXPECT_THAT(third.body, HasSubstr("too many log follows"));
  for (std::thread& t : followers) t.join();
  EXPECT_EQ(Get(std::string(kBuildsPath) + "/followed/log").code, 200);

  // One request in flight at a time: a slow upload holds the only slot.
  kilnd_.reset();
  StartKilnd({"--max-requests-per-client", "1"});
  std::thread slow([&] {
    kilnd_->Curl(
        {"-X", "POST", "-H", "Content-Type: application/json", "--limit-rate",
         "100K", "--data-binary", "@-", kilnd_->url() + kBuildsPath},
        "", std::string(300 << 10, ' ') + BuildJson("slow"));
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  HttpResult busy = Get(kBuildsPath);
  EXPECT_EQ(busy.code, 429) << busy.body;
  EXPECT_THAT(busy.body, HasSubstr("too many requests in flight"));
  slow.join();
  EXPECT_EQ(Get(kBuildsPath).code, 200);
}

TEST_F(ApiHttpTest, JsonLogFormatWritesOneObjectPerLine) {
  StartKilnd({"--log-format=json", "--v", "1"});
  EXPECT_EQ(Get(kBuildsPath).code, 200);
  std::istringstream lines(kilnd_->process().Log());
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg"))
        << line;
    ++parsed;
  }
  EXPECT_GE(parsed, 3);
}

TEST_F(ApiHttpTest, InsecureDevIsRefusedOffLoopback) {
  std::string dir = MakeTempDir("kilnd-insecure-");
  CommandResult r = RunCommand({kKilndPath, "--data-dir", dir, "--listen",
                                "0.0.0.0:0", "--insecure-dev"},
                               {}, "", std::chrono::seconds(20));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("loopback"));
  std::filesystem::remove_all(dir);
}

TEST_F(ApiHttpTest, StaleResourceVersionIsAConflict) {
  StartKilnd({});
  HttpResult created = Post(kBuildsPath, BuildJson("c"));
  ASSERT_EQ(created.code, 201);
  auto obj = nlohmann::json::parse(created.body);
  obj["metadata"]["labels"] = {{"a", "b"}};
  obj["metadata"]["resourceVersion"] = "1";
  HttpResult put = ParseCurl(
      kilnd_->Curl({"-X", "PUT", "-H", "Content-Type: application/json",
                    "--data-binary", "@-", kilnd_->url() + kBuildsPath + "/c"},
                   "", obj.dump()));
  EXPECT_EQ(put.code, 409) << put.body;
  EXPECT_THAT(put.body, HasSubstr("the object has been modified"));
}

TEST_F(ApiHttpTest, RestartKeepsObjectsAndAllocations) {
  std::string dir = MakeTempDir("kilnd-restart-");
  StartKilnd({"--capacity-cpus", "8", "--capacity-memory", "8Gi"}, dir);
  ASSERT_EQ(Post(kBuildsPath, BuildJson("keep1", 2)).code, 201);
  ASSERT_EQ(Post(kBuildsPath, BuildJson("keep2", 1)).code, 201);
  kilnd_->Stop(/*kill9=*/true);
  kilnd_.reset();
  StartKilnd({"--capacity-cpus", "8", "--capacity-memory", "8Gi"}, dir);
  EXPECT_EQ(Get(std::string(kBuildsPath) + "/keep1").code, 200);
  EXPECT_EQ(Get(std::string(kBuildsPath) + "/keep2").code, 200);
  EXPECT_EQ(Node()["status"]["allocated"]["cpus"], 3);
  kilnd_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(ApiHttpTest, WatchFromZeroSendsCurrentObjectsThenEnds) {
  StartKilnd({});
  ASSERT_EQ(Post(kBuildsPath, BuildJson("w1")).code, 201);
  // From resourceVersion 0: the current object as ADDED, then the stream
  // ends at timeoutSeconds.
  HttpResult w = Get(std::string(kBuildsPath) + "?watch=1&timeoutSeconds=2");
  EXPECT_EQ(w.code, 200);
  EXPECT_THAT(w.body, HasSubstr("\"type\":\"ADDED\""));
  EXPECT_THAT(w.body, HasSubstr("\"w1\""));
}

TEST_F(ApiHttpTest, WatchResumesFromAResourceVersionAndTooOldIsGone) {
  StartKilnd({"--retained-revisions", "8", "--capacity-cpus", "64",
              "--capacity-memory", "64Gi", "--max-builds", "64"});
  HttpResult first = Post(kBuildsPath, BuildJson("r0"));
  ASSERT_EQ(first.code, 201);
  std::string rv =
      nlohmann::json::parse(first.body)["metadata"]["resourceVersion"];
  // Resume from rv: only later changes arrive, not r0 again.
  ASSERT_EQ(Post(kBuildsPath, BuildJson("r1")).code, 201);
  HttpResult resumed = Get(std::string(kBuildsPath) +
                           "?watch=1&timeoutSeconds=1&resourceVersion=" + rv);
  EXPECT_EQ(resumed.code, 200);
  EXPECT_THAT(resumed.body, HasSubstr("\"r1\""));
  EXPECT_THAT(resumed.body, ::testing::Not(HasSubstr("\"r0\"")));
  // Enough writes to compact rv away: 410 Expired, as kubectl expects
  // before it relists.
  for (int i = 2; i < 24; ++i) {
    ASSERT_EQ(Post(kBuildsPath, BuildJson("r" + std::to_string(i))).code, 201);
  }
  HttpResult gone = Get(std::string(kBuildsPath) +
                        "?watch=1&timeoutSeconds=1&resourceVersion=" + rv);
  EXPECT_EQ(gone.code, 410) << gone.body;
  EXPECT_THAT(gone.body, HasSubstr("Expired"));
}

}  // namespace
}  // namespace kiln::testing
