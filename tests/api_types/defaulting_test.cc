#include "api_types/defaulting.h"

#include <string>

#include "api_types/image_reference.h"
#include "gtest/gtest.h"

namespace kiln {
namespace {

TEST(DefaultingTest, FillsUnsetFields) {
  Build build;
  ApplyBuildDefaults(build, BuildDefaults{});
  EXPECT_EQ(build.metadata.namespace_, "default");
  EXPECT_EQ(build.spec.dockerfile, "Dockerfile");
  EXPECT_EQ(build.spec.resources.cpus, 1);
  EXPECT_EQ(build.spec.resources.memory_mib, 1024);
  EXPECT_EQ(build.spec.timeout_seconds, 600);
  EXPECT_EQ(build.spec.output, std::nullopt);  // computed at admission
}

TEST(DefaultingTest, UsesGivenDefaults) {
  const BuildDefaults defaults{.cpus = 2,
                               .memory_mib = 2048,
                               .timeout_seconds = 60,
                               .dockerfile = "Containerfile",
                               .namespace_ = "ci"};
  Build build;
  ApplyBuildDefaults(build, defaults);
  EXPECT_EQ(build.metadata.namespace_, "ci");
  EXPECT_EQ(build.spec.dockerfile, "Containerfile");
  EXPECT_EQ(build.spec.resources.cpus, 2);
  EXPECT_EQ(build.spec.resources.memory_mib, 2048);
  EXPECT_EQ(build.spec.timeout_seconds, 60);
}

TEST(DefaultingTest, KeepsSetFields) {
  struct Case {
    const char* name;
    void (*set)(Build&);
  };
  const Case cases[] = {
      {"namespace", [](Build& b) { b.metadata.namespace_ = "team"; }},
      {"dockerfile", [](Build& b) { b.spec.dockerfile = "ci/Dockerfile"; }},
      {"cpus", [](Build& b) { b.spec.resources.cpus = 0; }},  // kept, invalid
      {"memory", [](Build& b) { b.spec.resources.memory_mib = 64; }},
      {"timeout", [](Build& b) { b.spec.timeout_seconds = 5; }},
      {"output", [](Build& b) { b.spec.output = BuildOutput{"x/y:1"}; }},
  };
  for (const Case& c : cases) {
    Build build;
    c.set(build);
    Build want;
    ApplyBuildDefaults(want, BuildDefaults{});
    c.set(want);  // defaults everywhere except the field the case set
    ApplyBuildDefaults(build, BuildDefaults{});
    EXPECT_EQ(build, want) << c.name;
  }
}

TEST(DefaultingTest, IsIdempotent) {
  Build build;
  ApplyBuildDefaults(build, BuildDefaults{});
  const Build once = build;
  ApplyBuildDefaults(build, BuildDefaults{.cpus = 8});
  EXPECT_EQ(build, once);
}

TEST(DefaultingTest, DefaultOutputImage) {
  Build build;
  build.metadata.name = "hello";
  build.metadata.namespace_ = "web";
  build.metadata.uid = "3f2a-9c1d-4b7e-8a21-0c5e6f7a8b9c";
  struct Case {
    const char* registry;
    const char* want;
  };
  const Case cases[] = {
      {"localhost:5000", "localhost:5000/web/hello:3f2a9c1d"},
      {"localhost:5000/", "localhost:5000/web/hello:3f2a9c1d"},
      {"registry.example.com/kiln",
       "registry.example.com/kiln/web/hello:3f2a9c1d"},
      {"", "web/hello:3f2a9c1d"},
  };
  for (const Case& c : cases) {
    const std::string image = DefaultOutputImage(c.registry, build);
    EXPECT_EQ(image, c.want) << c.registry;
    EXPECT_TRUE(ParseImageReference(image).ok()) << image;
  }
}

TEST(DefaultingTest, DefaultOutputImageUsesUuidPrefix) {
  Build build;
  build.metadata.name = "hello";
  build.metadata.namespace_ = "default";
  build.metadata.uid = "0c5e6f7a-8b9c-4b7e-8a21-3f2a9c1d0000";
  EXPECT_EQ(DefaultOutputImage("localhost:5000", build),
            "localhost:5000/default/hello:0c5e6f7a");
}

TEST(DefaultingTest, DefaultOutputImageWithoutUidHasNoTag) {
  Build build;
  build.metadata.name = "hello";
  build.metadata.namespace_ = "default";
  EXPECT_EQ(DefaultOutputImage("r", build), "r/default/hello");
}

}  // namespace
}  // namespace kiln
