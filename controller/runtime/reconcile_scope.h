// The reconcile a thread is running, so every log line written during it
// can name the object and the reconcile (controller-runtime puts the same
// "reconcileID" into its request logger). Controller::ProcessKey opens a
// ReconcileScope around each reconcile; kilnd's log formatters
// (cmd/kilnd/logging.cc) add CurrentReconcile() to each line. Code below
// the reconciler logs as usual and gets the fields for free.
//
// Thread-safe: the current scope is per thread. Scopes nest (the inner one
// wins until it closes).
#pragma once

#include <cstdint>
#include <string>

namespace kiln {

struct ReconcileContext {
  std::string controller;  // e.g. "build"
  std::string object;      // the key, "namespace/name"
  uint64_t id = 0;         // unique per controller in this process
};

// The reconcile the calling thread is in, or null outside one.
const ReconcileContext* CurrentReconcile();

class ReconcileScope {
 public:
  explicit ReconcileScope(ReconcileContext context);
  ~ReconcileScope();
  ReconcileScope(const ReconcileScope&) = delete;
  ReconcileScope& operator=(const ReconcileScope&) = delete;

 private:
  const ReconcileContext context_;
  const ReconcileContext* const outer_;
};

}  // namespace kiln
