#include "api_types/json_parse.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/utf8.h"

namespace kiln {
namespace {

// Thrown from the parser callback to stop at the first level past the limit;
// caught in ParseJson, never escapes it.
struct JsonTooDeep {};

}  // namespace

StatusOr<nlohmann::json> ParseJson(std::string_view text) {
  // Duplicate keys: nlohmann keeps the last one silently; strict decoding
  // must not, so a parser callback tracks the keys of every open object.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event,
                            nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if ((event == Event::object_start || event == Event::array_start) &&
        depth >= kMaxJsonDepth) {
      throw JsonTooDeep{};
    }
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() &&
               duplicate.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  try {
    nlohmann::json parsed = nlohmann::json::parse(text, callback);
    if (!duplicate.empty()) {
      return InvalidArgumentError("json: duplicate key \"" +
                                  SanitizeForMessage(duplicate) + "\"");
    }
    return parsed;
  } catch (const JsonTooDeep&) {
    return InvalidArgumentError("json: nesting deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels");
  } catch (const nlohmann::json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    std::string_view what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    return InvalidArgumentError("json: " + SanitizeForMessage(what, 512));
  }
}

}  // namespace kiln
