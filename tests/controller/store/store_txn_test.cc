// Store contract: Txn (atomic multi-key writes with preconditions).
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

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StoreTxnTest : public StoreTestBase {
 protected:
  // Three existing objects: a (rev a_.revision), b, c.
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreTestBase::SetUp());
    ASSERT_OK_AND_ASSIGN(a_, store().Create(ka_, MakeObject(ka_, {}, 1)));
    ASSERT_OK_AND_ASSIGN(b_, store().Create(kb_, MakeObject(kb_, {}, 2)));
    ASSERT_OK_AND_ASSIGN(c_, store().Create(kc_, MakeObject(kc_, {}, 3)));
    base_revision_ = store().CurrentRevision();
  }

  // Expects a, b, c unchanged, x and y absent, and no revision consumed.
  void ExpectNothingWritten() {
    EXPECT_EQ(store().CurrentRevision(), base_revision_);
    for (const StoredObject& obj : {a_, b_, c_}) {
      StatusOr<StoredObject> got = store().Get(obj.key);
      ASSERT_THAT(got, IsOk());
      EXPECT_EQ(got->revision, obj.revision) << obj.key.Path();
      EXPECT_EQ(got->value, obj.value) << obj.key.Path();
    }
    EXPECT_THAT(store().Get(kx_), StatusIs(StatusCode::kNotFound));
    EXPECT_THAT(store().Get(ky_), StatusIs(StatusCode::kNotFound));
  }

  const ObjectKey ka_ = BuildKey("default", "a");
  const ObjectKey kb_ = BuildKey("default", "b");
  const ObjectKey kc_ = NodeKey("c");
  const ObjectKey kx_ = BuildKey("other", "x");
  const ObjectKey ky_ = NodeKey("y");
  StoredObject a_, b_, c_;
  int64_t base_revision_ = 0;
};

TEST_P(StoreTxnTest, AppliesAllOpsWithConsecutiveRevisions) {
  ASSERT_OK_AND_ASSIGN(
      TxnResult result,
      store().Txn({TxnOp::Create(kx_, MakeObject(kx_, {}, 10)),
                   TxnOp::Update(ka_, MakeObject(ka_, {}, 11), a_.revision),
                   TxnOp::Delete(kb_, b_.revision),
                   TxnOp::Update(kc_, MakeObject(kc_, {}, 12))}));

  ASSERT_EQ(result.objects.size(), 4u);
  const std::vector<ObjectKey> keys = {kx_, ka_, kb_, kc_};
  for (size_t i = 0; i < result.objects.size(); ++i) {
    EXPECT_EQ(result.objects[i].key, keys[i]) << "op " << i;
    EXPECT_EQ(result.objects[i].revision,
              base_revision_ + 1 + static_cast<int64_t>(i))
        << "op " << i;
    EXPECT_THAT(result.objects[i], HasConsistentResourceVersion())
        << "op " << i;
  }
  EXPECT_EQ(result.revision, base_revision_ + 4);
  EXPECT_EQ(store().CurrentRevision(), result.revision);

  // Delete returns b's last state.
  EXPECT_EQ(WithoutResourceVersion(result.objects[2].value),
            WithoutResourceVersion(b_.value));

  ASSERT_OK_AND_ASSIGN(StoredObject x, store().Get(kx_));
  EXPECT_EQ(x.value, result.objects[0].value);
  ASSERT_OK_AND_ASSIGN(StoredObject a, store().Get(ka_));
  EXPECT_EQ(a.value["spec"]["v"], 11);
  EXPECT_THAT(store().Get(kb_), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(StoredObject c, store().Get(kc_));
  EXPECT_EQ(c.revision, result.objects[3].revision);
  EXPECT_EQ(c.value["spec"]["v"], 12);
}

TEST_P(StoreTxnTest, StalePreconditionAbortsWholeTxnNamingTheOp) {
  EXPECT_THAT(
      store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                   TxnOp::Update(ka_, MakeObject(ka_, {}, 9), a_.revision - 1),
                   TxnOp::Create(ky_, MakeObject(ky_))}),
      StatusIs(StatusCode::kAborted,
               AllOf(HasSubstr("op 1"), HasSubstr(ka_.Path()))));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, ExistingKeyAbortsWholeTxnNamingTheOp) {
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Delete(kc_, c_.revision),
                           TxnOp::Create(kb_, MakeObject(kb_))}),
              StatusIs(StatusCode::kAlreadyExists,
                       AllOf(HasSubstr("op 2"), HasSubstr(kb_.Path()))));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, MissingKeyAbortsWholeTxnNamingTheOp) {
  EXPECT_THAT(
      store().Txn({TxnOp::Update(ky_, MakeObject(ky_)),
                   TxnOp::Create(kx_, MakeObject(kx_)), TxnOp::Delete(ka_)}),
      StatusIs(StatusCode::kNotFound,
               AllOf(HasSubstr("op 0"), HasSubstr(ky_.Path()))));
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Delete(ky_), TxnOp::Delete(ka_)}),
              StatusIs(StatusCode::kNotFound,
                       AllOf(HasSubstr("op 1"), HasSubstr(ky_.Path()))));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, StaleDeletePreconditionAbortsWholeTxn) {
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Update(ka_, MakeObject(ka_, {}, 5)),
                           TxnOp::Delete(kb_, b_.revision + 1)}),
              StatusIs(StatusCode::kAborted, HasSubstr("op 2")));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, CheckGuardsTheTxn) {
  ASSERT_OK_AND_ASSIGN(TxnResult result,
                       store().Txn({TxnOp::Check(ka_, a_.revision),
                                    TxnOp::Create(kx_, MakeObject(kx_))}));
  ASSERT_EQ(result.objects.size(), 2u);
  // Check returns the current object and writes nothing.
  EXPECT_EQ(result.objects[0].key, ka_);
  EXPECT_EQ(result.objects[0].revision, a_.revision);
  EXPECT_EQ(result.objects[0].value, a_.value);
  EXPECT_EQ(result.objects[1].revision, base_revision_ + 1);
  EXPECT_EQ(result.revision, base_revision_ + 1);
  ASSERT_OK_AND_ASSIGN(StoredObject a, store().Get(ka_));
  EXPECT_EQ(a.revision, a_.revision);
}

