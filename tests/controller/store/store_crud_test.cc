// Store contract: Create / Get / Update / Delete, revisions, value checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

class StoreCrudTest : public StoreTestBase {};

TEST_P(StoreCrudTest, EmptyStoreIsAtRevisionZero) {
  EXPECT_EQ(store().CurrentRevision(), 0);
  EXPECT_EQ(store().CompactedRevision(), 0);
}

TEST_P(StoreCrudTest, CreateStoresValueWithResourceVersion) {
  const ObjectKey key = BuildKey("default", "hello");
  const nlohmann::json value = MakeObject(key, {{"team", "web"}}, 7);

  ASSERT_OK_AND_ASSIGN(StoredObject created, store().Create(key, value));

  EXPECT_EQ(created.key, key);
  EXPECT_GT(created.revision, 0);
  EXPECT_THAT(created, HasConsistentResourceVersion());
  EXPECT_EQ(WithoutResourceVersion(created.value), value);
  EXPECT_EQ(store().CurrentRevision(), created.revision);

  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.key, key);
  EXPECT_EQ(got.revision, created.revision);
  EXPECT_EQ(got.value, created.value);
}

TEST_P(StoreCrudTest, CreateReplacesClientResourceVersion) {
  const ObjectKey key = BuildKey("default", "hello");
  nlohmann::json value = MakeObject(key);
  value["metadata"]["resourceVersion"] = "12345";

  ASSERT_OK_AND_ASSIGN(StoredObject created, store().Create(key, value));
  EXPECT_THAT(created, HasConsistentResourceVersion());

  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_THAT(got, HasConsistentResourceVersion());
}

TEST_P(StoreCrudTest, CreateWithoutMetadataAddsResourceVersion) {
  const ObjectKey key = BuildKey("default", "bare");
  const nlohmann::json value = {{"spec", {{"x", 1}}}};

  ASSERT_OK_AND_ASSIGN(StoredObject created, store().Create(key, value));
  EXPECT_THAT(created, HasConsistentResourceVersion());
  EXPECT_EQ(created.value["spec"], value["spec"]);
}

TEST_P(StoreCrudTest, SecondCreateIsAlreadyExistsAndWritesNothing) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject first,
                       store().Create(key, MakeObject(key, {}, 1)));

  EXPECT_THAT(store().Create(key, MakeObject(key, {}, 2)),
              StatusIs(StatusCode::kAlreadyExists));

  EXPECT_EQ(store().CurrentRevision(), first.revision);
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.revision, first.revision);
  EXPECT_EQ(got.value, first.value);
}

TEST_P(StoreCrudTest, GetMissingIsNotFound) {
  EXPECT_THAT(store().Get(BuildKey("default", "nope")),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Get(NodeKey("nope")), StatusIs(StatusCode::kNotFound));
}

TEST_P(StoreCrudTest, SameNameInOtherNamespaceOrResourceIsAnotherObject) {
  const ObjectKey a = BuildKey("ns-a", "x");
  const ObjectKey b = BuildKey("ns-b", "x");
  const ObjectKey event{"events", "ns-a", "x"};
  const ObjectKey node = NodeKey("x");
  ASSERT_OK(store().Create(a, MakeObject(a, {}, 1)));
  ASSERT_OK(store().Create(b, MakeObject(b, {}, 2)));
  ASSERT_OK(store().Create(event, MakeObject(event, {}, 3)));
  ASSERT_OK(store().Create(node, MakeObject(node, {}, 4)));

  int64_t v = 1;
  for (const ObjectKey& key : {a, b, event, node}) {
    ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
    EXPECT_EQ(got.key, key);
    EXPECT_EQ(got.value["spec"]["v"], v++) << key.Path();
  }
}

