#include "controller/vm/vm_state_dir.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "controller/vm/agent_contract.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

class VmStateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vm-state-dir-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void WriteRecord(const std::string& name, const std::string& owner) {
    fs::create_directories(dir_ + "/" + name);
    VmRecord record;
    record.owner_key = owner;
    record.owner_uid = "uid-" + owner;
    ASSERT_TRUE(WriteJsonFileAtomically(dir_ + "/" + name + "/" + kVmRecordFile,
                                        VmRecordToJson(record))
                    .ok());
  }

  std::string dir_;
  spdlog::logger logger_{"test",
                         std::make_shared<spdlog::sinks::null_sink_mt>()};
};

TEST(ValidateVmNameTest, AcceptsDnsLabelsOnly) {
  EXPECT_TRUE(ValidateVmName("kiln-0a1b").ok());
  EXPECT_TRUE(ValidateVmName(std::string(63, 'a')).ok());
  for (const std::string& bad : std::vector<std::string>{
           "", "-a", "a-", "A", "a_b", "a/b", "..", std::string(64, 'a')}) {
    const Status s = ValidateVmName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("DNS label"), std::string::npos) << bad;
  }
}

TEST_F(VmStateDirTest, ReadsTheRecordOrSaysNotFound) {
  WriteRecord("vm-a", "default/a");
  VmRecord record;
  StatusOr<VmInfo> info = ReadVmRecordInfo(dir_ + "/vm-a", "vm-a", &record);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "vm-a");
  EXPECT_EQ(info->owner_key, "default/a");
  EXPECT_EQ(info->owner_uid, "uid-default/a");
  EXPECT_EQ(record.owner_key, "default/a");
  EXPECT_EQ(ReadVmRecordInfo(dir_ + "/vm-b", "vm-b").status().code(),
            StatusCode::kNotFound);
  fs::create_directories(dir_ + "/vm-c");
  std::ofstream(dir_ + "/vm-c/" + kVmRecordFile) << "{not json";
  EXPECT_EQ(ReadVmRecordInfo(dir_ + "/vm-c", "vm-c").status().code(),
            StatusCode::kInternal);
}

TEST_F(VmStateDirTest, ListsValidNamesSortedAndSkipsVanishedVms) {
  WriteRecord("vm-b", "default/b");
  WriteRecord("vm-a", "default/a");
  fs::create_directories(dir_ + "/Not_A_Name");
  fs::create_directories(dir_ + "/vm-gone");  // no record: NotFound
  std::ofstream(dir_ + "/a-file") << "x";
  KeyedMutex locks;
  StatusOr<std::vector<VmInfo>> vms = ListVmStates(
      dir_, locks,
      [&](const std::string& name) {
        return ReadVmRecordInfo(dir_ + "/" + name, name);
      },
      logger_);
  ASSERT_TRUE(vms.ok()) << vms.status().ToString();
  ASSERT_EQ(vms->size(), 2u);
  EXPECT_EQ((*vms)[0].name, "vm-a");
  EXPECT_EQ((*vms)[1].name, "vm-b");
  EXPECT_EQ(
      ListVmStates(dir_ + "/missing", locks, nullptr, logger_).status().code(),
      StatusCode::kInternal);
}

}  // namespace
}  // namespace kiln
