// Store transactions that rewrite a Node's allocation together with other
// objects (admission, release on a terminal phase or on delete), retried
// when a concurrent writer changes the Node between the read and the commit
// — the optimistic-concurrency loop of kube-apiserver's GuaranteedUpdate,
// scoped to the Node. Thread-safe (state lives in the Store).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api_types/node.h"
#include "api_types/status.h"
#include "controller/apiserver/resource_keys.h"
#include "controller/store/store.h"

namespace kiln {

// Attempts before a transaction contended on its Node gives up (Unavailable).
inline constexpr int kMaxNodeTxnAttempts = 50;

// Plans one attempt: given the Node as just read (nullptr when it does not
// exist) and its revision, returns the ops to commit, or an error that ends
// the loop (returned as is). Called once per attempt.
using NodeTxnPlanner = std::function<StatusOr<std::vector<TxnOp>>(
    const Node* node, int64_t node_revision)>;

// Reads Node `node_name`, plans, commits. When the commit fails with Aborted
// on the Node's op (the Node changed since the read), reads again and
// replans, up to kMaxNodeTxnAttempts times, then Unavailable. Any other
// commit error — including Aborted on another op — is returned as the Store
// reported it. Internal when the stored Node does not decode.
StatusOr<TxnResult> RunNodeTxn(Store& store, const std::string& node_name,
                               const NodeTxnPlanner& plan);

// Commits `build_op` (whose expected revision guards the Build) together
// with releasing `release` from Node `node_name`'s allocation (clamped at 0;
// skipped when the Node does not exist), via RunNodeTxn. Used when a Build
// reaches a terminal phase or is deleted while holding an allocation.
StatusOr<TxnResult> RunReleaseTxn(Store& store, const std::string& node_name,
                                  const TxnOp& build_op,
                                  const NodeResources& release);

// The op that writes `node` back with expected_revision = `node_revision`.
TxnOp NodeUpdateOp(const Node& node, int64_t node_revision);

// A Node as read from the Store.
struct ReadNodeResult {
  bool found = false;  // false: no such Node (node/revision unset)
  Node node;
  int64_t revision = 0;
};

// Reads and decodes Node `name` (found=false when absent). Errors: Internal
// for a stored Node that does not decode; other Store errors as is.
StatusOr<ReadNodeResult> ReadNode(Store& store, const std::string& name);

}  // namespace kiln
