#include "controller/runtime/reconcile_scope.h"

#include <gtest/gtest.h>

#include <thread>

namespace kiln {
namespace {

TEST(ReconcileScopeTest, IsSetInsideAndRestoredAfterNestedScopes) {
  EXPECT_EQ(CurrentReconcile(), nullptr);
  {
    ReconcileScope outer({"build", "default/a", 1});
    ASSERT_NE(CurrentReconcile(), nullptr);
    EXPECT_EQ(CurrentReconcile()->object, "default/a");
    {
      ReconcileScope inner({"build", "default/b", 2});
      EXPECT_EQ(CurrentReconcile()->object, "default/b");
      EXPECT_EQ(CurrentReconcile()->id, 2u);
    }
    EXPECT_EQ(CurrentReconcile()->object, "default/a");
  }
  EXPECT_EQ(CurrentReconcile(), nullptr);
}

TEST(ReconcileScopeTest, IsPerThread) {
  ReconcileScope scope({"build", "default/a", 7});
  const ReconcileContext* seen = CurrentReconcile();
  std::thread([&] { seen = CurrentReconcile(); }).join();
  EXPECT_EQ(seen, nullptr);
  EXPECT_EQ(CurrentReconcile()->id, 7u);
}

}  // namespace
}  // namespace kiln
