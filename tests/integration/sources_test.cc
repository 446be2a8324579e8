// Source uploads against a real kilnd (docs/api.md "Sources (uploaded
// archives)"): POST a tar(.gz), GET/HEAD it by digest, the size limit, garbage
// bodies, and the 422 for a Build naming a source that was never uploaded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/kilnd_fixture.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kSources[] = "/apis/kiln.dev/v1/namespaces/default/sources";
constexpr char kSourcesBuildsPath[] =
    "/apis/kiln.dev/v1/namespaces/default/builds";

std::string ArchiveBuildJson(const std::string& name,
                             const std::string& digest) {
  return nlohmann::json{{"apiVersion", "kiln.dev/v1"},
                        {"kind", "Build"},
                        {"metadata", {{"name", name}}},
                        {"spec",
                         {{"source", {{"archive", {{"digest", digest}}}}},
                          {"resources", {{"cpus", 1}, {"memoryMiB", 256}}}}}}
      .dump();
}

class SourcesTest : public ::testing::Test {
 protected:
  void SetUp() override { work_ = MakeTempDir("kiln-sources-test"); }
  void TearDown() override {
    kilnd_.reset();
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }

  void StartKilnd(std::vector<std::string> args = {}) {
    args.push_back("--controllers=false");
    kilnd_ = Kilnd::Start(args);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }

