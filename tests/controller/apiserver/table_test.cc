#include "controller/apiserver/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/build_json.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::std::chrono::hours;
using ::std::chrono::minutes;
using ::std::chrono::seconds;
using ::testing::ElementsAre;
using testing_fixtures::At;
using testing_fixtures::FullBuild;
using testing_fixtures::FullEvent;
using testing_fixtures::FullNode;

struct DurationCase {
  seconds d;
  std::string want;
};

// Names the case in test listings (ctest shows it).
void PrintTo(const DurationCase& c, std::ostream* os) {
  *os << c.d.count() << "s->" << c.want;
}

class HumanDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(HumanDurationTest, FormatsLikeKubectl) {
  EXPECT_EQ(HumanDuration(GetParam().d), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Durations, HumanDurationTest,
    ::testing::Values(
        DurationCase{seconds(-2), "<invalid>"}, DurationCase{seconds(-1), "0s"},
        DurationCase{seconds(0), "0s"}, DurationCase{seconds(5), "5s"},
        DurationCase{seconds(119), "119s"}, DurationCase{seconds(120), "2m"},
        DurationCase{minutes(3) + seconds(2), "3m2s"},
        DurationCase{minutes(9) + seconds(59), "9m59s"},
        DurationCase{minutes(10) + seconds(30), "10m"},
        DurationCase{minutes(179), "179m"}, DurationCase{hours(3), "3h"},
        DurationCase{hours(5) + minutes(3), "5h3m"},
        DurationCase{hours(8) + minutes(59), "8h"},
        DurationCase{hours(47), "47h"}, DurationCase{hours(48), "2d"},
        DurationCase{hours(51), "2d3h"}, DurationCase{hours(24 * 8), "8d"},
        DurationCase{hours(24 * 729), "729d"},
        DurationCase{hours(24 * 730), "2y"},
        DurationCase{hours(24 * (365 * 3 + 12)), "3y12d"},
        DurationCase{hours(24 * 365 * 9), "9y"}));

std::vector<std::string> ColumnNames(const json& table) {
  std::vector<std::string> names;
  for (const json& c : table["columnDefinitions"]) {
    names.push_back(c["name"].get<std::string>() + "/" +
                    std::to_string(c["priority"].get<int>()));
  }
  return names;
}

TEST(BuildTableTest, HasKubectlColumnsWithWideOnesAtPriorityOne) {
  BuildList list;
  const json t = ToTable(list, At(0), {});
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_THAT(ColumnNames(t),
              ElementsAre("Name/0", "Phase/0", "Image/0", "Age/0", "Duration/0",
                          "Node/1", "VM/1", "Reason/1"));
  EXPECT_EQ(t["columnDefinitions"][0]["format"], "name");
  EXPECT_TRUE(t["rows"].is_array());
  EXPECT_TRUE(t["rows"].empty());
}

TEST(BuildTableTest, RowCellsAndPartialObjectMetadata) {
  Build b = FullBuild();  // created At(0), started At(10), 60000 ms
  const json t = ToTable(b, At(0) + minutes(3) + seconds(2), {});
  ASSERT_EQ(t["rows"].size(), 1u);
  const json& row = t["rows"][0];
  EXPECT_EQ(row["cells"],
            json({"hello", "Pushing", "localhost:5000/web/hello:1", "3m2s",
                  "60s", "node-a", "kiln-2f1c7a4e", "BuildError"}));
  EXPECT_EQ(row["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(row["object"]["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(row["object"]["metadata"]["labels"]["team"], "web");
  EXPECT_FALSE(row["object"].contains("spec"));
  // One object: the table's resourceVersion is the object's.
  EXPECT_EQ(t["metadata"]["resourceVersion"], "42");
}

TEST(BuildTableTest, RunningBuildDurationCountsToNow) {
  Build b;
  b.metadata.name = "b";
  b.metadata.creation_timestamp = At(0);
  b.status.phase = BuildPhase::kBuilding;
  b.status.started_at = At(5);
  const json cells = ToTable(b, At(95), {})["rows"][0]["cells"];
  EXPECT_EQ(cells[3], "95s");
  EXPECT_EQ(cells[4], "90s");
  EXPECT_EQ(cells[2], "<none>");  // no image yet
  EXPECT_EQ(cells[5], "<none>");
}

TEST(BuildTableTest, DurationFromTimestampsAndEmptyBeforeStart) {
  Build done;
  done.status.phase = BuildPhase::kFailed;
  done.status.started_at = At(0);
  done.status.completed_at = At(0) + hours(5) + minutes(3);
  EXPECT_EQ(ToTable(done, At(100000), {})["rows"][0]["cells"][4], "5h3m");
  Build pending;
  pending.status.phase = BuildPhase::kPending;
  EXPECT_EQ(ToTable(pending, At(0), {})["rows"][0]["cells"][4], "");
  EXPECT_EQ(ToTable(pending, At(0), {})["rows"][0]["cells"][3], "<unknown>");
}

TEST(BuildTableTest, ImageFallsBackToSpecOutput) {
  Build b;
  b.spec.output = BuildOutput{"localhost:5000/web/x:1"};
  EXPECT_EQ(ToTable(b, At(0), {})["rows"][0]["cells"][2],
            "localhost:5000/web/x:1");
}

TEST(BuildTableTest, ListCopiesListMeta) {
  BuildList list;
  list.metadata.resource_version = "99";
  list.metadata.continue_token = "abc";
  list.metadata.remaining_item_count = 7;
  list.items = {FullBuild(), FullBuild()};
  const json t = ToTable(list, At(0), {});
  EXPECT_EQ(t["metadata"], json({{"resourceVersion", "99"},
                                 {"continue", "abc"},
                                 {"remainingItemCount", 7}}));
  EXPECT_EQ(t["rows"].size(), 2u);
}

TEST(BuildTableTest, IncludeObjectOptions) {
  TableOptions object;
  object.include_object = IncludeObject::kObject;
  EXPECT_EQ(ToTable(FullBuild(), At(0), object)["rows"][0]["object"],
            ToJson(FullBuild()));
  TableOptions none;
  none.include_object = IncludeObject::kNone;
  EXPECT_FALSE(ToTable(FullBuild(), At(0), none)["rows"][0].contains("object"));
}

TEST(BuildTableTest, NoHeadersLeavesOutColumnDefinitions) {
  TableOptions options;
  options.no_headers = true;
  const json t = ToTable(FullBuild(), At(0), options);
  EXPECT_FALSE(t.contains("columnDefinitions"));
  EXPECT_EQ(t["rows"].size(), 1u);
}

TEST(NodeTableTest, ShowsAllocationOverCapacity) {
  const json t =
      ToTable(std::vector<Node>{FullNode()}, ListMeta{}, At(0) + hours(51), {});
  EXPECT_THAT(ColumnNames(t),
              ElementsAre("Name/0", "CPUs/0", "Memory/0", "Builds/0",
                          "Driver/0", "Age/0", "Accelerator/1"));
  EXPECT_EQ(t["rows"][0]["cells"],
            json({"hello", "2/8", "1Gi/16Gi", "1/4", "qemu", "2d3h", "kvm"}));
}

TEST(NodeTableTest, MemoryNotAWholeGiBStaysInMi) {
  Node n;
  n.status.capacity = {4, 1536, 2};
  EXPECT_EQ(ToTable(n, At(0), {})["rows"][0]["cells"][2], "0Mi/1536Mi");
}

TEST(EventTableTest, ColumnsAndRepeatedEventSummary) {
  // first At(0), last At(30), count 3.
  const json t =
      ToTable(std::vector<Event>{FullEvent()}, ListMeta{}, At(90), {});
  EXPECT_THAT(ColumnNames(t), ElementsAre("Last Seen/0", "Type/0", "Reason/0",
                                          "Object/0", "Source/1", "Message/0",
                                          "First Seen/1", "Count/1", "Name/1"));
  EXPECT_EQ(t["rows"][0]["cells"],
            json({"60s (x3 over 90s)", "Normal", "Admitted", "build/hello",
                  "kilnd", "reserved 2 cpus, 1024 MiB on node-a", "90s", 3,
                  "hello.17a2b3c4"}));
}

TEST(EventTableTest, SingleEventWithoutLastTimestampUsesFirst) {
  Event e = FullEvent();
  e.count = 1;
  e.last_timestamp.reset();
  EXPECT_EQ(ToTable(e, At(10), {})["rows"][0]["cells"][0], "10s");
}

TEST(IncludeObjectTest, ParsesQueryValues) {
  EXPECT_THAT(ParseIncludeObject(""), IsOkAndHolds(IncludeObject::kMetadata));
  EXPECT_THAT(ParseIncludeObject("Metadata"),
              IsOkAndHolds(IncludeObject::kMetadata));
  EXPECT_THAT(ParseIncludeObject("Object"),
              IsOkAndHolds(IncludeObject::kObject));
  EXPECT_THAT(ParseIncludeObject("None"), IsOkAndHolds(IncludeObject::kNone));
  EXPECT_THAT(ParseIncludeObject("object"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(WantsTableTest, ParsesAcceptProperly) {
  EXPECT_TRUE(WantsTable(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as="
      "Table;v=v1beta1;g=meta.k8s.io,application/json"));
  EXPECT_TRUE(WantsTable("application/json; g=meta.k8s.io; v=v1; as=Table"));
  EXPECT_TRUE(WantsTable(
      "application/json;q=0.5, application/json;as=Table;g=meta.k8s.io;v=v1"));
  EXPECT_FALSE(WantsTable("application/json"));
  EXPECT_FALSE(
      WantsTable("application/json, application/json;as=Table;v=v1;"
                 "g=meta.k8s.io"));
  EXPECT_FALSE(WantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io"));
  EXPECT_FALSE(WantsTable(""));
}

}  // namespace
}  // namespace kiln
