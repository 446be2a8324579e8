// Reconciler: the business logic a Controller drives (controller-runtime's
// reconcile.Reconciler).
#pragma once

#include <chrono>
#include <optional>

#include "api_types/status.h"
#include "controller/store/store.h"

namespace kiln {

struct ReconcileResult {
  // Reconcile the key again after this delay (waiting on something
  // external). nullopt = only when the object changes again.
  std::optional<std::chrono::milliseconds> requeue_after;
};

// Level-triggered: Reconcile(key) makes the world match the object's current
// state (which it reads itself; the object may be gone), whatever events led
// to the call. It must be idempotent.
//
// Thread-safety: Reconcile is called from several worker threads at once,
// but never for the same key at once.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Returns the result, or an error for a transient failure: the key is
  // then retried with exponential backoff. Terminal problems (an invalid
  // spec) belong in the object's status, with an OK return.
  virtual StatusOr<ReconcileResult> Reconcile(const ObjectKey& key) = 0;

 protected:
  Reconciler() = default;
};

}  // namespace kiln
