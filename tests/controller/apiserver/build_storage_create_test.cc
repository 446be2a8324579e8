#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "api_types/phase.h"
#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class BuildStorageCreateTest : public RegistryTest {};

TEST_F(BuildStorageCreateTest, SetsServerOwnedFieldsAndDefaults) {
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Create("default", BuildBody("hello"), {}));
  EXPECT_TRUE(result.created);
  const Build& b = result.build;
  EXPECT_EQ(b.metadata.namespace_, "default");
  EXPECT_TRUE(std::regex_match(
      b.metadata.uid,
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                 "[0-9a-f]{12}")))
      << b.metadata.uid;
  EXPECT_EQ(b.metadata.generation, 1);
  EXPECT_EQ(b.metadata.creation_timestamp,
            std::chrono::floor<std::chrono::seconds>(clock_.SystemNow()));
  // The Build's own write; the Node's charge follows in the same txn.
  EXPECT_EQ(b.metadata.resource_version,
            std::to_string(store().CurrentRevision() - 1));
  EXPECT_EQ(b.status.phase, BuildPhase::kPending);
  EXPECT_EQ(b.status.observed_generation, 0);
  EXPECT_EQ(b.status.node_name, kTestNode);
  EXPECT_EQ(b.spec.dockerfile, "Dockerfile");
  EXPECT_EQ(b.spec.timeout_seconds, 600);
  std::string uid8 = b.metadata.uid.substr(0, 8);
  ASSERT_TRUE(b.spec.output.has_value());
  EXPECT_EQ(b.spec.output->image, "127.0.0.1:5000/default/hello:" + uid8);

  ASSERT_OK_AND_ASSIGN(Build stored, builds().Get("default", "hello"));
  EXPECT_EQ(stored, b);
}

TEST_F(BuildStorageCreateTest, OverwritesClientSetServerFields) {
  nlohmann::json body = BuildBody("hello");
  body["metadata"]["uid"] = "11111111-1111-1111-1111-111111111111";
  body["metadata"]["resourceVersion"] = "42";
  body["metadata"]["generation"] = 7;
  body["metadata"]["creationTimestamp"] = "2001-01-01T00:00:00Z";
  body["status"] = {{"phase", "Ready"}, {"message", "forged"}};
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Create("default", body, {}));
  EXPECT_NE(result.build.metadata.uid, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(result.build.metadata.generation, 1);
  EXPECT_NE(result.build.metadata.resource_version, "42");
  EXPECT_EQ(result.build.status.phase, BuildPhase::kPending);
  EXPECT_EQ(result.build.status.message, "");
}

TEST_F(BuildStorageCreateTest, KeepsClientImage) {
  nlohmann::json body = BuildBody("hello");
  body["spec"]["output"] = {{"image", "127.0.0.1:5000/default/web/hello:1"}};
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Create("default", body, {}));
  EXPECT_EQ(result.build.spec.output->image,
            "127.0.0.1:5000/default/web/hello:1");
}

// Issue 12 item 2: a Build pushed over the seeded base image, and could
// push over another namespace's tags or to any host.
TEST_F(BuildStorageCreateTest,
       RefusesOutputsOutsideItsNamespaceOfKilnsRegistry) {
  for (const std::string image :
       {"127.0.0.1:5000/kiln/busybox:1", "127.0.0.1:5000/other/app:1",
        "127.0.0.1:5000/defaultx/app:1", "evil.example.com/default/app:1",
        "default/app:1"}) {
    nlohmann::json body = BuildBody("out");
    body["spec"]["output"] = {{"image", image}};
    EXPECT_THAT(
        builds().Create("default", body, {}),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("spec.output.image")))
        << image;
  }
  EXPECT_FALSE(builds().Get("default", "out").ok());
}

TEST_F(BuildStorageCreateTest, GenerateNameAppendsFiveCharacters) {
  nlohmann::json body = BuildBody("");
  body["metadata"].erase("name");
  body["metadata"]["generateName"] = "nightly-";
  ASSERT_OK_AND_ASSIGN(BuildWriteResult a,
                       builds().Create("default", body, {}));
  ASSERT_OK_AND_ASSIGN(BuildWriteResult b,
                       builds().Create("default", body, {}));
  EXPECT_TRUE(std::regex_match(a.build.metadata.name,
                               std::regex("nightly-[a-z0-9]{5}")))
      << a.build.metadata.name;
  EXPECT_NE(a.build.metadata.name, b.build.metadata.name);
  EXPECT_OK(builds().Get("default", a.build.metadata.name));
}

TEST_F(BuildStorageCreateTest, MissingNameIsRequired) {
  nlohmann::json body = BuildBody("");
  body["metadata"].erase("name");
  StatusOr<BuildWriteResult> result = builds().Create("default", body, {});
  EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument,
                               HasSubstr("name or generateName is required")));
}

