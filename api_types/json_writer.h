// Encoding helpers shared by the per-type JSON encoders. They implement
// Kubernetes "omitempty": empty strings, zero integers, false, empty maps and
// lists and unset optionals are left out. Header-only; never throws for
// values built by the encoders.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/time.h"

namespace kiln::json_writer {

inline void PutString(nlohmann::json& j, std::string_view key,
                      const std::string& value) {
  if (!value.empty()) j[std::string(key)] = value;
}

inline void PutInt(nlohmann::json& j, std::string_view key, int64_t value) {
  if (value != 0) j[std::string(key)] = value;
}

inline void PutOptionalInt(nlohmann::json& j, std::string_view key,
                           const std::optional<int64_t>& value) {
  if (value) j[std::string(key)] = *value;
}

inline void PutBool(nlohmann::json& j, std::string_view key, bool value) {
  if (value) j[std::string(key)] = true;
}

inline void PutTime(nlohmann::json& j, std::string_view key,
                    const std::optional<Timestamp>& value) {
  if (value) j[std::string(key)] = FormatRfc3339(*value);
}

inline void PutStringMap(nlohmann::json& j, std::string_view key,
                         const std::map<std::string, std::string>& value) {
  if (!value.empty()) j[std::string(key)] = value;
}

inline void PutStringList(nlohmann::json& j, std::string_view key,
                          const std::vector<std::string>& value) {
  if (!value.empty()) j[std::string(key)] = value;
}

// Sets j[key] = value unless value is an empty object.
inline void PutObject(nlohmann::json& j, std::string_view key,
                      nlohmann::json value) {
  if (!value.empty()) j[std::string(key)] = std::move(value);
}

}  // namespace kiln::json_writer