TEST_P(StoreTxnTest, FailedCheckWritesNothing) {
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Check(ka_, a_.revision + 1)}),
              StatusIs(StatusCode::kAborted, HasSubstr("op 1")));
  EXPECT_THAT(
      store().Txn({TxnOp::Check(ky_, 1), TxnOp::Create(kx_, MakeObject(kx_))}),
      StatusIs(StatusCode::kNotFound, HasSubstr("op 0")));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, CheckOnlyTxnWritesNothing) {
  ASSERT_OK_AND_ASSIGN(TxnResult result,
                       store().Txn({TxnOp::Check(ka_, a_.revision),
                                    TxnOp::Check(kc_, c_.revision)}));
  EXPECT_EQ(result.revision, base_revision_);
  ASSERT_EQ(result.objects.size(), 2u);
  EXPECT_EQ(result.objects[1].value, c_.value);
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, EmptyTxnIsInvalidArgument) {
  EXPECT_THAT(store().Txn({}), StatusIs(StatusCode::kInvalidArgument));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, DuplicateKeysAreInvalidArgument) {
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Update(kx_, MakeObject(kx_, {}, 1))}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      store().Txn({TxnOp::Update(ka_, MakeObject(ka_, {}, 7)),
                   TxnOp::Create(kx_, MakeObject(kx_)), TxnOp::Delete(ka_)}),
      StatusIs(StatusCode::kInvalidArgument));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, NonObjectValueIsInvalidArgumentNamingTheOp) {
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Update(ka_, nlohmann::json::array())}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("op 1")));
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, nlohmann::json("x"))}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("op 0")));
  ExpectNothingWritten();
}

TEST_P(StoreTxnTest, WatchersSeeTxnWritesInOpOrder) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> all,
      store().Watch(WatchFrom(AllNamespaces("builds"), base_revision_)));
  ASSERT_OK_AND_ASSIGN(
      TxnResult result,
      store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                   TxnOp::Update(ka_, MakeObject(ka_, {}, 4), a_.revision),
                   TxnOp::Delete(kb_, b_.revision)}));
  ASSERT_EQ(result.objects.size(), 3u);

  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*all, 3));
  EXPECT_THAT(
      events,
      ElementsAre(IsEvent(WatchEventType::kAdded, result.objects[0]),
                  IsEvent(WatchEventType::kModified, result.objects[1]),
                  IsEvent(WatchEventType::kDeleted, result.objects[2])));
}

TEST_P(StoreTxnTest, FailedTxnProducesNoWatchEvents) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> all,
      store().Watch(WatchFrom(AllNamespaces("builds"), base_revision_)));
  EXPECT_THAT(store().Txn({TxnOp::Create(kx_, MakeObject(kx_)),
                           TxnOp::Check(ka_, a_.revision + 5)}),
              StatusIs(StatusCode::kAborted));
  // A later write is the next thing the watcher sees.
  ASSERT_OK_AND_ASSIGN(
      StoredObject a,
      store().Update(ka_, MakeObject(ka_, {}, 8), std::nullopt));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*all, 1));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kModified, a)));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTxnTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

}  // namespace
}  // namespace kiln
