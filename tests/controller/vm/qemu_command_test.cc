#include "controller/vm/qemu_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

QemuCommandSpec Spec() {
  QemuCommandSpec spec;
  spec.qemu_binary = "/usr/bin/qemu-system-x86_64";
  spec.guest_image = "/img/guest-1";
  spec.vm_dir = "/data/vms/kiln-a";
  spec.log_path = "/data/logs/u.log";
  spec.cpus = 2;
  spec.memory_mib = 1024;
  spec.tsc_khz = 2100000;
  spec.registry = "127.0.0.1:5000";
  spec.registry_host = "127.0.0.1:5000";
  return spec;
}

// The value following `flag` (the first occurrence at or after `from`).
std::string After(const std::vector<std::string>& argv, const std::string& flag,
                  const std::string& containing = "") {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && argv[i + 1].find(containing) != std::string::npos) {
      return argv[i + 1];
    }
  }
  return "";
}

TEST(QemuCommandTest, MicrovmWithLimitsAndGuestImage) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(Spec()));
  EXPECT_EQ(argv[0], "/usr/bin/qemu-system-x86_64");
  EXPECT_EQ(After(argv, "-M"), "microvm");
  EXPECT_EQ(After(argv, "-smp"), "2");
  EXPECT_EQ(After(argv, "-m"), "1024");
  EXPECT_EQ(After(argv, "-accel"), "tcg,tb-size=128");
  EXPECT_EQ(After(argv, "-kernel"), "/img/guest-1/vmlinuz");
  EXPECT_EQ(After(argv, "-initrd"), "/img/guest-1/initramfs.cpio.gz");
  EXPECT_EQ(After(argv, "-drive", "id=root"),
            "id=root,file=/img/guest-1/root.img,format=raw,if=none,"
            "readonly=on");
  EXPECT_EQ(After(argv, "-serial"), "file:/data/vms/kiln-a/console.log");
  EXPECT_THAT(argv, Contains("-no-reboot"));
}

TEST(QemuCommandTest, SerialPortsAndSockets) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(Spec()));
  EXPECT_EQ(After(argv, "-chardev", "id=log"),
            "file,id=log,path=/data/logs/u.log,append=on");
  EXPECT_EQ(After(argv, "-chardev", "id=ctl"),
            "file,id=ctl,path=/data/vms/kiln-a/ctl.log");
  EXPECT_EQ(After(argv, "-chardev", "id=cmd"),
            "socket,id=cmd,path=/data/vms/kiln-a/cmd.sock,server=on,wait=off");
  EXPECT_EQ(After(argv, "-qmp"),
            "unix:/data/vms/kiln-a/qmp.sock,server=on,wait=off");
  EXPECT_THAT(argv, Contains("virtserialport,chardev=log,name=kiln.log"));
  EXPECT_THAT(argv, Contains("virtserialport,chardev=ctl,name=kiln.ctl"));
  EXPECT_THAT(argv, Contains("virtserialport,chardev=cmd,name=kiln.cmd"));
}

TEST(QemuCommandTest, RegistryOnlyNetworkAndKernelLine) {
  QemuCommandSpec spec = Spec();
  spec.registry = "registry.local:5000";
  spec.registry_host = "10.1.2.3:5001";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(spec));
  EXPECT_EQ(After(argv, "-netdev"),
            "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:5000-cmd:/bin/"
            "busybox nc 10.1.2.3 5001");
  const std::string append = After(argv, "-append");
  EXPECT_THAT(append, HasSubstr("kiln.registry=registry.local:5000"));
  EXPECT_THAT(append, HasSubstr("kiln.registry_via=10.0.2.100:5000"));
  EXPECT_THAT(append, HasSubstr("tsc_early_khz=2100000 tsc=reliable"));
}

TEST(QemuCommandTest, NoTokenServiceWithoutItsPort) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(Spec()));
  EXPECT_EQ(After(argv, "-netdev"),
            "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:5000-cmd:/bin/"
            "busybox nc 127.0.0.1 5000");
  EXPECT_THAT(After(argv, "-append"), Not(HasSubstr("kiln.registry_token")));
}

