// Label-selector semantics for stored JSON objects and watch events, as the
// Kubernetes watch cache applies them.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_types/label_selector.h"
#include "controller/store/store.h"

namespace kiln {

// metadata.labels of a stored object (string values only).
std::map<std::string, std::string> LabelsOf(const nlohmann::json& object);

// Whether `object` matches `selector` (always true for the empty selector).
bool SelectorMatches(const LabelSelector& selector,
                     const nlohmann::json& object);

// Maps a change to what a watcher with `selector` sees, or nullopt:
//   ADDED    -> ADDED if the object matches;
//   MODIFIED -> MODIFIED if old and new match, ADDED if only the new one does,
//               DELETED (old state, new revision) if only the old one does;
//   DELETED  -> DELETED if the last state matches.
// `prev` is the previous state (null for ADDED or when unknown).
std::optional<WatchEvent> FilterChange(const LabelSelector& selector,
                                       WatchEventType type,
                                       const ObjectKey& key, int64_t revision,
                                       const nlohmann::json& value,
                                       const nlohmann::json* prev);

}  // namespace kiln
