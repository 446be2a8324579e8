#include "controller/store/watch_filter.h"

namespace kiln {

std::map<std::string, std::string> LabelsOf(const nlohmann::json& object) {
  std::map<std::string, std::string> labels;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return labels;
  auto l = meta->find("labels");
  if (l == meta->end() || !l->is_object()) return labels;
  for (auto it = l->begin(); it != l->end(); ++it) {
    if (it.value().is_string())
      labels[it.key()] = it.value().get<std::string>();
  }
  return labels;
}

bool SelectorMatches(const LabelSelector& selector,
                     const nlohmann::json& object) {
  return selector.Empty() || selector.Matches(LabelsOf(object));
}

std::optional<WatchEvent> FilterChange(const LabelSelector& selector,
                                       WatchEventType type,
                                       const ObjectKey& key, int64_t revision,
                                       const nlohmann::json& value,
                                       const nlohmann::json* prev) {
  auto event = [&](WatchEventType t, const nlohmann::json& v) {
    WatchEvent e;
    e.type = t;
    e.object.key = key;
    e.object.revision = revision;
    e.object.value = v;
    return e;
  };
  if (selector.Empty()) return event(type, value);
  const bool now = SelectorMatches(selector, value);
  if (type != WatchEventType::kModified) {
    if (!now) return std::nullopt;
    return event(type, value);
  }
  const bool before = prev && SelectorMatches(selector, *prev);
  if (now && before) return event(WatchEventType::kModified, value);
  if (now) return event(WatchEventType::kAdded, value);
  if (before) {
    nlohmann::json last = *prev;
    last["metadata"]["resourceVersion"] = std::to_string(revision);
    return event(WatchEventType::kDeleted, last);
  }
  return std::nullopt;
}

}  // namespace kiln