TEST(QemuCommandTest, TokenServiceGetsASecondGuestfwdAndKernelArgs) {
  QemuCommandSpec spec = Spec();
  spec.registry = "registry.local:5000";
  spec.registry_host = "10.1.2.3:5001";
  spec.registry_token_port = 5002;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(spec));
  // Both rules in the one user network: the token service on the
  // registry's host, at its own port, tried again while kilnd restarts.
  EXPECT_EQ(After(argv, "-netdev"),
            "user,id=net0,restrict=on,"
            "guestfwd=tcp:10.0.2.100:5000-cmd:/bin/busybox nc 10.1.2.3 5001,"
            "guestfwd=tcp:10.0.2.100:5001-cmd:/bin/busybox sh -c 'i=0; while "
            "[ $i -lt 60 ]; do /bin/busybox nc 10.1.2.3 5002 && exit 0; "
            "i=$((i+1)); /bin/busybox usleep 250000; done; exit 1'");
  const std::string append = After(argv, "-append");
  EXPECT_THAT(append, HasSubstr(" kiln.registry_via=10.0.2.100:5000"));
  EXPECT_THAT(append, HasSubstr(" kiln.registry_token_port=5002"));
  EXPECT_THAT(append, HasSubstr(" kiln.registry_token_via=10.0.2.100:5001"));
}

TEST(QemuCommandTest, RejectsABadTokenServicePort) {
  for (int bad : {-1, 65536, 5000}) {  // 5000: the registry's own port
    QemuCommandSpec spec = Spec();
    spec.registry_token_port = bad;
    EXPECT_THAT(
        QemuCommand(spec).status(),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("token service")))
        << bad;
  }
}

TEST(QemuCommandTest, KvmHasNoTcgOptions) {
  QemuCommandSpec spec = Spec();
  spec.accel = "kvm";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(spec));
  EXPECT_EQ(After(argv, "-accel"), "kvm");
  EXPECT_THAT(After(argv, "-append"), Not(HasSubstr("tsc_early_khz")));
}

TEST(QemuCommandTest, CommasInPathsAreEscaped) {
  QemuCommandSpec spec = Spec();
  spec.log_path = "/data/a,b.log";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> argv, QemuCommand(spec));
  EXPECT_EQ(After(argv, "-chardev", "id=log"),
            "file,id=log,path=/data/a,,b.log,append=on");
  EXPECT_EQ(QemuEscape("a,,b"), "a,,,,b");
}

TEST(QemuCommandTest, RejectsBadInput) {
  QemuCommandSpec spec = Spec();
  spec.registry_host = "no-port";
  EXPECT_THAT(QemuCommand(spec).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("HOST:PORT")));
  spec = Spec();
  spec.accel = "hvf";
  EXPECT_THAT(QemuCommand(spec).status(),
              StatusIs(StatusCode::kInvalidArgument));
  spec = Spec();
  spec.memory_mib = 0;
  EXPECT_THAT(QemuCommand(spec).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(HostFactsTest, TscKhzFromCpuinfo) {
  EXPECT_EQ(TscKhzFromCpuinfo("processor\t: 0\ncpu MHz\t\t: 2100.000\n"),
            2100000);
  EXPECT_EQ(TscKhzFromCpuinfo("cpu MHz\t\t: 2893.204\ncpu MHz : 1\n"), 2893204);
  EXPECT_EQ(TscKhzFromCpuinfo("processor\t: 0\n"), std::nullopt);
  EXPECT_EQ(TscKhzFromCpuinfo("cpu MHz\t: fast\n"), std::nullopt);
}

TEST(HostFactsTest, VirtualizationFlags) {
  EXPECT_TRUE(CpuinfoHasVirtualization("flags\t\t: fpu vme vmx sse\n"));
  EXPECT_TRUE(CpuinfoHasVirtualization("flags\t\t: fpu svm\n"));
  EXPECT_FALSE(CpuinfoHasVirtualization("flags\t\t: fpu vmxe sse\n"));
  EXPECT_FALSE(CpuinfoHasVirtualization("vmx flags\t: ept\n"));
}

}  // namespace
}  // namespace kiln
