#include "controller/runtime/reconcile_scope.h"

#include <utility>

namespace kiln {
namespace {

thread_local const ReconcileContext* current_reconcile = nullptr;

}  // namespace

const ReconcileContext* CurrentReconcile() { return current_reconcile; }

ReconcileScope::ReconcileScope(ReconcileContext context)
    : context_(std::move(context)), outer_(current_reconcile) {
  current_reconcile = &context_;
}

ReconcileScope::~ReconcileScope() { current_reconcile = outer_; }

}  // namespace kiln
