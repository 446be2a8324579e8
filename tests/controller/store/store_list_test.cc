// Store contract: List scopes, ordering, label selectors, limit/continue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api_types/label_selector.h"
#include "api_types/status.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

class StoreListTest : public StoreTestBase {
 protected:
  // Creates `key` with `labels` and remembers it.
  void Put(const ObjectKey& key,
           const std::map<std::string, std::string>& labels = {}) {
    ASSERT_OK(store().Create(key, MakeObject(key, labels)));
  }

  // A namespace whose name extends another ("ns-a-2" vs "ns-a"), a resource
  // whose name prefixes another ("build" vs "builds"), another resource in
  // the same namespace, and a cluster-scoped resource: the classic
  // key-prefix traps.
  void PutScopeFixture() {
    Put(BuildKey("ns-b", "b2"));
    Put(BuildKey("ns-a", "a2"));
    Put(BuildKey("ns-a-2", "x"));
    Put(BuildKey("ns-a", "a1"));
    Put(BuildKey("ns-b", "b1"));
    Put(ObjectKey{"events", "ns-a", "e1"});
    Put(ObjectKey{"build", "ns-a", "decoy"});
    Put(ObjectKey{"buildsx", "ns-a", "decoy"});
    Put(NodeKey("n2"));
    Put(NodeKey("n1"));
  }

  // Labels per object name for the selector fixture.
  void PutLabelFixture() {
    Put(BuildKey("ns", "web-a"), {{"team", "web"}, {"tier", "a"}});
    Put(BuildKey("ns", "web-b"),
        {{"team", "web"}, {"tier", "b"}, {"legacy", "1"}});
    Put(BuildKey("ns", "db-a"), {{"team", "db"}, {"tier", "a"}});
    Put(BuildKey("ns", "db-c"), {{"team", "db"}, {"tier", "c"}});
    Put(BuildKey("ns", "none"));
    Put(BuildKey("other", "web-z"), {{"team", "web"}});
  }

  StatusOr<ListResult> List(ListOptions options) {
    return store().List(options);
  }

  // All pages of `options`; each page's revision must equal the first's.
  StatusOr<std::vector<StoredObject>> ListAllPages(ListOptions options,
                                                   int64_t* revision,
                                                   int* pages) {
    std::vector<StoredObject> items;
    *pages = 0;
    for (;;) {
      StatusOr<ListResult> page = store().List(options);
      if (!page.ok()) return page.status();
      if (*pages == 0) *revision = page->revision;
      ++*pages;
      if (page->revision != *revision) {
        return InternalError("page " + std::to_string(*pages) +
                             " read at revision " +
                             std::to_string(page->revision) + ", first at " +
                             std::to_string(*revision));
      }
      if (options.limit > 0 &&
          page->items.size() > static_cast<size_t>(options.limit)) {
        return InternalError("page larger than limit");
      }
      items.insert(items.end(), page->items.begin(), page->items.end());
      if (page->continue_token.empty()) return items;
      options.continue_token = page->continue_token;
    }
  }

  StatusOr<std::vector<std::string>> NamesMatching(std::string_view selector) {
    StatusOr<LabelSelector> parsed = LabelSelector::Parse(selector);
    if (!parsed.ok()) return parsed.status();
    StatusOr<ListResult> result =
        store().List(ListOf(InNamespace("builds", "ns"), *parsed));
    if (!result.ok()) return result.status();
    std::vector<std::string> names;
    for (const StoredObject& obj : result->items) names.push_back(obj.key.name);
    return names;
  }
};

TEST_P(StoreListTest, AllNamespacesInKeyOrder) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult result,
                       List(ListOf(AllNamespaces("builds"))));

  EXPECT_THAT(Paths(result.items),
              ElementsAreArray({"/builds/ns-a-2/x", "/builds/ns-a/a1",
                                "/builds/ns-a/a2", "/builds/ns-b/b1",
                                "/builds/ns-b/b2"}));
  EXPECT_EQ(result.revision, store().CurrentRevision());
  EXPECT_EQ(result.continue_token, "");
}

