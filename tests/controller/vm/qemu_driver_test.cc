// QemuDriver without QEMU: construction checks and what Inspect/List/Delete
// make of VM state directories (a real boot is tests/integration/
// qemu_builds_test.cc, since a fake agent cannot run inside the guest).
#include "controller/vm/qemu_driver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "controller/base/clock.h"
#include "controller/vm/agent_contract.h"
#include "controller/vm/vm_record.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class QemuDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qemu-driver-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    image_ = root_ + "/guest";
    fs::create_directories(image_);
    for (const char* f : {"vmlinuz", "initramfs.cpio.gz", "root.img"}) {
      std::ofstream(image_ + "/" + f) << "x";
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  QemuDriver::Options Options() {
    QemuDriver::Options options;
    options.state_dir = root_ + "/vms";
    options.guest_image = image_;
    options.qemu_binary = "/bin/true";  // never run by these tests
    options.busybox = "/bin/true";
    return options;
  }
  std::unique_ptr<QemuDriver> Driver() {
    StatusOr<std::unique_ptr<QemuDriver>> d =
        QemuDriver::New(Options(), clock_);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(*d) : nullptr;
  }
  // A VM dir as Create leaves it, without the QEMU process.
  void MakeVm(const QemuDriver& d, const std::string& name,
              const std::string& ctl) {
    const std::string dir = d.VmDir(name);
    fs::create_directories(dir);
    VmRecord record;
    record.driver = "qemu";
    record.owner_key = "default/" + name;
    record.owner_uid = "uid-" + name;
    ASSERT_OK(
        WriteJsonFileAtomically(dir + "/vm.json", VmRecordToJson(record)));
    AgentJob job;
    job.log_path = root_ + "/logs/" + name + ".log";
    ASSERT_OK(WriteJsonFileAtomically(dir + "/job.json", AgentJobToJson(job)));
    std::ofstream(dir + "/ctl.log") << ctl;
  }

  RealClock clock_;
  std::string root_;
  std::string image_;
};

TEST_F(QemuDriverTest, MissingGuestImageNamesTheScript) {
  QemuDriver::Options options = Options();
  fs::remove(image_ + "/root.img");
  EXPECT_THAT(QemuDriver::New(options, clock_).status(),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("hack/build-guest-image.sh")));
  options.guest_image = "";
  EXPECT_THAT(QemuDriver::New(options, clock_).status(),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(QemuDriverTest, MissingQemuIsInvalidArgument) {
  QemuDriver::Options options = Options();
  options.qemu_binary = "no-such-qemu-binary";
  EXPECT_THAT(QemuDriver::New(options, clock_).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("qemu")));
  options = Options();
  options.accel = "hvf";
  EXPECT_THAT(QemuDriver::New(options, clock_).status(),
              StatusIs(StatusCode::kInvalidArgument));
  options = Options();
  options.registry_token_port = 65536;
  EXPECT_THAT(
      QemuDriver::New(options, clock_).status(),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("token service port")));
}

TEST_F(QemuDriverTest, AbsentVmIsNotFoundAndDeleteIsOk) {
  auto d = Driver();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name(), "qemu");
  EXPECT_THAT(d->Inspect("kiln-none").status(),
              StatusIs(StatusCode::kNotFound));
  EXPECT_OK(d->Delete("kiln-none", std::chrono::milliseconds(0)));
  EXPECT_THAT(d->Inspect("Bad_Name").status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(QemuDriverTest, NeverStartedVmReportsTheCtlResult) {
  auto d = Driver();
  ASSERT_NE(d, nullptr);
  MakeVm(*d, "kiln-a",
         "agent-start uptime=5\nresult {\"succeeded\":true,\"imageDigest\":"
         "\"sha256:ab\"}\nagent-exit rc=0 uptime=20\n");
  MakeVm(*d, "kiln-b", "");
  ASSERT_OK_AND_ASSIGN(VmInfo a, d->Inspect("kiln-a"));
  EXPECT_EQ(a.state, VmState::kExited);
  EXPECT_EQ(a.owner_key, "default/kiln-a");
  ASSERT_TRUE(a.result.has_value());
  EXPECT_EQ(a.result->image_digest, "sha256:ab");
  ASSERT_OK_AND_ASSIGN(VmInfo b, d->Inspect("kiln-b"));
  EXPECT_EQ(b.state, VmState::kExited);
  EXPECT_THAT(b.exit_reason, HasSubstr("never started"));
  ASSERT_OK_AND_ASSIGN(std::vector<VmInfo> vms, d->List());
  ASSERT_EQ(vms.size(), 2u);
  EXPECT_EQ(vms[0].name, "kiln-a");
  EXPECT_EQ(vms[1].name, "kiln-b");
}

TEST_F(QemuDriverTest, DeleteRemovesTheVmDir) {
  auto d = Driver();
  ASSERT_NE(d, nullptr);
  MakeVm(*d, "kiln-a", "");
  ASSERT_OK(d->Delete("kiln-a", std::chrono::milliseconds(0)));
  EXPECT_FALSE(fs::exists(d->VmDir("kiln-a")));
  EXPECT_THAT(d->Inspect("kiln-a").status(), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace kiln
