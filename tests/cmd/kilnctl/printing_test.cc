// Golden-file tests of kilnctl's human output: tables (-o table/wide/-A,
// with and without colour) and describe. Regenerate a golden file by
// running the test with KILN_UPDATE_GOLDEN=1 and review the diff.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cmd/kilnctl/describe.h"
#include "cmd/kilnctl/output.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/status_matchers.h"

namespace kiln::kilnctl {
namespace {

std::string TestData(const std::string& name) {
  return std::string(kiln::testing::kSourceDir) +
         "/tests/cmd/kilnctl/testdata/" + name;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectGolden(const std::string& name, const std::string& got) {
  const std::string path = TestData(name);
  if (std::getenv("KILN_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << got;
  }
  EXPECT_EQ(got, Read(path))
      << "golden file " << path << " (KILN_UPDATE_GOLDEN=1 rewrites it)";
}

std::string PrintTable(bool wide, bool ns, bool color) {
  std::ostringstream out;
  TablePrinter p(out, wide, ns, color);
  p.Print(nlohmann::json::parse(Read(TestData("table.json"))));
  return out.str();
}

TEST(PrintingTest, Tables) {
  ExpectGolden("table.golden", PrintTable(false, false, false));
  ExpectGolden("table-wide-all-namespaces.golden",
               PrintTable(true, true, false));
  const std::string colored = PrintTable(false, false, true);
  EXPECT_THAT(colored, ::testing::HasSubstr("\033[32mReady\033[0m"));
  EXPECT_THAT(colored, ::testing::HasSubstr("\033[31mFailed\033[0m"));
}

TEST(PrintingTest, WatchRowsKeepTheHeaderOnce) {
  std::ostringstream out;
  TablePrinter p(out, false, false, false);
  const nlohmann::json table =
      nlohmann::json::parse(Read(TestData("table.json")));
  EXPECT_EQ(p.Print(table), 2u);
  nlohmann::json one = table;
  one.erase("columnDefinitions");
  one["rows"].erase(1);
  EXPECT_EQ(p.Print(one), 1u);
  const std::string text = out.str();
  EXPECT_EQ(text.find("NAME"), text.rfind("NAME"));
}

TEST(PrintingTest, Describe) {
  const nlohmann::json build =
      nlohmann::json::parse(Read(TestData("build.json")));
  std::vector<nlohmann::json> events;
  for (const auto& e : nlohmann::json::parse(Read(TestData("events.json")))) {
    events.push_back(e);
  }
  const Timestamp now = *ParseRfc3339("2026-11-28T22:14:04Z");
  ExpectGolden("describe.golden",
               DescribeBuild(build, events,
                             "STEP 1/2: FROM kiln/busybox:1\npushed\n", now));
  ExpectGolden("describe-new.golden",
               DescribeBuild(nlohmann::json::parse(R"({"metadata":{"name":"x",
                   "namespace":"default","creationTimestamp":"2026-11-28T22:14:00Z"},
                   "spec":{"source":{"archive":{"digest":"sha256:ab"}}}})"),
                             {}, "", now));
}

TEST(PrintingTest, OutputFormats) {
  EXPECT_THAT(OutputFormat::Parse("jsonpath='{.a}'"), IsOk());
  EXPECT_THAT(OutputFormat::Parse("jsonpath="),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      OutputFormat::Parse("xml"),
      StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("wide")));
  const nlohmann::json b = nlohmann::json::parse(Read(TestData("build.json")));
  std::ostringstream out;
  ASSERT_THAT(PrintObjects({b}, true, *OutputFormat::Parse("name"), out),
              IsOk());
  EXPECT_EQ(out.str(), "build.kiln.dev/hello\n");
  out.str("");
  ASSERT_THAT(PrintObjects({b, b}, false, *OutputFormat::Parse("json"), out),
              IsOk());
  EXPECT_EQ(nlohmann::json::parse(out.str())["kind"], "List");
}

}  // namespace
}  // namespace kiln::kilnctl