TEST_F(BuildStorageCreateTest, StrictDecodingErrorsCarryFieldCauses) {
  nlohmann::json body = BuildBody("hello");
  body["spec"]["resourcse"] = {{"cpus", 1}};
  body["spec"]["resources"]["cpus"] = "two";
  const int64_t before = store().CurrentRevision();
  StatusOr<BuildWriteResult> result = builds().Create("default", body, {});
  ASSERT_THAT(result, StatusIs(StatusCode::kInvalidArgument,
                               HasSubstr("spec.resourcse: unknown field")));
  const ErrorDetails* details = result.status().details();
  ASSERT_NE(details, nullptr);
  EXPECT_THAT(details->causes,
              Contains(Field(&ErrorCause::field, "spec.resourcse")));
  EXPECT_THAT(details->causes,
              Contains(Field(&ErrorCause::field, "spec.resources.cpus")));
  EXPECT_EQ(store().CurrentRevision(), before);
}

TEST_F(BuildStorageCreateTest, ValidationErrorsCarryFieldCauses) {
  nlohmann::json body = BuildBody("Hello_World");
  body["spec"]["timeoutSeconds"] = 0;
  StatusOr<BuildWriteResult> result = builds().Create("default", body, {});
  ASSERT_THAT(result, StatusIs(StatusCode::kInvalidArgument));
  const ErrorDetails* details = result.status().details();
  ASSERT_NE(details, nullptr);
  EXPECT_THAT(details->causes,
              Contains(Field(&ErrorCause::field, "metadata.name")));
  EXPECT_THAT(details->causes,
              Contains(Field(&ErrorCause::field, "spec.timeoutSeconds")));
}

TEST_F(BuildStorageCreateTest, RejectsNamespaceMismatch) {
  nlohmann::json body = BuildBody("hello");
  body["metadata"]["namespace"] = "other";
  StatusOr<BuildWriteResult> result = builds().Create("default", body, {});
  ASSERT_THAT(result, StatusIs(StatusCode::kInvalidArgument,
                               "metadata.namespace: does not match the "
                               "namespace of the request"));
  EXPECT_THAT(result.status().details()->causes,
              Contains(Field(&ErrorCause::field, "metadata.namespace")));
}

TEST_F(BuildStorageCreateTest, TakesNamespaceFromRequest) {
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Create("team-a", BuildBody("hello"), {}));
  EXPECT_EQ(result.build.metadata.namespace_, "team-a");
  EXPECT_OK(builds().Get("team-a", "hello"));
}

TEST_F(BuildStorageCreateTest, AlreadyExistsHasKubernetesMessage) {
  MustCreate("hello");
  EXPECT_THAT(builds().Create("default", BuildBody("hello"), {}),
              StatusIs(StatusCode::kAlreadyExists,
                       "builds.kiln.dev \"hello\" already exists"));
  EXPECT_EQ(Allocated().builds, 1);  // nothing charged twice
}

TEST_F(BuildStorageCreateTest, DryRunWritesNothing) {
  const int64_t before = store().CurrentRevision();
  WriteOptions options;
  options.dry_run = true;
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result,
                       builds().Create("default", BuildBody("hello"), options));
  EXPECT_EQ(result.build.status.phase, BuildPhase::kPending);
  EXPECT_EQ(store().CurrentRevision(), before);
  EXPECT_THAT(builds().Get("default", "hello"),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(BuildStorageCreateTest, GetMissingHasKubernetesMessage) {
  EXPECT_THAT(
      builds().Get("default", "nope"),
      StatusIs(StatusCode::kNotFound, "builds.kiln.dev \"nope\" not found"));
}

TEST_F(BuildStorageCreateTest, ListReturnsRevisionAndContinue) {
  MustCreate("a");
  MustCreate("b");
  MustCreate("c");
  ASSERT_OK(builds().Create("other", BuildBody("d"), {}));
  ASSERT_OK_AND_ASSIGN(BuildList page1,
                       builds().List("default", LabelSelector(), 2, ""));
  ASSERT_EQ(page1.items.size(), 2u);
  EXPECT_EQ(page1.items[0].metadata.name, "a");
  EXPECT_EQ(page1.metadata.resource_version,
            std::to_string(store().CurrentRevision()));
  ASSERT_FALSE(page1.metadata.continue_token.empty());
  ASSERT_OK_AND_ASSIGN(BuildList page2,
                       builds().List("default", LabelSelector(), 2,
                                     page1.metadata.continue_token));
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_EQ(page2.items[0].metadata.name, "c");
  EXPECT_EQ(page2.metadata.continue_token, "");

  ASSERT_OK_AND_ASSIGN(BuildList all,
                       builds().List(std::nullopt, LabelSelector(), 0, ""));
  EXPECT_EQ(all.items.size(), 4u);
  ASSERT_OK_AND_ASSIGN(LabelSelector none, LabelSelector::Parse("team=db"));
  ASSERT_OK_AND_ASSIGN(BuildList filtered,
                       builds().List(std::nullopt, none, 0, ""));
  EXPECT_TRUE(filtered.items.empty());
}

}  // namespace
}  // namespace kiln
