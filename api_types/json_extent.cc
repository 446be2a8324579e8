#include "api_types/json_extent.h"

#include <utility>
#include <vector>

namespace kiln {
namespace {

using nlohmann::json;

size_t ScalarBytes(const json& value) {
  if (value.is_string()) {
    return value.get_ref<const json::string_t&>().size() + 2;
  }
  return value.is_number() ? 8 : 5;
}

}  // namespace

JsonExtent MeasureJson(const json& value, size_t max_bytes, int max_depth) {
  JsonExtent extent;
  // (value, levels of containers enclosing it)
  std::vector<std::pair<const json*, int>> pending = {{&value, 0}};
  while (!pending.empty()) {
    const auto [node, enclosing] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) {
      extent.bytes += ScalarBytes(*node);
    } else {
      const int level = enclosing + 1;
      if (level > extent.depth) extent.depth = level;
      extent.bytes += 2;
      if (node->is_object()) {
        for (const auto& [key, member] : node->items()) {
          extent.bytes += key.size() + 4;  // "key": and a comma
          pending.emplace_back(&member, level);
        }
      } else {
        for (const json& element : *node) {
          extent.bytes += 1;
          pending.emplace_back(&element, level);
        }
      }
    }
    if (extent.bytes > max_bytes || extent.depth > max_depth) break;
  }
  return extent;
}

}  // namespace kiln