TEST_P(StoreListTest, OneNamespaceExcludesPrefixSiblings) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult result,
                       List(ListOf(InNamespace("builds", "ns-a"))));

  EXPECT_THAT(Paths(result.items),
              ElementsAreArray({"/builds/ns-a/a1", "/builds/ns-a/a2"}));
  EXPECT_EQ(result.revision, store().CurrentRevision());
}

TEST_P(StoreListTest, ClusterScopedResource) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult all, List(ListOf(AllNamespaces("nodes"))));
  EXPECT_THAT(Paths(all.items), ElementsAreArray({"/nodes/n1", "/nodes/n2"}));

  ASSERT_OK_AND_ASSIGN(ListResult empty_ns,
                       List(ListOf(InNamespace("nodes", ""))));
  EXPECT_THAT(Paths(empty_ns.items),
              ElementsAreArray({"/nodes/n1", "/nodes/n2"}));
}

TEST_P(StoreListTest, ResourceNamePrefixIsNotMatched) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult build, List(ListOf(AllNamespaces("build"))));
  EXPECT_THAT(Paths(build.items), ElementsAreArray({"/build/ns-a/decoy"}));
  ASSERT_OK_AND_ASSIGN(ListResult events,
                       List(ListOf(InNamespace("events", "ns-a"))));
  EXPECT_THAT(Paths(events.items), ElementsAreArray({"/events/ns-a/e1"}));
}

TEST_P(StoreListTest, EmptyScopeHasNoItemsAndCurrentRevision) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult result,
                       List(ListOf(AllNamespaces("leases"))));
  EXPECT_THAT(result.items, IsEmpty());
  EXPECT_EQ(result.revision, store().CurrentRevision());
  EXPECT_EQ(result.continue_token, "");

  ASSERT_OK_AND_ASSIGN(ListResult ns,
                       List(ListOf(InNamespace("builds", "ns-z"))));
  EXPECT_THAT(ns.items, IsEmpty());
}

TEST_P(StoreListTest, EmptyStoreListsAtRevisionZero) {
  ASSERT_OK_AND_ASSIGN(ListResult result,
                       List(ListOf(AllNamespaces("builds"))));
  EXPECT_THAT(result.items, IsEmpty());
  EXPECT_EQ(result.revision, 0);
}

TEST_P(StoreListTest, ItemsAreCurrentStateAndExcludeDeleted) {
  const ObjectKey a = BuildKey("ns", "a");
  const ObjectKey b = BuildKey("ns", "b");
  const ObjectKey c = BuildKey("ns", "c");
  ASSERT_OK(store().Create(a, MakeObject(a, {}, 1)));
  ASSERT_OK(store().Create(b, MakeObject(b, {}, 1)));
  ASSERT_OK(store().Create(c, MakeObject(c, {}, 1)));
  ASSERT_OK_AND_ASSIGN(StoredObject a2,
                       store().Update(a, MakeObject(a, {}, 2), std::nullopt));
  ASSERT_OK(store().Delete(b, std::nullopt));

  ASSERT_OK_AND_ASSIGN(ListResult result,
                       List(ListOf(InNamespace("builds", "ns"))));

  ASSERT_THAT(Paths(result.items), ElementsAreArray({a.Path(), c.Path()}));
  EXPECT_EQ(result.items[0].revision, a2.revision);
  EXPECT_EQ(result.items[0].value, a2.value);
  for (const StoredObject& item : result.items) {
    EXPECT_THAT(item, HasConsistentResourceVersion());
    ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(item.key));
    EXPECT_EQ(item.revision, got.revision);
    EXPECT_EQ(item.value, got.value);
  }
}

