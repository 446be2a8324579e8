// The Build phase machine: wire names and legal transitions.
//
//   (unset) -> Pending                      admission
//   Pending  -> Building | Failed | Cancelled
//   Building -> Pushing | Ready | Failed | Cancelled
//   Pushing  -> Ready | Failed | Cancelled
//   X -> X   always legal (idempotent status rewrite, terminal included)
//   Ready, Failed, Cancelled are terminal: never left.
//
// Pure functions: thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "api_types/build.h"

namespace kiln {

// The wire spelling: "" for kUnset, "Pending", "Building", "Pushing", "Ready",
// "Failed", "Cancelled".
std::string_view PhaseName(BuildPhase phase);

// Inverse of PhaseName (case-sensitive), plus the legacy spellings "queued"
// and "Queued", read as kPending. "" parses to kUnset. Returns nullopt for
// anything else.
std::optional<BuildPhase> ParsePhase(std::string_view name);

// True for kReady, kFailed and kCancelled.
bool IsTerminal(BuildPhase phase);

// True when a status write may move a Build from `from` to `to` (see the
// table above).
bool IsLegalTransition(BuildPhase from, BuildPhase to);

}  // namespace kiln
