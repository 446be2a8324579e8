// The agent contract's codecs round-trip, reject malformed input, and the
// JSON files are written atomically.
#include "controller/vm/agent_contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

AgentJob SampleJob() {
  AgentJob job;
  job.build_key = "default/hello";
  job.build_uid = "0b7d3d6e-1f7a-4c1e-9d9e-3f1a2b3c4d5e";
  job.inline_files = {{"Dockerfile", "FROM busybox\n"}, {"a/b.txt", "x"}};
  job.build_args = {{"A", "1"}};
  job.image = "127.0.0.1:5000/default/hello:latest";
  job.registry = "127.0.0.1:5000";
  job.log_path = "/var/lib/kiln/logs/x.log";
  job.log_max_bytes = 1 << 20;
  job.source_max_bytes = int64_t{4} << 30;
  job.source_max_entries = 100000;
  job.storage_root = "/var/lib/kiln/storage";
  job.run_root = "/run/kiln";
  job.cpus = 2;
  job.memory_mib = 1024;
  return job;
}

using testing::TempDir;

TEST(AgentContractTest, JobRoundTrips) {
  const AgentJob job = SampleJob();
  EXPECT_THAT(AgentJobFromJson(AgentJobToJson(job)), IsOkAndHolds(job));
}

TEST(AgentContractTest, JobRequiresExactlyOneSource) {
  AgentJob job = SampleJob();
  job.archive_path = "/tmp/src.tar";
  EXPECT_THAT(AgentJobFromJson(AgentJobToJson(job)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("exactly one")));
  job.inline_files.clear();
  EXPECT_OK(AgentJobFromJson(AgentJobToJson(job)).status());
}

TEST(AgentContractTest, JobRejectsWrongTypes) {
  nlohmann::json j = AgentJobToJson(SampleJob());
  j["cpus"] = "two";
  EXPECT_THAT(AgentJobFromJson(j),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cpus")));
  EXPECT_THAT(AgentJobFromJson(nlohmann::json::array()),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(AgentContractTest, JobLogCapIsOptionalAndNotNegative) {
  nlohmann::json j = AgentJobToJson(SampleJob());
  j.erase("logMaxBytes");
  StatusOr<AgentJob> job = AgentJobFromJson(j);
  ASSERT_OK(job.status());
  EXPECT_EQ(job->log_max_bytes, 0);
  j["logMaxBytes"] = -1;
  EXPECT_THAT(AgentJobFromJson(j), StatusIs(StatusCode::kInvalidArgument,
                                            HasSubstr("job.logMaxBytes")));
}

TEST(AgentContractTest, JobSourceLimitsAreOptionalAndNotNegative) {
  nlohmann::json j = AgentJobToJson(SampleJob());
  j.erase("sourceMaxBytes");
  j.erase("sourceMaxEntries");
  StatusOr<AgentJob> job = AgentJobFromJson(j);
  ASSERT_OK(job.status());
  EXPECT_EQ(job->source_max_bytes, 0);
  EXPECT_EQ(job->source_max_entries, 0);
  j["sourceMaxEntries"] = -1;
  EXPECT_THAT(AgentJobFromJson(j), StatusIs(StatusCode::kInvalidArgument,
                                            HasSubstr("job.sourceMaxEntries")));
}

TEST(AgentContractTest, ProgressAndResultRoundTrip) {
  const AgentProgress progress{"Pushing", "STEP 2/2: RUN true"};
  EXPECT_THAT(AgentProgressFromJson(AgentProgressToJson(progress)),
              IsOkAndHolds(progress));
  AgentResult result;
  result.succeeded = true;
  result.image_ref = "r/x:1";
  result.image_digest = "sha256:aa";
  result.source_digest = "sha256:bb";
  result.base_image_digest = "sha256:cc";
  result.dockerfile_digest = "sha256:dd";
  result.builder = "kiln-agent 0.1.0";
  EXPECT_THAT(AgentResultFromJson(AgentResultToJson(result)),
              IsOkAndHolds(result));
  result = AgentResult();
  result.reason = "BuildError";
  result.message = "m";
  result.step = "STEP 1/2: RUN false";
  EXPECT_THAT(AgentResultFromJson(AgentResultToJson(result)),
              IsOkAndHolds(result));
}

TEST(AgentContractTest, WriteThenReadFile) {
  TempDir dir;
  const std::string path = dir.path() + "/result.json";
  ASSERT_OK(WriteJsonFileAtomically(path, {{"a", 1}}));
  ASSERT_OK(WriteJsonFileAtomically(path, {{"a", 2}}));
  EXPECT_THAT(ReadJsonFile(path), IsOkAndHolds(nlohmann::json{{"a", 2}}));
  // No temp file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AgentContractTest, ReadFileReportsMissingAndTorn) {
  TempDir dir;
  EXPECT_THAT(ReadJsonFile(dir.path() + "/none.json"),
              StatusIs(StatusCode::kNotFound));
  const std::string torn = dir.path() + "/torn.json";
  std::ofstream(torn) << "{\"succeeded\": tr";
  EXPECT_THAT(ReadJsonFile(torn), StatusIs(StatusCode::kInvalidArgument));
}

TEST(AgentContractTest, WriteFailsInMissingDirectory) {
  TempDir dir;
  EXPECT_THAT(WriteJsonFileAtomically(dir.path() + "/no/such/x.json", {}),
              StatusIs(StatusCode::kInternal));
}

}  // namespace
}  // namespace kiln