TEST_P(StoreListTest, LabelSelectors) {
  ASSERT_NO_FATAL_FAILURE(PutLabelFixture());
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {"db-a", "db-c", "none", "web-a", "web-b"}},
      {"team=web", {"web-a", "web-b"}},
      {"team==web", {"web-a", "web-b"}},
      {"team!=web", {"db-a", "db-c", "none"}},
      {"tier in (a,b)", {"db-a", "web-a", "web-b"}},
      {"tier notin (a,b)", {"db-c", "none"}},
      {"legacy", {"web-b"}},
      {"!legacy", {"db-a", "db-c", "none", "web-a"}},
      {"team=web,!legacy", {"web-a"}},
      {"team=db,tier in (c)", {"db-c"}},
      {"team=nobody", {}},
  };
  for (const auto& [selector, names] : cases) {
    StatusOr<std::vector<std::string>> got = NamesMatching(selector);
    EXPECT_THAT(got, IsOk()) << selector;
    if (got.ok()) {
      EXPECT_THAT(*got, ElementsAreArray(names)) << selector;
    }
  }
}

TEST_P(StoreListTest, LimitPagesInKeyOrderAtOneRevision) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());
  ASSERT_OK_AND_ASSIGN(ListResult unpaged,
                       List(ListOf(AllNamespaces("builds"))));

  for (int64_t limit : {1, 2, 3, 5, 6, 100}) {
    int64_t revision = 0;
    int pages = 0;
    ASSERT_OK_AND_ASSIGN(
        std::vector<StoredObject> items,
        ListAllPages(ListOf(AllNamespaces("builds"), {}, limit), &revision,
                     &pages));
    EXPECT_THAT(Paths(items), ElementsAreArray(Paths(unpaged.items)))
        << "limit " << limit;
    EXPECT_EQ(revision, unpaged.revision);
    EXPECT_GE(pages,
              static_cast<int>((unpaged.items.size() + limit - 1) / limit))
        << "limit " << limit;
  }
}

TEST_P(StoreListTest, FirstPageHasTokenAndRemainingWhenMoreFollow) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());

  ASSERT_OK_AND_ASSIGN(ListResult page,
                       List(ListOf(AllNamespaces("builds"), {}, 2)));

  EXPECT_THAT(Paths(page.items),
              ElementsAreArray({"/builds/ns-a-2/x", "/builds/ns-a/a1"}));
  EXPECT_NE(page.continue_token, "");
  if (page.remaining.has_value()) {
    EXPECT_EQ(*page.remaining, 3);
  }
}

TEST_P(StoreListTest, LimitWithSelectorCountsOnlyMatches) {
  ASSERT_NO_FATAL_FAILURE(PutLabelFixture());
  ASSERT_OK_AND_ASSIGN(LabelSelector web, LabelSelector::Parse("team=web"));

  int64_t revision = 0;
  int pages = 0;
  ASSERT_OK_AND_ASSIGN(
      std::vector<StoredObject> items,
      ListAllPages(ListOf(AllNamespaces("builds"), web, 1), &revision, &pages));

  EXPECT_THAT(Paths(items),
              ElementsAreArray({"/builds/ns/web-a", "/builds/ns/web-b",
                                "/builds/other/web-z"}));
}

