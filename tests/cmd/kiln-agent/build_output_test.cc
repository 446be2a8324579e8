#include "cmd/kiln-agent/build_output.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(StepLineTest, ParsesSingleAndMultiStage) {
  std::optional<StepLine> step = ParseStepLine("STEP 2/3: RUN make all");
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->stage, 1);
  EXPECT_EQ(step->step, 2);
  EXPECT_EQ(step->steps, 3);
  EXPECT_EQ(step->instruction, "RUN make all");
  step = ParseStepLine("[2/3] STEP 1/2: FROM kiln/busybox:1 AS base");
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->stage, 2);
  EXPECT_EQ(step->step, 1);
  EXPECT_EQ(step->instruction, "FROM kiln/busybox:1 AS base");
}

TEST(StepLineTest, IgnoresOtherLines) {
  for (const char* line :
       {"", "STEP", "STEP 1: RUN x", "STEP a/b: RUN", " STEP 1/2: RUN x",
        "[1/2] COMMIT x", "Error: building at STEP \"RUN false\": exit 1"}) {
    EXPECT_FALSE(ParseStepLine(line).has_value()) << line;
  }
}

TEST(BuildOutputTest, TracksStepAndLastError) {
  BuildOutput out;
  EXPECT_TRUE(out.Add("STEP 1/2: FROM scratch"));
  EXPECT_TRUE(out.Add("STEP 2/2: RUN false"));
  EXPECT_FALSE(out.Add("error running container: exit status 1"));
  EXPECT_FALSE(out.Add("Error: building at STEP \"RUN false\": exit status 1"));
  EXPECT_FALSE(out.Add(""));
  EXPECT_EQ(out.last_step(), "STEP 2/2: RUN false");
  EXPECT_EQ(out.last_error(),
            "Error: building at STEP \"RUN false\": exit status 1");
  BuildOutput no_error;
  no_error.Add("STEP 1/1: FROM x");
  no_error.Add("something went wrong");
  EXPECT_EQ(no_error.last_error(), "something went wrong");
}

TEST(BuildOutputTest, FinalBaseImageFollowsStages) {
  BuildOutput out;
  out.Add("[1/3] STEP 1/2: FROM 127.0.0.1:5000/kiln/busybox:1 AS base");
  out.Add("[1/3] STEP 2/2: RUN true");
  out.Add(
      "--> Using cache 0a7e41f7badfeefb4a4110312666f52f008d0a7e453b68ff9e7"
      "4297fc5edb549");
  out.Add("--> 0a7e41f7bad");
  out.Add(
      "[3/3] STEP 1/2: FROM 0a7e41f7badfeefb4a4110312666f52f008d0a7e453b"
      "68ff9e74297fc5edb549");
  out.Add("[3/3] STEP 2/2: RUN echo hi");
  EXPECT_EQ(out.FinalBaseImage(), "127.0.0.1:5000/kiln/busybox:1");

  BuildOutput scratch;
  scratch.Add("STEP 1/2: FROM scratch");
  EXPECT_EQ(scratch.FinalBaseImage(), "");
  EXPECT_EQ(BuildOutput().FinalBaseImage(), "");
}

}  // namespace
}  // namespace kiln
