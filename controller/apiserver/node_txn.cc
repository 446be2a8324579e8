#include "controller/apiserver/node_txn.h"

#include <string>
#include <utility>

#include "api_types/node_json.h"
#include "controller/apiserver/admission.h"
#include "controller/base/mutex.h"

namespace kiln {
namespace {

// True when `status` is the Store's Aborted for the op on `key` in a
// multi-op txn ("op N (/nodes/x): ...").
bool IsAbortedOn(const Status& status, const ObjectKey& key) {
  if (status.code() != StatusCode::kAborted) return false;
  return status.message().find(" (" + key.Path() + "): ") != std::string::npos;
}

}  // namespace

StatusOr<ReadNodeResult> ReadNode(Store& store, const std::string& name) {
  ReadNodeResult result;
  StatusOr<StoredObject> stored = store.Get(NodeObjectKey(name));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return result;
    return stored.status();
  }
  StatusOr<Node> node = NodeFromJson(stored->value);
  if (!node.ok()) {
    return InternalError("stored node \"" + name +
                         "\" does not decode: " + node.status().message());
  }
  result.found = true;
  result.node = std::move(node).value();
  result.revision = stored->revision;
  return result;
}

TxnOp NodeUpdateOp(const Node& node, int64_t node_revision) {
  return TxnOp::Update(NodeObjectKey(node.metadata.name), ToJson(node),
                       node_revision);
}

StatusOr<TxnResult> RunNodeTxn(Store& store, const std::string& node_name,
                               const NodeTxnPlanner& plan) {
  // Node transactions of this process run one at a time: without this, every
  // create in a group-commit batch raced for the same Node revision and, with
  // 16+ concurrent clients, some gave up after kMaxNodeTxnAttempts although
  // capacity was free. The Txn's expected revision stays the guarantee
  // across processes (several kilnd replicas later).
  static Mutex node_txn_mu;
  MutexLock lock(node_txn_mu);
  const ObjectKey node_key = NodeObjectKey(node_name);
  for (int attempt = 0; attempt < kMaxNodeTxnAttempts; ++attempt) {
    ASSIGN_OR_RETURN(ReadNodeResult read, ReadNode(store, node_name));
    ASSIGN_OR_RETURN(std::vector<TxnOp> ops,
                     plan(read.found ? &read.node : nullptr, read.revision));
    StatusOr<TxnResult> result = store.Txn(std::move(ops));
    if (result.ok() || !IsAbortedOn(result.status(), node_key)) return result;
  }
  return UnavailableError("node \"" + node_name + "\" is too contended: " +
                          std::to_string(kMaxNodeTxnAttempts) +
                          " attempts to update its allocation conflicted; "
                          "try again");
}

StatusOr<TxnResult> RunReleaseTxn(Store& store, const std::string& node_name,
                                  const TxnOp& build_op,
                                  const NodeResources& release) {
  return RunNodeTxn(store, node_name,
                    [&](const Node* node,
                        int64_t node_revision) -> StatusOr<std::vector<TxnOp>> {
                      std::vector<TxnOp> ops{build_op};
                      if (node != nullptr) {
                        Node released = *node;
                        released.status.allocated =
                            SubtractResources(node->status.allocated, release);
                        ops.push_back(NodeUpdateOp(released, node_revision));
                      }
                      return ops;
                    });
}

}  // namespace kiln
