// NodeStorage: the nodes resource (cluster-scoped, one Node per kilnd host)
// over a Store — registration of a host's capacity at start, repair of the
// allocation from the Builds that hold it, and reads.
//
// Allocations themselves change only inside the Build transactions that
// admit, finish or delete a Build (build_storage.h); NodeStorage never
// touches them except in RepairAllocation. Thread-safe (state lives in the
// Store).
#pragma once

#include <cstdint>
#include <string>

#include "api_types/label_selector.h"
#include "api_types/node.h"
#include "api_types/status.h"
#include "controller/apiserver/node_list.h"
#include "controller/base/clock.h"
#include "controller/store/store.h"

namespace kiln {

class NodeStorage {
 public:
  // Keeps references to `store` and `clock` for its lifetime.
  NodeStorage(Store& store, Clock& clock);
  NodeStorage(const NodeStorage&) = delete;
  NodeStorage& operator=(const NodeStorage&) = delete;

  // Creates Node `name` (uid, creationTimestamp, zero allocation) when
  // absent; otherwise sets its capacity, driver and accelerator ("kvm",
  // "tcg", "" for the process driver) and keeps its allocation
  // (no write when nothing changes). A capacity below the current
  // allocation is accepted: running Builds keep their share and admission
  // refuses new ones until enough is released. Retries on concurrent writes.
  // Errors: InvalidArgument (name not a DNS-1123 subdomain, negative
  // capacity), Unavailable (too contended), Store errors.
  Status EnsureNode(const std::string& name, const NodeResources& capacity,
                    const std::string& driver,
                    const std::string& accelerator = "");

  // Recomputes status.allocated of Node `name` as the sum of BuildRequest()
  // over the Builds that HoldsAllocation() and are charged to it (status.
  // nodeName == name, or empty), and writes it when it differs. The Node is
  // read before the Builds are listed and written with the revision read, so
  // any admission or release in between (each rewrites the Node) makes the
  // write fail and the repair start over. Run at kilnd start so allocations
  // always match the Builds. Errors: NotFound `nodes.kiln.dev "x" not found`,
  // Unavailable (too contended), Internal (a stored object does not decode).
  Status RepairAllocation(const std::string& name);

  // Errors: NotFound `nodes.kiln.dev "x" not found`, Internal.
  StatusOr<Node> Get(const std::string& name);

  // Nodes in name order, metadata.resourceVersion = the list's revision.
  // Errors: as Store::List (OutOfRange for an expired continue token).
  StatusOr<NodeList> List(const LabelSelector& selector, int64_t limit,
                          const std::string& continue_token);

 private:
  // One attempt of EnsureNode; Aborted when a concurrent write won.
  Status EnsureNodeOnce(const std::string& name, const NodeResources& capacity,
                        const std::string& driver,
                        const std::string& accelerator);
  // One attempt of RepairAllocation; Aborted when the Node changed.
  Status RepairAllocationOnce(const std::string& name);

  Store& store_;
  Clock& clock_;
};

}  // namespace kiln