  // A source tree with a Dockerfile, archived by tar with `flags` ("-cf",
  // "-czf"); returns the archive's path.
  std::string MakeTar(const std::string& name, const std::string& flags,
                      const std::string& marker = "1") {
    const std::filesystem::path src = std::filesystem::path(work_) / "src";
    std::filesystem::create_directories(src / "app");
    std::ofstream(src / "Dockerfile")
        << "FROM kiln/busybox:1\nCOPY app /app\nRUN cat /app/hello\n";
    std::ofstream(src / "app" / "hello") << "hello " << marker << "\n";
    const std::string out = work_ + "/" + name;
    CommandResult r = RunCommand({"tar", flags, out, "-C", src.string(), "."});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  HttpResult Upload(const std::string& file,
                    const std::string& content_type = "application/gzip") {
    return ParseCurl(
        kilnd_->Curl({"-X", "POST", "-H", "Content-Type: " + content_type,
                      "--data-binary", "@" + file, kilnd_->url() + kSources}));
  }
  HttpResult UploadBytes(const std::string& bytes,
                         const std::string& content_type) {
    return ParseCurl(
        kilnd_->Curl({"-X", "POST", "-H", "Content-Type: " + content_type,
                      "--data-binary", "@-", kilnd_->url() + kSources},
                     "", bytes));
  }
  HttpResult Get(const std::string& path) {
    return ParseCurl(kilnd_->Curl({kilnd_->url() + path}));
  }
  HttpResult Post(const std::string& path, const std::string& json) {
    return ParseCurl(
        kilnd_->Curl({"-X", "POST", "-H", "Content-Type: application/json",
                      "--data-binary", "@-", kilnd_->url() + path},
                     "", json));
  }

  std::string work_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(SourcesTest, UploadGetHeadAndReupload) {
  StartKilnd();
  const std::string tgz = MakeTar("src.tar.gz", "-czf");
  HttpResult up = Upload(tgz);
  ASSERT_EQ(up.code, 201) << up.body;
  const auto source = nlohmann::json::parse(up.body);
  EXPECT_EQ(source["kind"], "Source");
  EXPECT_EQ(source["apiVersion"], "kiln.dev/v1");
  const std::string digest = source["digest"];
  EXPECT_THAT(digest, MatchesRegex("sha256:[0-9a-f]{64}"));
  EXPECT_EQ(source["metadata"]["name"], digest);
  EXPECT_EQ(source["size"], std::filesystem::file_size(tgz));
  // Stored where the reconciler hands it to kiln-agent, byte for byte.
  const std::string stored =
      kilnd_->data_dir() + "/sources/" + digest.substr(7);
  ASSERT_TRUE(std::filesystem::exists(stored));
  CommandResult sum = RunCommand({"sha256sum", tgz});
  EXPECT_EQ(sum.out.substr(0, 64), digest.substr(7));

  HttpResult got = Get(std::string(kSources) + "/" + digest);
  ASSERT_EQ(got.code, 200) << got.body;
  EXPECT_EQ(nlohmann::json::parse(got.body), source);

  CommandResult head =
      kilnd_->Curl({"-I", kilnd_->url() + kSources + "/" + digest});
  EXPECT_THAT(head.out, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(head.out, ::testing::EndsWith("\n200"));

  // Same bytes again: 200, same digest, nothing new stored.
  HttpResult again = Upload(tgz);
  ASSERT_EQ(again.code, 200) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body), source);

  // A plain (uncompressed) tar is taken too.
  HttpResult plain = Upload(MakeTar("src.tar", "-cf"), "application/x-tar");
  EXPECT_EQ(plain.code, 201) << plain.body;
}

TEST_F(SourcesTest, MissingSourceIs404AndBadDigestIs400) {
  StartKilnd();
  HttpResult missing =
      Get(std::string(kSources) + "/sha256:" + std::string(64, 'a'));
  EXPECT_EQ(missing.code, 404) << missing.body;
  EXPECT_EQ(nlohmann::json::parse(missing.body)["reason"], "NotFound");
  CommandResult head = kilnd_->Curl(
      {"-I", kilnd_->url() + kSources + "/sha256:" + std::string(64, 'a')});
  EXPECT_THAT(head.out, ::testing::EndsWith("\n404"));

  HttpResult bad = Get(std::string(kSources) + "/sha256:xyz");
  EXPECT_EQ(bad.code, 400) << bad.body;
  EXPECT_EQ(nlohmann::json::parse(bad.body)["reason"], "BadRequest");
}

TEST_F(SourcesTest, GarbageAndEmptyBodiesAre400) {
  StartKilnd();
  HttpResult garbage =
      UploadBytes("FROM kiln/busybox:1\n", "application/octet-stream");
  EXPECT_EQ(garbage.code, 400) << garbage.body;
  auto status = nlohmann::json::parse(garbage.body);
  EXPECT_EQ(status["reason"], "BadRequest");
  EXPECT_THAT(status["message"].get<std::string>(), HasSubstr("tar"));

  HttpResult empty = UploadBytes("", "application/x-tar");
  EXPECT_EQ(empty.code, 400) << empty.body;
  EXPECT_THAT(empty.body, HasSubstr("empty"));

  HttpResult json = UploadBytes("{}", "text/plain");
  EXPECT_EQ(json.code, 415) << json.body;
  // Nothing stored (no archive, no temporary).
  EXPECT_TRUE(std::filesystem::is_empty(kilnd_->data_dir() + "/sources"));
}

TEST_F(SourcesTest, OverTheLimitIs413NamingIt) {
  StartKilnd({"--max-source-bytes", "2048"});
  // Incompressible content, so the .tar.gz is well over 2 KiB.
  const std::filesystem::path src = std::filesystem::path(work_) / "big";
  std::filesystem::create_directories(src);
  CommandResult dd =
      RunCommand({"dd", "if=/dev/urandom", "of=" + (src / "blob").string(),
                  "bs=1024", "count=64"});
  ASSERT_EQ(dd.exit_code, 0) << dd.err;
  const std::string tgz = work_ + "/big.tar.gz";
  ASSERT_EQ(RunCommand({"tar", "-czf", tgz, "-C", src.string(), "."}).exit_code,
            0);
  HttpResult up = Upload(tgz);
  EXPECT_EQ(up.code, 413) << up.body;
  auto status = nlohmann::json::parse(up.body);
  EXPECT_EQ(status["reason"], "RequestEntityTooLarge");
  EXPECT_THAT(status["message"].get<std::string>(), HasSubstr("2048"));

  // Chunked (no Content-Length): cut off while reading.
  HttpResult chunked = ParseCurl(
      kilnd_->Curl({"-X", "POST", "-H", "Content-Type: application/gzip", "-H",
                    "Transfer-Encoding: chunked", "--data-binary", "@" + tgz,
                    kilnd_->url() + kSources}));
  EXPECT_EQ(chunked.code, 413) << chunked.body;

  // Under the limit still works.
  HttpResult small = Upload(MakeTar("small.tar.gz", "-czf"));
  EXPECT_EQ(small.code, 201) << small.body;
}

TEST_F(SourcesTest, BuildNamingAMissingSourceIs422AndUploadedOneIsAdmitted) {
  StartKilnd();
  const std::string missing = "sha256:" + std::string(64, 'b');
  HttpResult refused =
      Post(kSourcesBuildsPath, ArchiveBuildJson("app", missing));
  EXPECT_EQ(refused.code, 422) << refused.body;
  auto status = nlohmann::json::parse(refused.body);
  EXPECT_EQ(status["reason"], "Invalid");
  EXPECT_EQ(status["details"]["causes"][0]["field"],
            "spec.source.archive.digest");
  EXPECT_THAT(status["message"].get<std::string>(),
              HasSubstr("no uploaded source " + missing));
  EXPECT_EQ(Get(std::string(kSourcesBuildsPath) + "/app").code, 404);

  HttpResult up = Upload(MakeTar("src.tar.gz", "-czf"));
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string digest = nlohmann::json::parse(up.body)["digest"];
  HttpResult admitted =
      Post(kSourcesBuildsPath, ArchiveBuildJson("app", digest));
  EXPECT_EQ(admitted.code, 201) << admitted.body;
}

}  // namespace
}  // namespace kiln::testing
