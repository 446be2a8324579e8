// RunRegistryRelay on real loopback sockets, in a thread of the test: a
// "registry" and a "token service" (echo servers run by the test) behind
// it, clients in front.
// Every check waits on a socket (blocking reads), never on time.
#include "controller/vm/registry_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A socket listening on 127.0.0.1 on a port the kernel picks.
// Listens on loopback at *port (0: any free port, stored in *port).
int ListenLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(*port));
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

RelayTarget LoopbackTarget(int port, const char* name = "the registry") {
  RelayTarget target;
  target.name = name;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  memcpy(&target.addr, &addr, sizeof(addr));
  target.addr_len = sizeof(addr);
  snprintf(target.description, sizeof(target.description), "127.0.0.1:%d",
           port);
  return target;
}

RelayTarget TokenServiceTarget(int port) {
  return LoopbackTarget(port, "the registry's token service");
}

bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Everything `fd` sends until it half-closes (or errors).
std::string ReadToEof(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// An echo server: each connection gets back what it sent, then a
// half-close once the client half-closed. Counts connections and the ones
// that reached EOF (closed by the peer).
class EchoServer {
 public:
  EchoServer() {
    fd_ = ListenLoopback(&port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    for (std::thread& t : workers_) t.join();
    close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int finished() const { return finished_.load(); }

 private:
  void Serve() {
    while (true) {
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++accepted_;
      workers_.emplace_back([this, c] {
        char buf[8192];
        while (true) {
          const ssize_t n = recv(c, buf, sizeof(buf), 0);
          if (n <= 0) break;
          if (!SendAll(c, std::string(buf, static_cast<size_t>(n)))) break;
        }
        shutdown(c, SHUT_WR);
        close(c);
        ++finished_;
      });
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> finished_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;  // only touched by thread_
};

class RegistryRelayTest : public ::testing::Test {
 protected:
  void TearDown() override { Stop(); }

  // Runs the relay in front of `target_port` with `limits`.
  void Start(int target_port, RelayLimits limits) {
    StartRoutes({LoopbackTarget(target_port)}, limits);
  }
  // relay_ports_[0] to the registry at `registry_port`, [1] to its token
  // service at `token_port`, with 4 KiB buffers.
  void StartRegistryAndTokenService(int registry_port, int token_port,
                                    int max_connections) {
    StartRoutes({LoopbackTarget(registry_port), TokenServiceTarget(token_port)},
                {.max_connections = max_connections, .buffer_bytes = 4096});
  }

  // Runs the relay with one listener per target (relay_ports_[i] leads to
  // targets[i]) with `limits`.
  void StartRoutes(const std::vector<RelayTarget>& targets,
                   RelayLimits limits) {
    for (const RelayTarget& target : targets) {
      RelayRoute route;
      int port = 0;
      route.listen_fd = ListenLoopback(&port);
      ASSERT_GE(route.listen_fd, 0);
      route.target = target;
      routes_.push_back(route);
      relay_ports_.push_back(port);
    }
    relay_port_ = relay_ports_.front();
    ASSERT_EQ(pipe2(stop_, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(log_, O_CLOEXEC | O_NONBLOCK), 0);
    thread_ = std::thread([this, limits] {
      result_ = RunRegistryRelay(routes_, limits, stop_[0], log_[1]);
    });
  }
  // Stops the relay; returns what it returned.
  int Stop() {
    if (!thread_.joinable()) return result_;
    (void)!write(stop_[1], "x", 1);
    thread_.join();
    for (int fd : {stop_[0], stop_[1], log_[1]}) close(fd);
    for (const RelayRoute& route : routes_) close(route.listen_fd);
    return result_;
  }
  std::string Log() {
    char buf[4096];
    const ssize_t n = read(log_[0], buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  std::vector<RelayRoute> routes_;
  std::vector<int> relay_ports_;
  int relay_port_ = 0;  // relay_ports_[0]
  int stop_[2] = {-1, -1};
  int log_[2] = {-1, -1};
  int result_ = -1;
  std::thread thread_;
};

TEST_F(RegistryRelayTest, ForwardsBothWaysThroughSmallBuffersWithHalfClose) {
  EchoServer server;
  // Buffers far smaller than the data: many round trips per connection.
  Start(server.port(), {.max_connections = 4, .buffer_bytes = 1024});
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const int c = ConnectLoopback(relay_port_);
  ASSERT_GE(c, 0);
  std::thread writer([&] {
    EXPECT_TRUE(SendAll(c, data));
    shutdown(c, SHUT_WR);  // the server sees EOF only through the relay
  });
  const std::string echoed = ReadToEof(c);
  writer.join();
  close(c);
  EXPECT_EQ(echoed.size(), data.size());
  EXPECT_TRUE(echoed == data);
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(Stop(), 0);
}

TEST_F(RegistryRelayTest, ConnectionsPastTheLimitAreClosedAtOnce) {
  EchoServer server;
  Start(server.port(), {.max_connections = 2, .buffer_bytes = 4096});
  const int a = ConnectLoopback(relay_port_);
  const int b = ConnectLoopback(relay_port_);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // Round trips prove both hold a slot.
  for (int fd : {a, b}) {
    ASSERT_TRUE(SendAll(fd, "ping"));
    char buf[4];
    ASSERT_EQ(recv(fd, buf, sizeof(buf), MSG_WAITALL), 4);
  }
  const int refused = ConnectLoopback(relay_port_);
  ASSERT_GE(refused, 0);
  EXPECT_EQ(ReadToEof(refused), "");  // closed without reaching the server
  close(refused);
  EXPECT_EQ(server.accepted(), 2);
  // A slot freed is a slot to use again.
  shutdown(a, SHUT_WR);
  EXPECT_EQ(ReadToEof(a), "");
  close(a);
  const int again = ConnectLoopback(relay_port_);
  ASSERT_TRUE(SendAll(again, "pong"));
  shutdown(again, SHUT_WR);
  EXPECT_EQ(ReadToEof(again), "pong");
  close(again);
  close(b);
  EXPECT_EQ(Stop(), 0);
}

TEST_F(RegistryRelayTest, StoppingClosesEveryConnectionOnBothSides) {
  EchoServer server;
  Start(server.port(), {.max_connections = 8, .buffer_bytes = 4096});
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) {
    const int c = ConnectLoopback(relay_port_);
    ASSERT_GE(c, 0);
    ASSERT_TRUE(SendAll(c, "x"));
    char buf;
    ASSERT_EQ(recv(c, &buf, 1, 0), 1);
    clients.push_back(c);
  }
  EXPECT_EQ(server.accepted(), 3);
  EXPECT_EQ(Stop(), 0);
  for (int c : clients) {
    EXPECT_EQ(ReadToEof(c), "");  // the relay's side is gone
    close(c);
  }
  // ~EchoServer joins every connection's worker: each saw its EOF.
}

TEST_F(RegistryRelayTest, UnreachableRegistryAnswers502NamingIt) {
  int dead_port = 0;
  const int dead = ListenLoopback(&dead_port);
  close(dead);  // nothing listens there now
  Start(dead_port, {.max_connections = 2, .buffer_bytes = 4096});
  const int c = ConnectLoopback(relay_port_);
  ASSERT_GE(c, 0);
  // Nothing before the request: an HTTP client (Go's, in buildah) that
  // finds a response on a connection it has not written to yet drops it
  // ("readLoopPeekFailLocked") instead of reading the 502.
  pollfd early = {c, POLLIN, 0};
  EXPECT_EQ(poll(&early, 1, 300), 0) << "the relay answered before the request";
  ASSERT_TRUE(SendAll(c, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string response = ReadToEof(c);
  close(c);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(response,
              HasSubstr("cannot reach the registry 127.0.0.1:" +
                        std::to_string(dead_port) + ": connection refused"));
  EXPECT_EQ(Stop(), 0);
  EXPECT_THAT(Log(), HasSubstr("connection refused"));
}

// What a round trip of "ping" through the relay listening on `port`
// brings back ("" when the connection fails).
std::string Ping(int port) {
  const int c = ConnectLoopback(port);
  if (c < 0) return "";
  const bool sent = SendAll(c, "ping");
  shutdown(c, SHUT_WR);
  const std::string reply = sent ? ReadToEof(c) : "";
  close(c);
  return reply;
}

TEST_F(RegistryRelayTest, EachListenerForwardsToItsOwnTarget) {
  EchoServer registry, token_service;
  StartRegistryAndTokenService(registry.port(), token_service.port(), 4);
  EXPECT_EQ(Ping(relay_ports_[1]), "ping");
  EXPECT_EQ(token_service.accepted(), 1);
  EXPECT_EQ(registry.accepted(), 0);
  EXPECT_EQ(Ping(relay_ports_[0]), "ping");
  EXPECT_EQ(Ping(relay_ports_[0]), "ping");
  EXPECT_EQ(registry.accepted(), 2);
  EXPECT_EQ(token_service.accepted(), 1);
  EXPECT_EQ(Stop(), 0);
}

TEST_F(RegistryRelayTest, ConnectionLimitCountsEveryListener) {
  EchoServer registry, token_service;
  StartRegistryAndTokenService(registry.port(), token_service.port(), 2);
  // One connection through each listener: the limit is reached.
  const int a = ConnectLoopback(relay_ports_[0]);
  const int b = ConnectLoopback(relay_ports_[1]);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  for (int fd : {a, b}) {
    ASSERT_TRUE(SendAll(fd, "ping"));
    char buf[4];
    ASSERT_EQ(recv(fd, buf, sizeof(buf), MSG_WAITALL), 4);
  }
  for (int port : relay_ports_) {
    const int refused = ConnectLoopback(port);
    ASSERT_GE(refused, 0);
    EXPECT_EQ(ReadToEof(refused), "") << "through the listener on " << port;
    close(refused);
  }
  EXPECT_EQ(registry.accepted(), 1);
  EXPECT_EQ(token_service.accepted(), 1);
  // The registry's slot freed serves the token service's listener.
  shutdown(a, SHUT_WR);
  EXPECT_EQ(ReadToEof(a), "");
  close(a);
  EXPECT_EQ(Ping(relay_ports_[1]), "ping");
  EXPECT_EQ(token_service.accepted(), 2);
  close(b);
  EXPECT_EQ(Stop(), 0);
}

TEST_F(RegistryRelayTest, UnreachableTokenServiceAnswers502NamingIt) {
  EchoServer registry;
  int dead_port = 0;
  const int dead = ListenLoopback(&dead_port);
  close(dead);  // nothing listens there now
  StartRoutes({LoopbackTarget(registry.port()), TokenServiceTarget(dead_port)},
              {.max_connections = 2, .buffer_bytes = 4096});
  const int c = ConnectLoopback(relay_ports_[1]);
  ASSERT_GE(c, 0);
  ASSERT_TRUE(SendAll(c, "GET /token HTTP/1.1\r\nHost: x\r\n\r\n"));
  shutdown(c, SHUT_WR);  // were it relayed to the registry, echo and end
  const std::string response = ReadToEof(c);
  close(c);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(response,
              HasSubstr("cannot reach the registry's token service 127.0.0.1:" +
                        std::to_string(dead_port) + ": connection refused"));
  // The registry's listener is unaffected.
  EXPECT_EQ(Ping(relay_ports_[0]), "ping");
  EXPECT_EQ(Stop(), 0);
  EXPECT_THAT(Log(), HasSubstr("the registry's token service 127.0.0.1:" +
                               std::to_string(dead_port)));
}

// The token service restarts with kilnd: a target with retry_refused_ms
// that refuses is tried again, and the client's request, kept waiting, is
// relayed once it listens.
TEST_F(RegistryRelayTest, RefusedTargetWithRetryIsReachedOnceItListens) {
  int late_port = 0;
  close(ListenLoopback(&late_port));  // nothing listens there yet
  RelayTarget target = TokenServiceTarget(late_port);
  target.retry_refused_ms = 10000;
  StartRoutes({target}, {.max_connections = 2, .buffer_bytes = 4096});
  const int c = ConnectLoopback(relay_ports_[0]);
  ASSERT_GE(c, 0);
  ASSERT_TRUE(SendAll(c, "ping"));
  shutdown(c, SHUT_WR);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  int port = late_port;
  const int listener = ListenLoopback(&port);
  ASSERT_GE(listener, 0) << "port " << late_port << " was taken meanwhile";
  const int served = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(served, 0);
  EXPECT_EQ(ReadToEof(served), "ping");
  ASSERT_TRUE(SendAll(served, "pong"));
  close(served);
  close(listener);
  EXPECT_EQ(ReadToEof(c), "pong");
  close(c);
  EXPECT_EQ(Stop(), 0);
}

// ... but only for retry_refused_ms: then the client gets the 502.
TEST_F(RegistryRelayTest, RefusedTargetWithRetryAnswers502AfterItsWindow) {
  int dead_port = 0;
  close(ListenLoopback(&dead_port));
  RelayTarget target = TokenServiceTarget(dead_port);
  target.retry_refused_ms = 600;
  StartRoutes({target}, {.max_connections = 2, .buffer_bytes = 4096});
  const auto start = std::chrono::steady_clock::now();
  const int c = ConnectLoopback(relay_ports_[0]);
  ASSERT_GE(c, 0);
  ASSERT_TRUE(SendAll(c, "GET /token HTTP/1.1\r\nHost: x\r\n\r\n"));
  shutdown(c, SHUT_WR);
  const std::string response = ReadToEof(c);
  close(c);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(500));
  EXPECT_THAT(response, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_EQ(Stop(), 0);
}

TEST(RegistryRelayLimitsTest, RejectsZeroLimits) {
  const RelayRoute route{.listen_fd = -1, .target = LoopbackTarget(1)};
  EXPECT_EQ(RunRegistryRelay({&route, 1}, {.max_connections = 0}, -1, -1),
            EINVAL);
}

TEST(RegistryRelayLimitsTest, RejectsNoRoutesAndTooMany) {
  EXPECT_EQ(RunRegistryRelay({}, RelayLimits{}, -1, -1), EINVAL);
  const std::vector<RelayRoute> routes(kMaxRelayRoutes + 1);
  EXPECT_EQ(RunRegistryRelay(routes, RelayLimits{}, -1, -1), EINVAL);
}

}  // namespace
}  // namespace kiln
