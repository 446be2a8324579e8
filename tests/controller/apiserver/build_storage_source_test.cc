// Admission of Builds with an archive source: the digest must name an
// uploaded source (docs/api.md "Sources (uploaded archives)": upload first,
// then create).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/controller/apiserver/storage_test_util.h"
#include "tests/fakes/fake_source_store.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

const std::string kDigest = "sha256:" + std::string(64, 'a');

nlohmann::json ArchiveBuildBody(const std::string& name,
                                const std::string& digest) {
  nlohmann::json body = BuildBody(name);
  body["spec"]["source"] = {{"archive", {{"digest", digest}}}};
  return body;
}

class BuildStorageSourceTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    BuildStorageOptions options;
    options.node_name = kTestNode;
    options.sources = &sources_;
    builds_ = std::make_unique<BuildStorage>(*store_, clock_, options);
  }

  FakeSourceStore sources_;
};

TEST_F(BuildStorageSourceTest, MissingSourceIsInvalidAndWritesNothing) {
  const int64_t before = store().CurrentRevision();
  StatusOr<BuildWriteResult> result =
      builds().Create("default", ArchiveBuildBody("app", kDigest), {});
  EXPECT_THAT(result,
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("spec.source.archive.digest: no uploaded "
                                 "source " +
                                 kDigest)));
  EXPECT_THAT(result.status().message(),
              HasSubstr("/namespaces/default/sources"));
  EXPECT_EQ(store().CurrentRevision(), before);
  EXPECT_EQ(Allocated().builds, 0);
}

TEST_F(BuildStorageSourceTest, MissingSourceFailsDryRunToo) {
  WriteOptions dry;
  dry.dry_run = true;
  EXPECT_THAT(builds().Create("default", ArchiveBuildBody("app", kDigest), dry),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(BuildStorageSourceTest, UploadedSourceIsAdmitted) {
  sources_.Add(kDigest);
  ASSERT_OK_AND_ASSIGN(
      BuildWriteResult result,
      builds().Create("default", ArchiveBuildBody("app", kDigest), {}));
  EXPECT_TRUE(result.created);
  ASSERT_TRUE(result.build.spec.source.archive.has_value());
  EXPECT_EQ(result.build.spec.source.archive->digest, kDigest);
}

TEST_F(BuildStorageSourceTest, ApplyCreateChecksTheSourceToo) {
  const std::string patch = ArchiveBuildBody("applied", kDigest).dump();
  EXPECT_THAT(
      builds().Patch("default", "applied", PatchType::kApply, patch, false, {}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("no uploaded source")));
  sources_.Add(kDigest);
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Patch("default", "applied", PatchType::kApply,
                                      patch, false, {}));
  EXPECT_TRUE(result.created);
}

TEST_F(BuildStorageSourceTest, InlineSourcesAreNotLookedUp) {
  MustCreate("inline");
  EXPECT_EQ(sources_.stat_calls(), 0);
}

TEST_F(BuildStorageSourceTest, MalformedDigestIsAValidationErrorFirst) {
  EXPECT_THAT(
      builds().Create("default", ArchiveBuildBody("app", "sha256:nope"), {}),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("spec.source.archive.digest: invalid value")));
  EXPECT_EQ(sources_.stat_calls(), 0);
}

TEST_F(BuildStorageSourceTest, LookupFailuresPassThrough) {
  sources_.FailStat(InternalError("disk on fire"));
  EXPECT_THAT(builds().Create("default", ArchiveBuildBody("app", kDigest), {}),
              StatusIs(StatusCode::kInternal, HasSubstr("disk on fire")));
}

TEST_F(BuildStorageSourceTest, WithoutAStoreNothingIsChecked) {
  BuildStorageOptions options;
  options.node_name = kTestNode;
  builds_ = std::make_unique<BuildStorage>(*store_, clock_, options);
  EXPECT_OK(builds().Create("default", ArchiveBuildBody("app", kDigest), {}));
}

}  // namespace
}  // namespace kiln
