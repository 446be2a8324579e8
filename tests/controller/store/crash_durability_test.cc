// Durability of SqliteStore under kill -9: every write acknowledged to a
// client before the process died is on disk afterwards, the file is intact,
// and the store carries on (new writes, watch from before the crash).
//
// crash_writer (a separate process, kCrashWriterPath) writes in a loop and
// prints "ACK <path> <revision>" after each acknowledged write; this test
// SIGKILLs it after a random (seeded) 50-500 ms, several rounds on the same
// database, and checks the acknowledged writes against the reopened store.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/status_matchers.h"

extern char** environ;

namespace kiln {
namespace {

constexpr int kRounds = 8;
constexpr int kWriterThreads = 4;

struct Ack {
  std::string path;
  int64_t revision = 0;
};

// One crash_writer process with its stdout piped to a reader thread.
class CrashWriter {
 public:
  CrashWriter() = default;
  CrashWriter(const CrashWriter&) = delete;
  CrashWriter& operator=(const CrashWriter&) = delete;
  ~CrashWriter() { Kill(); }

  Status Start(const std::string& db_path) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return InternalError(std::string("pipe2: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    const std::string threads = std::to_string(kWriterThreads);
    std::vector<char*> argv = {const_cast<char*>(testing::kCrashWriterPath),
                               const_cast<char*>(db_path.c_str()),
                               const_cast<char*>(threads.c_str()), nullptr};
    const int rc = posix_spawn(&pid_, testing::kCrashWriterPath, &actions,
                               nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      pid_ = -1;
      return InternalError(std::string("posix_spawn ") +
                           testing::kCrashWriterPath + ": " +
                           std::strerror(rc));
    }
    reader_ = std::thread([this, fd = fds[0]] { ReadLines(fd); });
    return OkStatus();
  }

  // Waits until the writer has opened the store (or died).
  bool WaitReady() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      return ready_ || eof_;
    }) && ready_;
  }

  // SIGKILLs the writer, reaps it and drains its output. Idempotent.
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      killed_by_sigkill_ = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();
  }

  // REQUIRES: Kill() returned.
  const std::vector<Ack>& acks() const { return acks_; }
  bool killed_by_sigkill() const { return killed_by_sigkill_; }
  const std::vector<std::string>& bad_lines() const { return bad_lines_; }

 private:
  void ReadLines(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t end; (end = buffer.find('\n', start)) != std::string::npos;
           start = end + 1) {
        HandleLine(buffer.substr(start, end - start));
      }
      buffer.erase(0, start);  // Keep a partial last line for later.
    }
    // A partial line at EOF was cut by the kill: not a complete ack.
    close(fd);
    std::lock_guard<std::mutex> lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  void HandleLine(const std::string& line) {
    if (line == "READY") {
      std::lock_guard<std::mutex> lock(mu_);
      ready_ = true;
      cv_.notify_all();
      return;
    }
    std::istringstream in(line);
    std::string tag;
    Ack ack;
    if (in >> tag >> ack.path >> ack.revision && tag == "ACK") {
      acks_.push_back(std::move(ack));
    } else {
      bad_lines_.push_back(line);
    }
  }

  pid_t pid_ = -1;
  std::thread reader_;
  bool killed_by_sigkill_ = false;
  // Written by the reader thread; read after it is joined.
  std::vector<Ack> acks_;
  std::vector<std::string> bad_lines_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;  // Guarded by mu_.
  bool eof_ = false;    // Guarded by mu_.
};

TEST(CrashDurabilityTest, AcknowledgedWritesSurviveKill9) {
  ScopedTempDir dir;
  const std::filesystem::path db_path = SqliteTestDbPath(dir.path());
  std::mt19937 rng(20240611);  // Fixed seed: the same delays every run.
  std::uniform_int_distribution<int> delay_ms(50, 500);
  int64_t revision_before_round = 0;
  size_t total_acks = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int delay = delay_ms(rng);
    CrashWriter writer;
    ASSERT_OK(writer.Start(db_path.string()));
    ASSERT_TRUE(writer.WaitReady()) << "crash_writer did not open the store";
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    writer.Kill();
    ASSERT_TRUE(writer.killed_by_sigkill()) << "crash_writer exited by itself";
    EXPECT_THAT(writer.bad_lines(), ::testing::IsEmpty());
    total_acks += writer.acks().size();

    // Highest acknowledged revision per key, and overall.
    std::map<std::string, int64_t> acked;
    int64_t max_ack = 0;
    int64_t min_ack = INT64_MAX;
    for (const Ack& ack : writer.acks()) {
      acked[ack.path] = std::max(acked[ack.path], ack.revision);
      max_ack = std::max(max_ack, ack.revision);
      min_ack = std::min(min_ack, ack.revision);
    }
    if (!writer.acks().empty()) {
      EXPECT_GT(min_ack, revision_before_round)
          << "a revision from before the crash was reused";
    }

    // The file survived: WAL recovery by a plain SQLite connection first.
    EXPECT_THAT(SqliteQueryText(db_path, "PRAGMA integrity_check"),
                IsOkAndHolds(std::string("ok")));

    SqliteStoreOptions options;
    options.path = db_path.string();
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store,
                         SqliteStore::Open(options));
    EXPECT_GE(store->CurrentRevision(), max_ack);
    for (const auto& [path, revision] : acked) {
      ASSERT_OK_AND_ASSIGN(ObjectKey key, ObjectKey::FromPath(path));
      StatusOr<StoredObject> got = store->Get(key);
      ASSERT_THAT(got, IsOk())
          << "acknowledged " << path << " at " << revision << " is lost";
      EXPECT_GE(got->revision, revision) << path << " rolled back";
      EXPECT_THAT(*got, HasConsistentResourceVersion());
    }

    // It takes new writes...
    const ObjectKey marker =
        BuildKey("markers", "round-" + std::to_string(round));
    const int64_t before_write = store->CurrentRevision();
    ASSERT_OK_AND_ASSIGN(StoredObject written,
                         store->Create(marker, MakeObject(marker)));
    EXPECT_GT(written.revision, before_write);

    // ...and a watch from before this round replays every acknowledged write
    // of the round, in order, up to the new one.
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                         store->Watch(WatchFrom(AllNamespaces("builds"),
                                                revision_before_round)));
    ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events,
                         EventsThrough(*watcher, written.revision));
    std::map<int64_t, std::string> replayed;
    int64_t previous = revision_before_round;
    for (const WatchEvent& event : events) {
      EXPECT_GT(event.object.revision, previous) << "watch out of order";
      previous = event.object.revision;
      replayed[event.object.revision] = event.object.key.Path();
    }
    for (const Ack& ack : writer.acks()) {
      auto it = replayed.find(ack.revision);
      ASSERT_NE(it, replayed.end())
          << "acknowledged revision " << ack.revision << " missing from watch";
      EXPECT_EQ(it->second, ack.path) << "revision " << ack.revision;
    }
    EXPECT_EQ(events.back().object.revision, written.revision);

    revision_before_round = store->CurrentRevision();
  }
  EXPECT_GT(total_acks, 0u) << "crash_writer never acknowledged a write";
  RecordProperty("acknowledged_writes", static_cast<int>(total_acks));
}

}  // namespace
}  // namespace kiln
