#include "cmd/kilnctl/interrupts.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <thread>

namespace kiln::kilnctl {
namespace {

std::mutex& Mu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
std::function<void()>& Handler() {  // guarded by Mu()
  static std::function<void()>* h = new std::function<void()>;
  return *h;
}

}  // namespace

void InstallInterruptThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      std::function<void()> h;
      {
        std::lock_guard<std::mutex> lock(Mu());
        h = Handler();
      }
      if (sig == SIGINT && h) {
        h();
      } else {
        _exit(128 + sig);
      }
    }
  }).detach();
}

InterruptScope::InterruptScope(std::function<void()> handler) {
  std::lock_guard<std::mutex> lock(Mu());
  previous_ = std::move(Handler());
  Handler() = std::move(handler);
}

InterruptScope::~InterruptScope() {
  std::lock_guard<std::mutex> lock(Mu());
  Handler() = std::move(previous_);
}

}  // namespace kiln::kilnctl
