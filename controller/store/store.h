// Store: the Kubernetes storage contract over JSON objects (the etcd3 / kine
// model), independent of any one backend or host.
//
// Every successful write bumps one global revision (exposed to clients as
// metadata.resourceVersion). Objects are JSON values addressed by ObjectKey;
// the store writes metadata.resourceVersion into every value it stores and
// returns, and reads metadata.labels for selectors. It knows nothing else of
// the object's shape: typed codecs live in api_types/.
//
// Thread-safety: all methods are thread-safe. Implementations never call
// user code while holding internal locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/label_selector.h"
#include "api_types/status.h"

namespace kiln {

// Identifies one object. Cluster-scoped resources have an empty namespace_.
struct ObjectKey {
  std::string resource;    // plural, e.g. "builds", "nodes", "events"
  std::string namespace_;  // "" for cluster-scoped resources
  std::string name;

  // Storage path: "/builds/default/hello", "/nodes/node-a".
  std::string Path() const;
  // Inverse of Path(). InvalidArgument for a malformed path.
  static StatusOr<ObjectKey> FromPath(const std::string& path);
  // OK when resource and name are non-empty and no part contains '/', so
  // FromPath(Path()) gives the key back. Every Store call with a key
  // returns this InvalidArgument for a key that fails it.
  Status Validate() const;
  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

// One stored object at one revision.
struct StoredObject {
  ObjectKey key;
  int64_t revision = 0;  // revision of the write that produced `value`
  nlohmann::json value;  // metadata.resourceVersion == to_string(revision)
};

// Which objects: all of `resource`, or one namespace of it.
struct ResourceScope {
  std::string resource;
  std::optional<std::string> namespace_;  // nullopt = all namespaces
};

struct ListOptions {
  ResourceScope scope;
  LabelSelector selector;
  // 0 = no limit. With a limit, at most `limit` items are returned and
  // `continue_token` is set when more may follow.
  int64_t limit = 0;
  // From a previous ListResult; the page is read at that list's revision, so
  // pages are consistent with each other. OutOfRange when that revision has
  // been compacted (the client must list again); InvalidArgument when the
  // token is malformed or belongs to another scope/selector.
  std::string continue_token;
};

struct ListResult {
  std::vector<StoredObject> items;  // ordered by key path
  int64_t revision = 0;             // the revision the list was read at
  std::string continue_token;       // "" on the last page
  // Matching objects after this page when known cheaply, else nullopt.
  std::optional<int64_t> remaining;
};

// One write of a Txn. Preconditions are checked against the latest state.
struct TxnOp {
  enum class Kind {
    kCreate,  // AlreadyExists when present
    kUpdate,  // NotFound when absent; Aborted when expected_revision is stale
    kDelete,  // NotFound when absent; Aborted when expected_revision is stale
    kCheck,   // writes nothing; NotFound / Aborted as kUpdate
  };
  Kind kind = Kind::kCreate;
  ObjectKey key;
  nlohmann::json value;  // kCreate/kUpdate: the object to store
  std::optional<int64_t> expected_revision;

  static TxnOp Create(ObjectKey key, nlohmann::json value);
  static TxnOp Update(ObjectKey key, nlohmann::json value,
                      std::optional<int64_t> expected_revision = std::nullopt);
  static TxnOp Delete(ObjectKey key,
                      std::optional<int64_t> expected_revision = std::nullopt);
  static TxnOp Check(ObjectKey key, int64_t expected_revision);
};

struct TxnResult {
  // One entry per op, in order: the stored object (kCreate/kUpdate), the last
  // state with the deletion's revision (kDelete), the current object (kCheck).
  std::vector<StoredObject> objects;
  // The revision of the txn's last write; for a check-only txn, the store
  // revision it was checked at.
  int64_t revision = 0;
};

enum class WatchEventType { kAdded, kModified, kDeleted };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  StoredObject object;  // for kDeleted: last state, revision = deletion's
};

// A stream of changes, in revision order, with no gaps and no duplicates.
// Thread-safety: one consumer thread at a time; Cancel() from any thread.
class Watcher {
 public:
  virtual ~Watcher() = default;
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Waits up to `timeout` for the next event. Returns:
  //   an event;
  //   nullopt when the timeout passed with no event (still open);
  //   Status ResourcesExhausted when the watcher fell too far behind and was
  //     dropped (resume with a new Watch from LastRevision());
  //   Status Unavailable when the watcher or the store was closed.
  virtual StatusOr<std::optional<WatchEvent>> Next(
      std::chrono::milliseconds timeout) = 0;

  // Registers `notify`, called (from a store thread, without locks held;
  // it must not block) whenever Next() may have something new. Replaces any
  // previous callback. For event-loop consumers that do not park a thread.
  virtual void SetNotify(std::function<void()> notify) = 0;

  // The revision of the last change this watcher has consumed (returned by
  // Next(), or passed over because the selector hid it), or the starting
  // revision: the point to resume from.
  virtual int64_t LastRevision() const = 0;

  // Stops the stream; Next() then returns Unavailable. Idempotent.
  virtual void Cancel() = 0;

 protected:
  Watcher() = default;
};

struct WatchOptions {
  ResourceScope scope;
  LabelSelector selector;
  // Deliver every change with revision > from_revision. OutOfRange when
  // from_revision is below the compacted revision.
  int64_t from_revision = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores a new object. AlreadyExists when the key is present;
  // InvalidArgument when `value` is not a JSON object.
  virtual StatusOr<StoredObject> Create(const ObjectKey& key,
                                        nlohmann::json value) = 0;

  // NotFound when absent.
  virtual StatusOr<StoredObject> Get(const ObjectKey& key) = 0;

  virtual StatusOr<ListResult> List(const ListOptions& options) = 0;

  // Replaces an existing object. NotFound when absent; Aborted when
  // `expected_revision` is set and is not the object's current revision.
  virtual StatusOr<StoredObject> Update(
      const ObjectKey& key, nlohmann::json value,
      std::optional<int64_t> expected_revision) = 0;

  // Removes an object; returns its last state. NotFound / Aborted as Update.
  virtual StatusOr<StoredObject> Delete(
      const ObjectKey& key, std::optional<int64_t> expected_revision) = 0;

  // Applies all ops atomically, or none. On failure returns the first failing
  // op's error, prefixed with "op N (path)"; nothing is written. An empty or
  // duplicate-key op list is InvalidArgument.
  virtual StatusOr<TxnResult> Txn(std::vector<TxnOp> ops) = 0;

  // Streams changes after options.from_revision (see WatchOptions). A
  // from_revision above CurrentRevision() is allowed: the watch starts
  // delivering once the store reaches it.
  virtual StatusOr<std::unique_ptr<Watcher>> Watch(
      const WatchOptions& options) = 0;

  // The revision of the last acknowledged write (0 for an empty store).
  virtual int64_t CurrentRevision() = 0;

  // Oldest revision still watchable: Watch/continue below it is OutOfRange.
  virtual int64_t CompactedRevision() = 0;

 protected:
  Store() = default;
};

}  // namespace kiln
