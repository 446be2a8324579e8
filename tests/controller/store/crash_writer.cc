// crash_writer: a helper process for crash_durability_test. Not a test.
//
// Usage: crash_writer DB_PATH THREADS
//
// Opens a SqliteStore at DB_PATH, prints "READY", then writes forever from
// THREADS threads: each thread updates (or creates) its own 16 objects
// /builds/crash/t<T>-k<K>, every fifth write as a two-object Txn. After each
// acknowledged write it prints one line per written object
//
//   ACK <path> <revision>
//
// and flushes, so whatever the parent has read was acknowledged before it
// was printed. The parent kills it with SIGKILL at a random moment. Errors go
// to stderr and exit with status 1.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/store.h"

namespace kiln {
namespace {

constexpr int kKeysPerThread = 16;

std::mutex stdout_mu;

void PrintAcks(const std::vector<StoredObject>& objects) {
  std::lock_guard<std::mutex> lock(stdout_mu);
  for (const StoredObject& obj : objects) {
    std::fprintf(stdout, "ACK %s %lld\n", obj.key.Path().c_str(),
                 static_cast<long long>(obj.revision));
  }
  std::fflush(stdout);
}

[[noreturn]] void Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "crash_writer: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

nlohmann::json Value(const ObjectKey& key, int thread, int64_t n) {
  return {{"apiVersion", "kiln.dev/v1"},
          {"kind", "Object"},
          {"metadata", {{"name", key.name}, {"namespace", key.namespace_}}},
          {"spec", {{"thread", thread}, {"n", n}}}};
}

// Updates `key`, creating it when absent (a previous run may or may not
// have created it).
StoredObject Put(Store& store, const ObjectKey& key, nlohmann::json value) {
  StatusOr<StoredObject> updated = store.Update(key, value, std::nullopt);
  if (updated.ok()) return *updated;
  if (updated.status().code() != StatusCode::kNotFound) {
    Fail("update " + key.Path(), updated.status());
  }
  StatusOr<StoredObject> created = store.Create(key, std::move(value));
  if (!created.ok()) Fail("create " + key.Path(), created.status());
  return *created;
}

void WriteForever(Store& store, int thread) {
  std::vector<bool> known(kKeysPerThread, false);
  auto key_of = [thread](int k) {
    return ObjectKey{"builds", "crash",
                     "t" + std::to_string(thread) + "-k" + std::to_string(k)};
  };
  for (int64_t n = 0;; ++n) {
    const int k = static_cast<int>(n % kKeysPerThread);
    const int k2 = (k + 1) % kKeysPerThread;
    if (n % 5 == 4 && known[k] && known[k2]) {
      StatusOr<TxnResult> result =
          store.Txn({TxnOp::Update(key_of(k), Value(key_of(k), thread, n)),
                     TxnOp::Update(key_of(k2), Value(key_of(k2), thread, n))});
      if (!result.ok()) Fail("txn", result.status());
      PrintAcks(result->objects);
      continue;
    }
    PrintAcks({Put(store, key_of(k), Value(key_of(k), thread, n))});
    known[k] = true;
  }
}

int Main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_writer DB_PATH THREADS\n");
    return 2;
  }
  SqliteStoreOptions options;
  options.path = argv[1];
  const int threads = std::atoi(argv[2]);
  StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  if (!store.ok()) Fail("open " + options.path, store.status());
  {
    std::lock_guard<std::mutex> lock(stdout_mu);
    std::fprintf(stdout, "READY\n");
    std::fflush(stdout);
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&store, t] { WriteForever(**store, t); });
  }
  for (std::thread& worker : workers) worker.join();  // Never returns.
  return 0;
}

}  // namespace
}  // namespace kiln

int main(int argc, char** argv) { return kiln::Main(argc, argv); }