// The core pagination guarantee: every page is read at the first page's
// revision, whatever is written meanwhile. Writes happen both in lockstep
// between pages (always) and from a background thread (racing).
TEST_P(StoreListTest, PagingReturnsFirstPageSnapshotDespiteConcurrentWrites) {
  constexpr int kObjects = 1000;
  constexpr int kKeySpace = 1200;  // keys >= kObjects are created later
  auto key_of = [](int i) {
    char name[16];
    std::snprintf(name, sizeof(name), "obj-%04d", i);
    return BuildKey(i % 2 == 0 ? "ns-even" : "ns-odd", name);
  };

  // The full history of acknowledged writes, by revision: the model.
  std::mutex history_mu;
  std::map<int64_t, std::pair<ObjectKey, std::optional<StoredObject>>> history;
  auto record = [&](const ObjectKey& key, const StatusOr<StoredObject>& result,
                    bool deleted) {
    ASSERT_THAT(result, IsOk()) << key.Path();
    std::lock_guard<std::mutex> lock(history_mu);
    history[result->revision] = {
        key, deleted ? std::nullopt : std::optional<StoredObject>(*result)};
  };
  for (int i = 0; i < kObjects; ++i) {
    const ObjectKey key = key_of(i);
    record(key, store().Create(key, MakeObject(key, {}, 0)), false);
  }

  // A writer owns keys with index % 4 == owner; it knows which exist.
  struct Writer {
    int owner;
    std::mt19937 rng;
    std::vector<bool> exists;
  };
  auto step = [&](Writer& w) {
    int i =
        std::uniform_int_distribution<int>(0, kKeySpace / 4 - 1)(w.rng) * 4 +
        w.owner;
    const ObjectKey key = key_of(i);
    if (!w.exists[i]) {
      record(key, store().Create(key, MakeObject(key, {}, 1)), false);
      w.exists[i] = true;
    } else if (std::uniform_int_distribution<int>(0, 2)(w.rng) == 0) {
      record(key, store().Delete(key, std::nullopt), true);
      w.exists[i] = false;
    } else {
      record(key,
             store().Update(key, MakeObject(key, {}, w.rng() % 1000 + 2),
                            std::nullopt),
             false);
    }
  };
  std::vector<bool> initial(kKeySpace, false);
  std::fill(initial.begin(), initial.begin() + kObjects, true);
  Writer lockstep{0, std::mt19937(1), initial};
  Writer background{1, std::mt19937(2), initial};
  Writer lockstep2{2, std::mt19937(3), initial};

  // Declared after everything it uses, so an early return stops and joins
  // it first.
  std::jthread racer([&](std::stop_token stop) {
    while (!stop.stop_requested()) step(background);
  });

  // Some writes before the first page, so its revision is not the setup's.
  for (int j = 0; j < 5; ++j) step(lockstep);

  ListOptions options = ListOf(AllNamespaces("builds"), {}, 37);
  std::vector<StoredObject> items;
  int64_t first_revision = 0;
  int pages = 0;
  for (;;) {
    StatusOr<ListResult> page = store().List(options);
    ASSERT_THAT(page, IsOk()) << "page " << pages;
    if (pages == 0) first_revision = page->revision;
    EXPECT_EQ(page->revision, first_revision) << "page " << pages;
    EXPECT_LE(page->items.size(), 37u);
    ++pages;
    items.insert(items.end(), page->items.begin(), page->items.end());
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    // Modify, delete and create between every pair of pages.
    for (int j = 0; j < 3; ++j) {
      step(lockstep);
      step(lockstep2);
    }
  }
  racer.request_stop();
  racer.join();

  // Expected: fold the history up to first_revision.
  std::map<std::string, StoredObject> expected;
  {
    std::lock_guard<std::mutex> lock(history_mu);
    ASSERT_GT(history.rbegin()->first, first_revision)
        << "no write happened after the first page";
    for (const auto& [revision, change] : history) {
      if (revision > first_revision) break;
      if (change.second.has_value()) {
        expected[change.first.Path()] = *change.second;
      } else {
        expected.erase(change.first.Path());
      }
    }
  }
  EXPECT_GE(pages, kObjects / 37);

  std::vector<std::string> want_paths;
  for (const auto& [path, obj] : expected) want_paths.push_back(path);
  std::sort(want_paths.begin(), want_paths.end());
  ASSERT_THAT(Paths(items), ElementsAreArray(want_paths));
  for (const StoredObject& item : items) {
    const StoredObject& want = expected.at(item.key.Path());
    EXPECT_EQ(item.revision, want.revision) << item.key.Path();
    EXPECT_EQ(item.value, want.value) << item.key.Path();
  }
}

