// Absolute paths the build knows, for tests that run Kiln's binaries or read
// files of the source tree. Each test target defines the ones it uses with
// kiln_test_paths() in its CMakeLists.txt (cmake/test_paths.cmake); using one
// a target did not define is a link error. Test-only.
#pragma once

namespace kiln::testing {

extern const char kSourceDir[];         // the repository root
extern const char kKilndPath[];         // cmd/kilnd
extern const char kKilnctlPath[];       // cmd/kilnctl
extern const char kKilnAgentPath[];     // cmd/kiln-agent
extern const char kFakeAgentPath[];     // tests/controller/vm/fake_agent
extern const char kCrashWriterPath[];   // tests/controller/store/crash_writer
extern const char kGuestImages[];       // the qemu guest image cache
extern const char kChrootEscapePath[];  // tests/integration/chroot_escape

}  // namespace kiln::testing
