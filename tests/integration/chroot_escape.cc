// chroot_escape: the classic escape from a chroot(2) jail, for the process
// sandbox test only (process_sandbox_test.cc copies it into a build and runs
// it in a RUN step). With CAP_SYS_CHROOT, a process chroots into a
// subdirectory without moving its working directory, climbs out with "..",
// and makes the real root its root again; then it execs argv[1..].
//
// Built static (the build's busybox rootfs has no C library) without the
// sanitizers, by tests/integration/CMakeLists.txt.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: chroot_escape PROGRAM [ARG...]\n");
    return 2;
  }
  mkdir("/.escape", 0700);
  if (chroot("/.escape") != 0) {
    std::perror("chroot /.escape");
    return 1;
  }
  for (int i = 0; i < 64; ++i) {
    if (chdir("..") != 0) break;
  }
  if (chroot(".") != 0) {
    std::perror("chroot .");
    return 1;
  }
  execv(argv[1], argv + 1);
  std::perror("execv");
  return 127;
}
