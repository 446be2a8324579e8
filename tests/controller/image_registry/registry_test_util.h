// Helpers for the registry tests: temporary directories, free loopback
// ports, and a TCP listener that answers garbage. Test-only.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/testing/temp_dir.h"

namespace kiln {

using testing::TempDir;

// Binds 127.0.0.1:0 and returns the socket (listening when `listen`).
inline int BindLoopback(bool listen_now) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  if (listen_now) {
    EXPECT_EQ(listen(fd, 16), 0);
  }
  return fd;
}

inline int PortOf(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// "127.0.0.1:PORT" of a port that was free a moment ago.
inline std::string FreeLoopbackAddress() {
  const int fd = BindLoopback(false);
  const int port = PortOf(fd);
  close(fd);
  return "127.0.0.1:" + std::to_string(port);
}

// Accepts connections on a loopback port and answers each with bytes that
// are not HTTP, then closes it. Stops on destruction.
class GarbageListener {
 public:
  GarbageListener() : fd_(BindLoopback(true)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~GarbageListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  GarbageListener(const GarbageListener&) = delete;
  GarbageListener& operator=(const GarbageListener&) = delete;

  std::string address() const {
    return "127.0.0.1:" + std::to_string(PortOf(fd_));
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, 50) <= 0) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      char buf[1024];
      (void)!read(conn, buf, sizeof(buf));
      static constexpr char kGarbage[] = "SSH-2.0-not-a-registry\r\n\r\n";
      (void)!write(conn, kGarbage, sizeof(kGarbage) - 1);
      close(conn);
    }
  }

  const int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kiln