TEST_P(StoreListTest, ContinueTokenFromAnotherScopeIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());
  ASSERT_OK_AND_ASSIGN(ListResult page,
                       List(ListOf(InNamespace("builds", "ns-a"), {}, 1)));
  ASSERT_NE(page.continue_token, "");

  for (const ResourceScope& other :
       {InNamespace("builds", "ns-b"), AllNamespaces("builds"),
        InNamespace("events", "ns-a"), AllNamespaces("nodes")}) {
    EXPECT_THAT(List(ListOf(other, {}, 1, page.continue_token)),
                StatusIs(StatusCode::kInvalidArgument))
        << other.resource << "/" << other.namespace_.value_or("*");
  }
  // The token still works in its own scope.
  ASSERT_OK_AND_ASSIGN(
      ListResult next,
      List(ListOf(InNamespace("builds", "ns-a"), {}, 1, page.continue_token)));
  EXPECT_THAT(Paths(next.items), ElementsAreArray({"/builds/ns-a/a2"}));
}

TEST_P(StoreListTest, ContinueTokenWithAnotherSelectorIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(PutLabelFixture());
  ASSERT_OK_AND_ASSIGN(LabelSelector web, LabelSelector::Parse("team=web"));
  ASSERT_OK_AND_ASSIGN(LabelSelector db, LabelSelector::Parse("team=db"));
  ASSERT_OK_AND_ASSIGN(ListResult page,
                       List(ListOf(AllNamespaces("builds"), web, 1)));
  ASSERT_NE(page.continue_token, "");

  EXPECT_THAT(List(ListOf(AllNamespaces("builds"), db, 1, page.continue_token)),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(List(ListOf(AllNamespaces("builds"), {}, 1, page.continue_token)),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(StoreListTest, GarbageContinueTokenIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());
  for (const std::string& token :
       {std::string("garbage"), std::string("!!!"), std::string("e30="),
        std::string("eyJmb28iOiJiYXIifQ=="), std::string("\x01\xff\x00", 3),
        std::string(4096, 'A')}) {
    EXPECT_THAT(List(ListOf(AllNamespaces("builds"), {}, 2, token)),
                StatusIs(StatusCode::kInvalidArgument))
        << "token " << ::testing::PrintToString(token.substr(0, 32));
  }
}

TEST_P(StoreListTest, TamperedContinueTokenIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());
  ASSERT_OK_AND_ASSIGN(ListResult page,
                       List(ListOf(AllNamespaces("builds"), {}, 1)));
  ASSERT_GE(page.continue_token.size(), 2u);

  const std::string truncated =
      page.continue_token.substr(0, page.continue_token.size() / 2);
  StatusOr<ListResult> result =
      List(ListOf(AllNamespaces("builds"), {}, 1, truncated));
  EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument))
      << "truncated token " << truncated;
}

TEST_P(StoreListTest, ContinueTokenAtCompactedRevisionIsOutOfRange) {
  ASSERT_NO_FATAL_FAILURE(PutScopeFixture());
  ASSERT_OK_AND_ASSIGN(ListResult page,
                       List(ListOf(AllNamespaces("builds"), {}, 2)));
  ASSERT_NE(page.continue_token, "");
  // Supersede rows the remaining pages need, then compact past the list.
  for (const char* name : {"b1", "b2"}) {
    const ObjectKey key = BuildKey("ns-b", name);
    ASSERT_OK(store().Update(key, MakeObject(key, {}, 9), std::nullopt));
  }
  ASSERT_OK(Compact(store().CurrentRevision()));
  ASSERT_GT(store().CompactedRevision(), page.revision);

  EXPECT_THAT(List(ListOf(AllNamespaces("builds"), {}, 2, page.continue_token)),
              StatusIs(StatusCode::kOutOfRange));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreListTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

}  // namespace
}  // namespace kiln
