#include "api_types/phase.h"

#include <set>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace kiln {
namespace {

using P = BuildPhase;

constexpr BuildPhase kAllPhases[] = {P::kUnset,    P::kPending, P::kBuilding,
                                     P::kPushing,  P::kReady,   P::kFailed,
                                     P::kCancelled};

TEST(PhaseTest, NamesRoundTrip) {
  struct Case {
    BuildPhase phase;
    const char* name;
  };
  const Case cases[] = {
      {P::kUnset, ""},
      {P::kPending, "Pending"},
      {P::kBuilding, "Building"},
      {P::kPushing, "Pushing"},
      {P::kReady, "Ready"},
      {P::kFailed, "Failed"},
      {P::kCancelled, "Cancelled"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PhaseName(c.phase), c.name);
    EXPECT_EQ(ParsePhase(c.name), c.phase) << c.name;
  }
}

TEST(PhaseTest, ParsesLegacyQueuedAsPending) {
  EXPECT_EQ(ParsePhase("queued"), P::kPending);
  EXPECT_EQ(ParsePhase("Queued"), P::kPending);
}

TEST(PhaseTest, RejectsUnknownNames) {
  for (const char* name :
       {"pending", "READY", "Succeeded", "Queue", " Ready", "Unset"}) {
    EXPECT_EQ(ParsePhase(name), std::nullopt) << name;
  }
}

TEST(PhaseTest, TerminalPhases) {
  const std::set<BuildPhase> terminal = {P::kReady, P::kFailed, P::kCancelled};
  for (BuildPhase phase : kAllPhases) {
    EXPECT_EQ(IsTerminal(phase), terminal.contains(phase)) << PhaseName(phase);
  }
}

TEST(PhaseTest, TransitionsExhaustive) {
  const std::set<std::pair<BuildPhase, BuildPhase>> legal = {
      {P::kUnset, P::kPending},     {P::kPending, P::kBuilding},
      {P::kPending, P::kFailed},    {P::kPending, P::kCancelled},
      {P::kBuilding, P::kPushing},  {P::kBuilding, P::kReady},
      {P::kBuilding, P::kFailed},   {P::kBuilding, P::kCancelled},
      {P::kPushing, P::kReady},     {P::kPushing, P::kFailed},
      {P::kPushing, P::kCancelled},
  };
  for (BuildPhase from : kAllPhases) {
    for (BuildPhase to : kAllPhases) {
      const bool expected = from == to || legal.contains({from, to});
      EXPECT_EQ(IsLegalTransition(from, to), expected)
          << "from '" << PhaseName(from) << "' to '" << PhaseName(to) << "'";
    }
  }
}

TEST(PhaseTest, TerminalPhasesAreNeverLeft) {
  for (BuildPhase from : kAllPhases) {
    if (!IsTerminal(from)) continue;
    for (BuildPhase to : kAllPhases) {
      EXPECT_EQ(IsLegalTransition(from, to), from == to);
    }
  }
}

}  // namespace
}  // namespace kiln
