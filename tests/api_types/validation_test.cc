#include "api_types/validation.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every error as "field: message", in reported order.
std::vector<std::string> Lines(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const FieldError& e : errors) out.push_back(e.field + ": " + e.message);
  return out;
}

Build ValidBuild() {
  Build b;
  b.metadata.name = "hello";
  b.metadata.namespace_ = "default";
  b.metadata.uid = "0c5e6f7a-8b9c-4b7e-8a21-3f2a9c1d0000";
  b.metadata.labels = {{"team", "web"}, {"kiln.dev/tier", ""}};
  b.metadata.annotations = {{"kiln.dev/note", "free text, any bytes"}};
  b.spec.source.inline_source =
      InlineSource{{{"Dockerfile", "FROM busybox\n"}, {"app/main.sh", "echo"}}};
  b.spec.dockerfile = "Dockerfile";
  b.spec.build_args = {{"VERSION", "1.2"}, {"_x1", ""}};
  b.spec.output = BuildOutput{"localhost:5000/web/hello:1"};
  b.spec.resources = {.cpus = 1, .memory_mib = 1024};
  b.spec.timeout_seconds = 600;
  return b;
}

InlineSource& Files(Build& b) { return *b.spec.source.inline_source; }

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Expected {
  std::string field;    // exact
  std::string message;  // substring
};

struct Case {
  const char* name;
  void (*mutate)(Build&);
  std::vector<Expected> want;  // empty = valid
};

void ExpectErrors(const Case& c, const std::vector<FieldError>& got) {
  ASSERT_EQ(got.size(), c.want.size())
      << c.name << ": " << ::testing::PrintToString(Lines(got));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].field, c.want[i].field) << c.name;
    EXPECT_THAT(got[i].message, HasSubstr(c.want[i].message)) << c.name;
  }
}

TEST(ValidationTest, AcceptsValidBuild) {
  EXPECT_THAT(Lines(ValidateBuild(ValidBuild())), IsEmpty());
  EXPECT_TRUE(ValidateBuildAsStatus(ValidBuild()).ok());
}

TEST(ValidationTest, AcceptsBoundaryValues) {
  const Case cases[] = {
      {"63-char name",
       [](Build& b) { b.metadata.name = std::string(63, 'a'); },
       {}},
      {"min resources",
       [](Build& b) {
         b.spec.resources = {.cpus = 1, .memory_mib = 64};
         b.spec.timeout_seconds = 1;
       },
       {}},
      {"max resources",
       [](Build& b) {
         b.spec.resources = {.cpus = 256, .memory_mib = 1048576};
         b.spec.timeout_seconds = 86400;
       },
       {}},
      {"unset resources",
       [](Build& b) {
         b.spec.resources = {};
         b.spec.timeout_seconds.reset();
       },
       {}},
      {"no output", [](Build& b) { b.spec.output.reset(); }, {}},
      {"empty output image",
       [](Build& b) { b.spec.output = BuildOutput{}; },
       {}},
      {"archive source",
       [](Build& b) {
         b.spec.source = {ArchiveSource{kDigest}, std::nullopt};
         b.spec.dockerfile = "build/Dockerfile";  // not checkable: in archive
       },
       {}},
      {"inline at limit",
       [](Build& b) {
         Files(b).files["big"] = std::string(kInlineSourceLimitBytes - 17, 'x');
       },
       {}},
      {"annotations at limit",
       [](Build& b) {
         b.metadata.annotations = {
             {"k", std::string(kAnnotationsTotalSizeLimitBytes - 1, 'v')}};
       },
       {}},
      {"build arg at limit",
       [](Build& b) {
         b.spec.build_args["V"] = std::string(kBuildArgValueMaxBytes, 'v');
       },
       {}},
      {"nested dockerfile",
       [](Build& b) {
         Files(b).files["ci/Dockerfile"] = "FROM x";
         b.spec.dockerfile = "ci/Dockerfile";
       },
       {}},
  };
  for (const Case& c : cases) {
    Build build = ValidBuild();
    c.mutate(build);
    ExpectErrors(c, ValidateBuild(build));
  }
}

