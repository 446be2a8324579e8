// GoogleTest matchers and macros for kiln::Status / kiln::StatusOr<T>:
//
//   EXPECT_THAT(store.Get(key), IsOk());
//   EXPECT_THAT(store.Get(key), StatusIs(StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(StatusCode::kAborted, HasSubstr("op 1")));
//   EXPECT_THAT(ParseInt("12"), IsOkAndHolds(12));
//   ASSERT_OK(store.Compact(5));
//   ASSERT_OK_AND_ASSIGN(StoredObject obj, store.Create(key, value));
//
// The matchers accept both Status and StatusOr<T>. PrintTo overloads make
// failure messages show "Aborted: ..." instead of raw bytes. Test-only.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>

#include "api_types/status.h"

namespace kiln {

// gtest finds these by ADL when printing values in failure messages.
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << status.ToString();
}

template <typename T>
void PrintTo(const StatusOr<T>& status_or, std::ostream* os) {
  if (!status_or.ok()) {
    *os << status_or.status().ToString();
    return;
  }
  *os << "OK(" << ::testing::PrintToString(*status_or) << ")";
}

namespace status_matchers_internal {

inline const Status& GetStatus(const Status& status) { return status; }

template <typename T>
Status GetStatus(const StatusOr<T>& status_or) {
  return status_or.status();
}

class StatusIsMatcher {
 public:
  StatusIsMatcher(StatusCode code,
                  ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& value,
                       ::testing::MatchResultListener* listener) const {
    const Status status = GetStatus(value);
    *listener << "whose status is " << status.ToString();
    if (status.code() != code_) return false;
    ::testing::StringMatchResultListener message_listener;
    if (!message_.MatchAndExplain(status.message(), &message_listener)) {
      const std::string explanation = message_listener.str();
      if (!explanation.empty()) *listener << ", message " << explanation;
      return false;
    }
    return true;
  }

  void DescribeTo(std::ostream* os) const {
    *os << "has status code " << StatusCodeName(code_)
        << " and a message that ";
    message_.DescribeTo(os);
  }

  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have status code " << StatusCodeName(code_)
        << " or has a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  StatusCode code_;
  ::testing::Matcher<const std::string&> message_;
};

class IsOkMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const T& value,
                       ::testing::MatchResultListener* listener) const {
    const Status status = GetStatus(value);
    if (!status.ok()) *listener << "whose status is " << status.ToString();
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

}  // namespace status_matchers_internal

// Matches an OK Status, or a StatusOr<T> holding a value.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher>
IsOk() {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::IsOkMatcher());
}

// Matches a Status / StatusOr<T> whose code is `code` and whose message
// matches `message` (anything by default).
inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(StatusCode code,
         ::testing::Matcher<const std::string&> message = ::testing::_) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(code, std::move(message)));
}

// Matches a StatusOr<T> that holds a value matching `inner`, e.g.
// EXPECT_THAT(store.Get(key), IsOkAndHolds(Field(&StoredObject::revision, 3))).
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

}  // namespace kiln

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::kiln::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::kiln::IsOk())

// ASSERT_OK_AND_ASSIGN(auto x, Foo()): asserts Foo() is OK and moves its
// value into `lhs`. Usable only in functions returning void (as ASSERT_*).
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                      \
  ASSERT_OK_AND_ASSIGN_IMPL(KILN_CONCAT(kiln_test_statusor_, __LINE__), lhs, \
                            expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_THAT(tmp, ::kiln::IsOk());               \
  lhs = std::move(tmp).value()