TEST_P(StoreCrudTest, RevisionsIncreaseGloballyAcrossKeysAndWriteKinds) {
  std::vector<int64_t> revisions;
  const ObjectKey a = BuildKey("ns-a", "a");
  const ObjectKey b = BuildKey("ns-b", "b");
  const ObjectKey n = NodeKey("n");
  const ObjectKey e{"events", "ns-a", "e"};

  auto record = [&](const StatusOr<StoredObject>& result) {
    ASSERT_THAT(result, IsOk());
    revisions.push_back(result->revision);
    EXPECT_EQ(store().CurrentRevision(), result->revision);
  };
  record(store().Create(a, MakeObject(a)));
  record(store().Create(b, MakeObject(b)));
  record(store().Create(n, MakeObject(n)));
  record(store().Update(a, MakeObject(a, {}, 1), std::nullopt));
  record(store().Create(e, MakeObject(e)));
  record(store().Delete(b, std::nullopt));
  record(store().Update(n, MakeObject(n, {}, 1), std::nullopt));

  ASSERT_EQ(revisions.size(), 7u);
  for (size_t i = 1; i < revisions.size(); ++i) {
    EXPECT_GT(revisions[i], revisions[i - 1]) << "write " << i;
  }
}

TEST_P(StoreCrudTest, FailedWritesDoNotAdvanceRevision) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));
  const int64_t before = store().CurrentRevision();

  EXPECT_THAT(store().Create(key, MakeObject(key)),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(store().Update(key, MakeObject(key), created.revision + 100),
              StatusIs(StatusCode::kAborted));
  EXPECT_THAT(store().Delete(BuildKey("default", "nope"), std::nullopt),
              StatusIs(StatusCode::kNotFound));

  EXPECT_EQ(store().CurrentRevision(), before);
  // The next successful write still gets a fresh, larger revision.
  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {}, 1), std::nullopt));
  EXPECT_GT(updated.revision, before);
}

TEST_P(StoreCrudTest, UpdateWithCurrentRevisionSucceeds) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));

  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {{"a", "b"}}, 1), created.revision));

  EXPECT_GT(updated.revision, created.revision);
  EXPECT_THAT(updated, HasConsistentResourceVersion());
  EXPECT_EQ(WithoutResourceVersion(updated.value),
            MakeObject(key, {{"a", "b"}}, 1));
  EXPECT_EQ(store().CurrentRevision(), updated.revision);
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.revision, updated.revision);
  EXPECT_EQ(got.value, updated.value);
}

TEST_P(StoreCrudTest, UpdateWithStaleRevisionIsAbortedAndWritesNothing) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));
  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {}, 1), std::nullopt));

  EXPECT_THAT(store().Update(key, MakeObject(key, {}, 2), created.revision),
              StatusIs(StatusCode::kAborted));

  EXPECT_EQ(store().CurrentRevision(), updated.revision);
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.revision, updated.revision);
  EXPECT_EQ(got.value, updated.value);
}

TEST_P(StoreCrudTest, UpdateWithFutureRevisionIsAborted) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));

  EXPECT_THAT(store().Update(key, MakeObject(key, {}, 1), created.revision + 1),
              StatusIs(StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.value, created.value);
}

TEST_P(StoreCrudTest, UpdateWithoutPreconditionIsUnconditional) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK(store().Create(key, MakeObject(key)));
  ASSERT_OK(store().Update(key, MakeObject(key, {}, 1), std::nullopt));

  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {}, 2), std::nullopt));

  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.revision, updated.revision);
  EXPECT_EQ(got.value["spec"]["v"], 2);
}

TEST_P(StoreCrudTest, UpdateMissingIsNotFoundAndWritesNothing) {
  const ObjectKey key = BuildKey("default", "nope");
  EXPECT_THAT(store().Update(key, MakeObject(key), std::nullopt),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Update(key, MakeObject(key), 1),
              StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(store().CurrentRevision(), 0);
  EXPECT_THAT(store().Get(key), StatusIs(StatusCode::kNotFound));
}

TEST_P(StoreCrudTest, DeleteReturnsLastStateAtDeletionRevision) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK(store().Create(key, MakeObject(key)));
  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {{"x", "y"}}, 3), std::nullopt));

  ASSERT_OK_AND_ASSIGN(StoredObject deleted,
                       store().Delete(key, updated.revision));

  EXPECT_EQ(deleted.key, key);
  EXPECT_GT(deleted.revision, updated.revision);
  EXPECT_THAT(deleted, HasConsistentResourceVersion());
  EXPECT_EQ(WithoutResourceVersion(deleted.value),
            WithoutResourceVersion(updated.value));
  EXPECT_EQ(store().CurrentRevision(), deleted.revision);
  EXPECT_THAT(store().Get(key), StatusIs(StatusCode::kNotFound));
}

