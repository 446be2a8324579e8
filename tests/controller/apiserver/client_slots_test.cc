#include "controller/apiserver/client_slots.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace kiln {
namespace {

TEST(ClientSlotsTest, CapsEachClientAndReleasesWithTheLastCopy) {
  auto slots = std::make_shared<ClientSlots>(2);
  std::shared_ptr<void> a1 = slots->TryAcquire("alice");
  std::shared_ptr<void> a2 = slots->TryAcquire("alice");
  ASSERT_NE(a1, nullptr);
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(slots->TryAcquire("alice"), nullptr);
  EXPECT_NE(slots->TryAcquire("bob"), nullptr);  // released at once
  EXPECT_EQ(slots->Held("bob"), 0u);
  std::shared_ptr<void> copy = a1;
  a1.reset();
  EXPECT_EQ(slots->Held("alice"), 2u);
  copy.reset();
  EXPECT_EQ(slots->Held("alice"), 1u);
  EXPECT_NE(slots->TryAcquire("alice"), nullptr);
}

TEST(ClientSlotsTest, OutlivesTheOwnerWhileSlotsAreHeld) {
  std::shared_ptr<void> slot;
  {
    auto slots = std::make_shared<ClientSlots>(1);
    slot = slots->TryAcquire("c");
  }
  slot.reset();  // must not touch a destroyed table
}

TEST(ClientSlotsTest, ConcurrentAcquiresNeverExceedTheCap) {
  auto slots = std::make_shared<ClientSlots>(3);
  std::vector<std::thread> threads;
  std::atomic<int> over{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        std::shared_ptr<void> s = slots->TryAcquire("c");
        if (slots->Held("c") > 3) ++over;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(slots->Held("c"), 0u);
}

}  // namespace
}  // namespace kiln
