// QmpExecute and SendSocketLine against a scripted unix-socket server.
#include "controller/vm/qmp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

// Accepts one connection and answers each line read with the next reply
// (after `greeting`); records what it read.
class FakeServer {
 public:
  FakeServer(std::string greeting, std::vector<std::string> replies) {
    char tmpl[] = "/tmp/qmp-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/s.sock";
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    thread_ = std::thread([this, greeting, replies] {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      if (!greeting.empty()) (void)!write(c, greeting.data(), greeting.size());
      size_t next = 0;
      char buf[512];
      ssize_t n;
      while ((n = read(c, buf, sizeof(buf))) > 0) {
        received_.append(buf, static_cast<size_t>(n));
        if (next < replies.size()) {
          (void)!write(c, replies[next].data(), replies[next].size());
          ++next;
        }
      }
      close(c);
    });
  }
  ~FakeServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  // Valid once the client closed (the thread ended).
  std::string Received() {
    thread_.join();
    thread_ = std::thread([] {});
    return received_;
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
  std::thread thread_;
  std::string received_;
};

constexpr char kGreeting[] = "{\"QMP\": {\"version\": {}}}\n";
constexpr auto kTimeout = std::chrono::seconds(5);

TEST(QmpTest, NegotiatesAndReturnsTheResultSkippingEvents) {
  FakeServer server(kGreeting,
                    {"{\"return\": {}}\n",
                     "{\"event\": \"RESUME\"}\n{\"return\": {\"status\": "
                     "\"running\", \"running\": true}}\n"});
  ASSERT_OK_AND_ASSIGN(nlohmann::json r,
                       QmpExecute(server.path(), "query-status", kTimeout));
  EXPECT_EQ(r["status"], "running");
  EXPECT_THAT(server.Received(), HasSubstr("{\"execute\":\"query-status\"}\n"));
}

TEST(QmpTest, ErrorReplyIsInternal) {
  FakeServer server(kGreeting,
                    {"{\"return\": {}}\n",
                     "{\"error\": {\"class\": \"CommandNotFound\"}}\n"});
  EXPECT_THAT(QmpExecute(server.path(), "nope", kTimeout).status(),
              StatusIs(StatusCode::kInternal, HasSubstr("CommandNotFound")));
}

TEST(QmpTest, SilentServerIsUnavailable) {
  FakeServer server("", {});
  EXPECT_THAT(
      QmpExecute(server.path(), "query-status", std::chrono::milliseconds(200))
          .status(),
      StatusIs(StatusCode::kUnavailable));
}

TEST(QmpTest, NoSocketIsUnavailable) {
  EXPECT_THAT(
      QmpExecute("/nonexistent/qmp.sock", "query-status", kTimeout).status(),
      StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(SendSocketLine("/nonexistent/cmd.sock", "cancel", kTimeout),
              StatusIs(StatusCode::kUnavailable));
}

TEST(QmpTest, SendSocketLineWritesOneLine) {
  FakeServer server("", {});
  ASSERT_OK(SendSocketLine(server.path(), "cancel", kTimeout));
  EXPECT_EQ(server.Received(), "cancel\n");
}

}  // namespace
}  // namespace kiln