TEST_P(StoreCrudTest, DeleteWithoutPreconditionIsUnconditional) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK(store().Create(key, MakeObject(key)));
  ASSERT_OK(store().Update(key, MakeObject(key, {}, 1), std::nullopt));

  ASSERT_OK(store().Delete(key, std::nullopt));
  EXPECT_THAT(store().Get(key), StatusIs(StatusCode::kNotFound));
}

TEST_P(StoreCrudTest, DeleteWithStaleRevisionIsAbortedAndKeepsObject) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));
  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store().Update(key, MakeObject(key, {}, 1), std::nullopt));

  EXPECT_THAT(store().Delete(key, created.revision),
              StatusIs(StatusCode::kAborted));

  EXPECT_EQ(store().CurrentRevision(), updated.revision);
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.value, updated.value);
}

TEST_P(StoreCrudTest, DeleteMissingIsNotFound) {
  EXPECT_THAT(store().Delete(BuildKey("default", "nope"), std::nullopt),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Delete(BuildKey("default", "nope"), 5),
              StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(store().CurrentRevision(), 0);
}

TEST_P(StoreCrudTest, WritesToDeletedObjectAreNotFound) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));
  ASSERT_OK(store().Delete(key, std::nullopt));
  const int64_t after_delete = store().CurrentRevision();

  // Absent wins over a stale precondition: NotFound, not Aborted.
  EXPECT_THAT(store().Update(key, MakeObject(key), created.revision),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Update(key, MakeObject(key), std::nullopt),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Delete(key, std::nullopt),
              StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(store().CurrentRevision(), after_delete);
}

TEST_P(StoreCrudTest, RecreateAfterDeleteWorks) {
  const ObjectKey key = BuildKey("default", "hello");
  ASSERT_OK(store().Create(key, MakeObject(key, {}, 1)));
  ASSERT_OK_AND_ASSIGN(StoredObject deleted, store().Delete(key, std::nullopt));

  ASSERT_OK_AND_ASSIGN(StoredObject recreated,
                       store().Create(key, MakeObject(key, {}, 2)));

  EXPECT_GT(recreated.revision, deleted.revision);
  EXPECT_THAT(recreated, HasConsistentResourceVersion());
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.revision, recreated.revision);
  EXPECT_EQ(got.value["spec"]["v"], 2);
  // The recreated object is a fresh one: the old revision is stale for it.
  EXPECT_THAT(store().Update(key, MakeObject(key), deleted.revision),
              StatusIs(StatusCode::kAborted));
}

TEST_P(StoreCrudTest, NonObjectValueIsInvalidArgument) {
  const ObjectKey key = BuildKey("default", "hello");
  const std::vector<nlohmann::json> bad = {
      nlohmann::json::array({1, 2}), nlohmann::json("text"), nlohmann::json(42),
      nlohmann::json(nullptr), nlohmann::json(true)};

  for (const nlohmann::json& value : bad) {
    EXPECT_THAT(store().Create(key, value),
                StatusIs(StatusCode::kInvalidArgument))
        << value.dump();
  }
  EXPECT_EQ(store().CurrentRevision(), 0);
  EXPECT_THAT(store().Get(key), StatusIs(StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key)));
  for (const nlohmann::json& value : bad) {
    EXPECT_THAT(store().Update(key, value, std::nullopt),
                StatusIs(StatusCode::kInvalidArgument))
        << value.dump();
  }
  EXPECT_EQ(store().CurrentRevision(), created.revision);
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.value, created.value);
}