TEST(ValidationTest, OneCasePerRule) {
  const Case cases[] = {
      {"name empty",
       [](Build& b) { b.metadata.name = ""; },
       {{"metadata.name", "must not be empty"}}},
      {"name uppercase",
       [](Build& b) { b.metadata.name = "Hello"; },
       {{"metadata.name",
         "invalid value \"Hello\": must be a DNS-1123 label"}}},
      {"name with dot",
       [](Build& b) { b.metadata.name = "a.b"; },
       {{"metadata.name", "DNS-1123 label"}}},
      {"name too long",
       [](Build& b) { b.metadata.name = std::string(64, 'a'); },
       {{"metadata.name", "must be no more than 63 characters"}}},
      {"namespace empty",
       [](Build& b) { b.metadata.namespace_ = ""; },
       {{"metadata.namespace", "must not be empty"}}},
      {"namespace bad",
       [](Build& b) { b.metadata.namespace_ = "Team_A"; },
       {{"metadata.namespace", "DNS-1123 label"}}},
      {"label key",
       [](Build& b) { b.metadata.labels["team web"] = "x"; },
       {{R"(metadata.labels["team web"])",
         "invalid key: name part must consist of alphanumeric characters"}}},
      {"label key prefix",
       [](Build& b) { b.metadata.labels["Kiln/x"] = ""; },
       {{R"(metadata.labels["Kiln/x"])", "invalid key: prefix part"}}},
      {"label value",
       [](Build& b) { b.metadata.labels["team"] = "a b"; },
       {{R"(metadata.labels["team"])", "invalid value \"a b\": must consist"}}},
      {"annotation key",
       [](Build& b) { b.metadata.annotations["-x"] = ""; },
       {{R"(metadata.annotations["-x"])", "invalid key: name part"}}},
      {"annotations size",
       [](Build& b) {
         b.metadata.annotations["big"] =
             std::string(kAnnotationsTotalSizeLimitBytes, 'v');
       },
       {{"metadata.annotations",
         "total size must be no more than 262144 bytes, got"}}},
      {"no source",
       [](Build& b) { b.spec.source = {}; },
       {{"spec.source", "exactly one of archive, inline must be set"}}},
      {"two sources",
       [](Build& b) { b.spec.source.archive = ArchiveSource{kDigest}; },
       {{"spec.source", "exactly one of archive, inline must be set"}}},
      {"archive digest",
       [](Build& b) {
         b.spec.source = {ArchiveSource{"sha256:ABC"}, std::nullopt};
       },
       {{"spec.source.archive.digest",
         "invalid value \"sha256:ABC\": must be \"sha256:\" followed by 64 "
         "lowercase hex digits"}}},
      {"no inline files",
       [](Build& b) { Files(b).files.clear(); },
       {{"spec.source.inline.files", "must contain at least one file"},
        {"spec.dockerfile", "must name a file in spec.source.inline.files"}}},
      {"dotdot file",
       [](Build& b) { Files(b).files["../x"] = ""; },
       {{R"(spec.source.inline.files["../x"])", "'..' components"}}},
      {"absolute file",
       [](Build& b) { Files(b).files["/etc/x"] = ""; },
       {{R"(spec.source.inline.files["/etc/x"])", "must be relative"}}},
      {"empty component",
       [](Build& b) { Files(b).files["a//b"] = ""; },
       {{R"(spec.source.inline.files["a//b"])", "empty components"}}},
      {"dot file",
       [](Build& b) { Files(b).files["."] = ""; },
       {{R"(spec.source.inline.files["."])", "'.' components"}}},
      {"NUL in file",
       [](Build& b) { Files(b).files[std::string("a\0b", 3)] = ""; },
       {{R"(spec.source.inline.files["a\x00b"])", "control characters"}}},
      {"long file name",
       [](Build& b) { Files(b).files[std::string(256, 'f')] = ""; },
       {{R"(spec.source.inline.files[")" + std::string(256, 'f') + "\"]",
         "must be no more than 255 bytes"}}},
      {"inline too big",
       [](Build& b) {
         Files(b).files["a"] = std::string(kInlineSourceLimitBytes / 2, 'a');
         Files(b).files["b"] = std::string(kInlineSourceLimitBytes / 2, 'b');
       },
       {{"spec.source.inline.files",
         "total content size must be no more than 1048576 bytes, got"}}},
      {"dockerfile missing",
       [](Build& b) { b.spec.dockerfile = "Containerfile"; },
       {{"spec.dockerfile",
         "\"Containerfile\" must name a file in spec.source.inline.files"}}},
      {"dockerfile unsafe",
       [](Build& b) { b.spec.dockerfile = "../Dockerfile"; },
       {{"spec.dockerfile",
         "invalid value \"../Dockerfile\": must not contain '..' components"}}},
      {"dockerfile empty",
       [](Build& b) { b.spec.dockerfile = ""; },
       {{"spec.dockerfile", "must not be empty"}}},
      {"build arg key",
       [](Build& b) { b.spec.build_args["1X"] = ""; },
       {{R"(spec.buildArgs["1X"])", "invalid key: must be a C identifier"}}},
      {"build arg value",
       [](Build& b) {
         b.spec.build_args["VERSION"] =
             std::string(kBuildArgValueMaxBytes + 1, 'v');
       },
       {{R"(spec.buildArgs["VERSION"])",
         "value must be no more than 4096 bytes"}}},
      {"output image",
       [](Build& b) { b.spec.output->image = "Web/Hello"; },
       {{"spec.output.image",
         "invalid image reference \"Web/Hello\": path component \"Web\" must "
         "be lowercase"}}},
      {"cpus zero",
       [](Build& b) { b.spec.resources.cpus = 0; },
       {{"spec.resources.cpus", "must be > 0"}}},
      {"cpus negative",
       [](Build& b) { b.spec.resources.cpus = -1; },
       {{"spec.resources.cpus", "must be > 0"}}},
      {"cpus too many",
       [](Build& b) { b.spec.resources.cpus = 257; },
       {{"spec.resources.cpus", "must be <= 256"}}},
      {"memory low",
       [](Build& b) { b.spec.resources.memory_mib = 63; },
       {{"spec.resources.memoryMiB", "must be >= 64"}}},
      {"memory high",
       [](Build& b) { b.spec.resources.memory_mib = 1048577; },
       {{"spec.resources.memoryMiB", "must be <= 1048576"}}},
      {"timeout zero",
       [](Build& b) { b.spec.timeout_seconds = 0; },
       {{"spec.timeoutSeconds", "must be > 0"}}},
      {"timeout high",
       [](Build& b) { b.spec.timeout_seconds = 86401; },
       {{"spec.timeoutSeconds", "must be <= 86400"}}},
  };
  for (const Case& c : cases) {
    Build build = ValidBuild();
    c.mutate(build);
    ExpectErrors(c, ValidateBuild(build));
  }
}

TEST(ValidationTest, ReportsAllErrorsAtOnce) {
  Build build = ValidBuild();
  build.metadata.name = "Hello";
  build.metadata.labels["team web"] = "x";
  Files(build).files["../x"] = "";
  build.spec.resources.cpus = 0;
  build.spec.timeout_seconds = 86401;
  const std::vector<FieldError> errors = ValidateBuild(build);
  EXPECT_THAT(
      Lines(errors),
      ElementsAre(HasSubstr("metadata.name: invalid value \"Hello\""),
                  HasSubstr(R"(metadata.labels["team web"]: invalid key)"),
                  HasSubstr(R"(spec.source.inline.files["../x"]: must not)"),
                  "spec.resources.cpus: must be > 0",
                  "spec.timeoutSeconds: must be <= 86400"));
  const Status status = ValidateBuildAsStatus(build);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status, FieldErrorsToStatus(errors));
  EXPECT_THAT(status.message(),
              HasSubstr("; spec.resources.cpus: must be > 0;"));
}

TEST(ValidationTest, UpdateAllowsMetadataAndCancel) {
  const Case cases[] = {
      {"unchanged", [](Build&) {}, {}},
      {"labels", [](Build& b) { b.metadata.labels["new"] = "1"; }, {}},
      {"annotations", [](Build& b) { b.metadata.annotations.clear(); }, {}},
      {"cancel", [](Build& b) { b.spec.cancel = true; }, {}},
      {"status", [](Build& b) { b.status.phase = BuildPhase::kFailed; }, {}},
  };
  for (const Case& c : cases) {
    const Build old_build = ValidBuild();
    Build new_build = old_build;
    c.mutate(new_build);
    ExpectErrors(c, ValidateBuildUpdate(old_build, new_build));
  }
}

TEST(ValidationTest, UpdateRejectsImmutableChanges) {
  const Case cases[] = {
      {"name",
       [](Build& b) { b.metadata.name = "other"; },
       {{"metadata.name", "field is immutable"}}},
      {"namespace",
       [](Build& b) { b.metadata.namespace_ = "other"; },
       {{"metadata.namespace", "field is immutable"}}},
      {"uid",
       [](Build& b) { b.metadata.uid = "x"; },
       {{"metadata.uid", "field is immutable"}}},
      {"source",
       [](Build& b) { Files(b).files["app/main.sh"] = "echo hi"; },
       {{"spec.source", "field is immutable"}}},
      {"dockerfile",
       [](Build& b) {
         Files(b).files["Containerfile"] = "";
         b.spec.dockerfile = "Containerfile";
       },
       {{"spec.source", "field is immutable"},
        {"spec.dockerfile", "field is immutable"}}},
      {"buildArgs",
       [](Build& b) { b.spec.build_args["VERSION"] = "2"; },
       {{"spec.buildArgs", "field is immutable"}}},
      {"output",
       [](Build& b) { b.spec.output->image = "x/y:2"; },
       {{"spec.output", "field is immutable"}}},
      {"output removed",
       [](Build& b) { b.spec.output.reset(); },
       {{"spec.output", "field is immutable"}}},
      {"cpus",
       [](Build& b) { b.spec.resources.cpus = 2; },
       {{"spec.resources", "field is immutable"}}},
      {"memory",
       [](Build& b) { b.spec.resources.memory_mib.reset(); },
       {{"spec.resources", "field is immutable"}}},
      {"timeout",
       [](Build& b) { b.spec.timeout_seconds = 60; },
       {{"spec.timeoutSeconds", "field is immutable"}}},
      {"invalid new label",
       [](Build& b) { b.metadata.labels["a b"] = ""; },
       {{R"(metadata.labels["a b"])", "invalid key"}}},
  };
  for (const Case& c : cases) {
    const Build old_build = ValidBuild();
    Build new_build = old_build;
    c.mutate(new_build);
    ExpectErrors(c, ValidateBuildUpdate(old_build, new_build));
  }
}

TEST(ValidationTest, UpdateTreatsMissingAndEmptyOutputAlike) {
  Build old_build = ValidBuild();
  old_build.spec.output.reset();
  Build new_build = old_build;
  new_build.spec.output = BuildOutput{""};
  EXPECT_THAT(Lines(ValidateBuildUpdate(old_build, new_build)), IsEmpty());
  EXPECT_THAT(Lines(ValidateBuildUpdate(new_build, old_build)), IsEmpty());
}

TEST(ValidationTest, CancelCannotBeUnset) {
  Build old_build = ValidBuild();
  old_build.spec.cancel = true;
  Build new_build = old_build;
  EXPECT_THAT(Lines(ValidateBuildUpdate(old_build, new_build)), IsEmpty());
  new_build.spec.cancel = false;
  EXPECT_THAT(Lines(ValidateBuildUpdate(old_build, new_build)),
              ElementsAre("spec.cancel: cannot be unset once set"));
  EXPECT_EQ(ValidateBuildUpdateAsStatus(old_build, new_build).message(),
            "spec.cancel: cannot be unset once set");
}

TEST(ValidationTest, StatusUpdateFollowsPhaseMachine) {
  using P = BuildPhase;
  struct StatusCase {
    BuildPhase from;
    BuildPhase to;
    std::string error;  // "" = allowed; else the exact line
  };
  const StatusCase cases[] = {
      {P::kUnset, P::kPending, ""},
      {P::kPending, P::kBuilding, ""},
      {P::kBuilding, P::kPushing, ""},
      {P::kPushing, P::kReady, ""},
      {P::kBuilding, P::kReady, ""},
      {P::kPending, P::kCancelled, ""},
      {P::kBuilding, P::kBuilding, ""},
      {P::kReady, P::kReady, ""},  // e.g. a logBytes rewrite
      {P::kFailed, P::kFailed, ""},
      {P::kReady, P::kBuilding,
       "status.phase: cannot change from Ready to Building: Ready is terminal"},
      {P::kCancelled, P::kFailed,
       "status.phase: cannot change from Cancelled to Failed: Cancelled is "
       "terminal"},
      {P::kFailed, P::kUnset,
       "status.phase: cannot change from Failed to (unset): Failed is "
       "terminal"},
      {P::kPending, P::kReady,
       "status.phase: cannot change from Pending to Ready"},
      {P::kPushing, P::kBuilding,
       "status.phase: cannot change from Pushing to Building"},
      {P::kUnset, P::kBuilding,
       "status.phase: cannot change from (unset) to Building"},
      {P::kPending, P::kUnset,
       "status.phase: cannot change from Pending to (unset)"},
  };
  for (const StatusCase& c : cases) {
    Build old_build = ValidBuild();
    old_build.status.phase = c.from;
    Build new_build = old_build;
    new_build.status.phase = c.to;
    new_build.status.log_bytes = 42;
    const std::vector<std::string> got =
        Lines(ValidateBuildStatusUpdate(old_build, new_build));
    if (c.error.empty()) {
      EXPECT_THAT(got, IsEmpty());
    } else {
      EXPECT_THAT(got, ElementsAre(c.error));
    }
  }
}

Node ValidNode() {
  Node n;
  n.metadata.name = "node-a.example.com";
  n.status.capacity = {.cpus = 8, .memory_mib = 16384, .builds = 4};
  n.status.allocated = {.cpus = 8, .memory_mib = 1024, .builds = 0};
  return n;
}

TEST(ValidationTest, ValidatesNode) {
  struct NodeCase {
    const char* name;
    void (*mutate)(Node&);
    std::vector<std::string> want;
  };
  const NodeCase cases[] = {
      {"valid", [](Node&) {}, {}},
      {"empty node", [](Node& n) { n.status = {}; }, {}},
      {"name",
       [](Node& n) { n.metadata.name = "Node_A"; },
       {"metadata.name: invalid value \"Node_A\": must be a DNS-1123 "
        "subdomain: lowercase alphanumeric characters, '-' or '.', each "
        "'.'-separated part starting and ending with an alphanumeric "
        "character"}},
      {"namespace",
       [](Node& n) { n.metadata.namespace_ = "default"; },
       {"metadata.namespace: must be empty: Node is cluster-scoped"}},
      {"label",
       [](Node& n) { n.metadata.labels["a"] = "-"; },
       {R"(metadata.labels["a"]: invalid value "-": must consist of )"
        "alphanumeric characters, '-', '_' or '.', and must start and end "
        "with an alphanumeric character"}},
      {"negative capacity",
       [](Node& n) {
         n.status.capacity.memory_mib = -1;
         n.status.allocated.memory_mib = 0;
       },
       {"status.capacity.memoryMiB: must be >= 0",
        "status.allocated.memoryMiB: must be <= status.capacity.memoryMiB "
        "(-1)"}},
      {"negative allocated",
       [](Node& n) { n.status.allocated.builds = -1; },
       {"status.allocated.builds: must be >= 0"}},
      {"over-allocated",
       [](Node& n) { n.status.allocated.cpus = 9; },
       {"status.allocated.cpus: must be <= status.capacity.cpus (8)"}},
  };
  for (const NodeCase& c : cases) {
    Node node = ValidNode();
    c.mutate(node);
    EXPECT_EQ(Lines(ValidateNode(node)), c.want) << c.name;
    EXPECT_EQ(ValidateNodeAsStatus(node).ok(), c.want.empty()) << c.name;
  }
}

}  // namespace
}  // namespace kiln
