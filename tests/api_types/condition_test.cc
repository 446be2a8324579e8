#include "api_types/condition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace kiln {
namespace {

Timestamp T(int s) {
  return Timestamp{std::chrono::seconds(1'800'000'000 + s)};
}

TEST(ConditionTest, FindReturnsMatchingTypeOrNull) {
  const std::vector<Condition> conditions = {
      {"Ready", ConditionStatus::kFalse, "", "", T(0)},
      {"Succeeded", ConditionStatus::kTrue, "", "", T(1)}};
  ASSERT_NE(FindCondition(conditions, "Succeeded"), nullptr);
  EXPECT_EQ(FindCondition(conditions, "Succeeded")->status,
            ConditionStatus::kTrue);
  EXPECT_EQ(FindCondition(conditions, "Missing"), nullptr);
}

TEST(ConditionTest, SetAppendsNewConditionStampedNow) {
  std::vector<Condition> conditions;
  SetCondition(conditions,
               {"Ready", ConditionStatus::kFalse, "Building", "", {}}, T(5));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].last_transition_time, T(5));
  EXPECT_EQ(conditions[0].reason, "Building");
}

TEST(ConditionTest, SetKeepsTransitionTimeWhenStatusUnchanged) {
  std::vector<Condition> conditions = {
      {"Ready", ConditionStatus::kFalse, "Pending", "", T(1)}};
  SetCondition(conditions,
               {"Ready", ConditionStatus::kFalse, "Building", "step 1", T(9)},
               T(5));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].last_transition_time, T(1));
  EXPECT_EQ(conditions[0].reason, "Building");
  EXPECT_EQ(conditions[0].message, "step 1");
}

TEST(ConditionTest, SetStampsTransitionWhenStatusChanges) {
  std::vector<Condition> conditions = {
      {"Ready", ConditionStatus::kFalse, "", "", T(1)},
      {"Other", ConditionStatus::kTrue, "", "", T(1)}};
  SetCondition(conditions, {"Ready", ConditionStatus::kTrue, "Built", "", {}},
               T(5));
  EXPECT_EQ(conditions[0].status, ConditionStatus::kTrue);
  EXPECT_EQ(conditions[0].last_transition_time, T(5));
  SetCondition(conditions, {"Ready", ConditionStatus::kFalse, "", "", T(3)},
               T(7));
  EXPECT_EQ(conditions[0].last_transition_time, T(3));
  EXPECT_EQ(conditions.size(), 2u);
}

}  // namespace
}  // namespace kiln