TEST_P(StoreCrudTest, ClusterScopedObjectRoundTrips) {
  const ObjectKey key = NodeKey("node-a");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(key, MakeObject(key, {{"zone", "z1"}})));
  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(key));
  EXPECT_EQ(got.key, key);
  EXPECT_TRUE(got.key.namespace_.empty());
  EXPECT_EQ(got.value, created.value);
}

// A key is stored under Path() and read back with FromPath(), so a key that
// does not survive that round trip ('/' inside a segment, empty resource or
// name) cannot be stored: accepting it would make every later List or Watch
// over its resource fail to parse the stored path.
TEST_P(StoreCrudTest, KeyThatDoesNotRoundTripThroughPathIsInvalidArgument) {
  for (const ObjectKey& key :
       {ObjectKey{"builds", "ns", "a/b"}, ObjectKey{"builds", "n/s", "x"},
        ObjectKey{"builds", "ns", ""}, ObjectKey{"", "ns", "x"},
        ObjectKey{"bu/ilds", "ns", "x"}}) {
    EXPECT_THAT(store().Create(key, MakeObject(key)),
                StatusIs(StatusCode::kInvalidArgument))
        << key.Path();
  }
  for (const ObjectKey& key :
       {ObjectKey{"builds", "ns", "c/d"}, ObjectKey{"builds", "m/s", "y"},
        ObjectKey{"builds", "ns", ""}, ObjectKey{"", "ns", "y"},
        ObjectKey{"bu/ilds", "ns", "y"}}) {
    EXPECT_THAT(store().Txn({TxnOp::Create(key, MakeObject(key))}),
                StatusIs(StatusCode::kInvalidArgument))
        << key.Path();
  }
  EXPECT_EQ(store().CurrentRevision(), 0);
}

TEST_P(StoreCrudTest, OddKeysNeverBreakListOrWatch) {
  const ObjectKey good = BuildKey("ns", "good");
  // Whatever the store answers to these, it must stay readable afterwards.
  for (const ObjectKey& key :
       {ObjectKey{"builds", "ns", "a/b"}, ObjectKey{"builds", "n/s", "x"}}) {
    (void)store().Create(key, MakeObject(key));
  }
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(good, MakeObject(good)));

  ASSERT_OK_AND_ASSIGN(ListResult list,
                       store().List(ListOf(AllNamespaces("builds"))));
  EXPECT_THAT(Paths(list.items), ::testing::Contains(good.Path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       store().Watch(WatchFrom(AllNamespaces("builds"), 0)));
  EXPECT_THAT(EventsThrough(*watcher, created.revision), IsOk());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCrudTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

// ---------------------------------------------------------------------------
// ObjectKey paths (backend independent).

TEST(ObjectKeyTest, PathOfNamespacedObject) {
  EXPECT_EQ(BuildKey("default", "hello").Path(), "/builds/default/hello");
}

TEST(ObjectKeyTest, PathOfClusterScopedObject) {
  EXPECT_EQ(NodeKey("node-a").Path(), "/nodes/node-a");
}

TEST(ObjectKeyTest, FromPathInvertsPath) {
  for (const ObjectKey& key : {BuildKey("default", "hello"), NodeKey("node-a"),
                               ObjectKey{"events", "ns-1", "hello.17a2"}}) {
    ASSERT_OK_AND_ASSIGN(ObjectKey parsed, ObjectKey::FromPath(key.Path()));
    EXPECT_EQ(parsed, key) << key.Path();
  }
}

TEST(ObjectKeyTest, FromPathRejectsMalformedPaths) {
  for (const char* path :
       {"", "/", "builds/default/hello", "/builds", "/builds/", "/nodes/",
        "/builds/default/", "/a/b/c/d"}) {
    EXPECT_THAT(ObjectKey::FromPath(path),
                StatusIs(StatusCode::kInvalidArgument))
        << "path \"" << path << "\"";
  }
}

}  // namespace
}  // namespace kiln
