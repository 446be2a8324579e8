#include "api_types/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/utf8.h"

namespace kiln {
namespace {

constexpr size_t kMaxKeyBytesInPath = 256;

std::string Expected(std::string_view want, const nlohmann::json& got) {
  std::string m = "expected ";
  m += want;
  m += ", got ";
  m += JsonTypeName(got);
  return m;
}

}  // namespace

std::string_view JsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::binary:
      return "binary";
    case nlohmann::json::value_t::discarded:
      return "discarded";
  }
  return "unknown";
}

std::string JoinPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += SanitizeForMessage(key, kMaxKeyBytesInPath);
  return out;
}

std::string IndexPath(std::string_view parent, size_t index) {
  std::string out(parent);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

std::string MapKeyPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '[';
  out += SanitizeForMessage(key, kMaxKeyBytesInPath);
  out += ']';
  return out;
}

void FieldErrorCollector::Add(std::string field, std::string message) {
  if (errors_.size() >= kMaxErrors) {
    ++dropped_;
    return;
  }
  errors_.push_back({std::move(field), std::move(message)});
}

std::vector<FieldError> FieldErrorCollector::Release() && {
  if (dropped_ > 0) {
    errors_.push_back(
        {"", std::to_string(dropped_) + " more errors not shown"});
  }
  return std::move(errors_);
}

std::optional<int64_t> JsonToInt64(const nlohmann::json& value,
                                   std::string* error) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return value.get<int64_t>();
  }
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *error = "integer out of range";
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d) {
      *error = Expected("integer", value);
      return std::nullopt;
    }
    // [-2^63, 2^63): both bounds are exact doubles.
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
      *error = "integer out of range";
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  *error = Expected("integer", value);
  return std::nullopt;
}

std::optional<std::string> JsonToString(const nlohmann::json& value,
                                        std::string* error) {
  if (!value.is_string()) {
    *error = Expected("string", value);
    return std::nullopt;
  }
  const std::string& s = value.get_ref<const std::string&>();
  if (!IsValidUtf8(s)) {
    *error = "invalid UTF-8 in string";
    return std::nullopt;
  }
  return s;
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path,
                           FieldErrorCollector& errors)
    : value_(value), path_(std::move(path)), errors_(errors) {
  is_object_ = value_.is_object();
  if (!is_object_ && !value_.is_null()) {
    errors_.Add(path_, Expected("object", value_));
  }
}

const nlohmann::json* ObjectReader::Take(std::string_view key) {
  if (!is_object_) return nullptr;
  const auto it = value_.find(key);
  if (it == value_.end()) return nullptr;
  taken_.emplace_back(key);
  if (it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json* ObjectReader::TakeArray(std::string_view key) {
  const nlohmann::json* value = Take(key);
  if (value != nullptr && !value->is_array()) {
    AddError(key, Expected("array", *value));
    return nullptr;
  }
  return value;
}

void ObjectReader::AddError(std::string_view key, std::string message) {
  errors_.Add(PathOf(key), std::move(message));
}

bool ObjectReader::String(std::string_view key, std::string* out) {
  const nlohmann::json* value = Take(key);
  if (value == nullptr) return false;
  std::string error;
  std::optional<std::string> s = JsonToString(*value, &error);
  if (!s) {
    AddError(key, std::move(error));
    return false;
  }
  *out = std::move(*s);
  return true;
}

void ObjectReader::Int64(std::string_view key, int64_t* out) {
  std::optional<int64_t> v;
  Int64(key, &v);
  if (v) *out = *v;
}

void ObjectReader::Int64(std::string_view key, std::optional<int64_t>* out) {
  const nlohmann::json* value = Take(key);
  if (value == nullptr) return;
  std::string error;
  if (auto v = JsonToInt64(*value, &error)) {
    *out = *v;
  } else {
    AddError(key, std::move(error));
  }
}

void ObjectReader::Int32(std::string_view key, int32_t* out) {
  std::optional<int64_t> v;
  Int64(key, &v);
  if (!v) return;
  if (*v < std::numeric_limits<int32_t>::min() ||
      *v > std::numeric_limits<int32_t>::max()) {
    AddError(key, "integer out of range");
    return;
  }
  *out = static_cast<int32_t>(*v);
}

void ObjectReader::Bool(std::string_view key, bool* out) {
  const nlohmann::json* value = Take(key);
  if (value == nullptr) return;
  if (!value->is_boolean()) {
    AddError(key, Expected("boolean", *value));
    return;
  }
  *out = value->get<bool>();
}

void ObjectReader::Time(std::string_view key, std::optional<Timestamp>* out) {
  const nlohmann::json* value = Take(key);
  if (value == nullptr) return;
  std::string error;
  const std::optional<std::string> s = JsonToString(*value, &error);
  if (!s) {
    AddError(key, std::move(error));
    return;
  }
  const std::optional<Timestamp> t = ParseRfc3339(*s);
  if (!t) {
    AddError(key,
             "expected RFC 3339 time like \"2026-11-28T14:55:03Z\", got \"" +
                 SanitizeForMessage(*s, 64) + "\"");
    return;
  }
  *out = *t;
}

void ObjectReader::StringMap(std::string_view key,
                             std::map<std::string, std::string>* out) {
  const nlohmann::json* value = Take(key);
  if (value == nullptr) return;
  if (!value->is_object()) {
    AddError(key, Expected("object", *value));
    return;
  }
  const std::string path = PathOf(key);
  std::map<std::string, std::string> result;
  bool ok = true;
  for (const auto& [k, v] : value->items()) {
    std::string error;
    std::optional<std::string> s = JsonToString(v, &error);
    if (!IsValidUtf8(k)) {
      error = "invalid UTF-8 in key";
      s.reset();
    }
    if (!s) {
      errors_.Add(MapKeyPath(path, k), std::move(error));
      ok = false;
      continue;
    }
    result.emplace(k, std::move(*s));
  }
  if (ok) *out = std::move(result);
}

void ObjectReader::StringList(std::string_view key,
                              std::vector<std::string>* out) {
  const nlohmann::json* value = TakeArray(key);
  if (value == nullptr) return;
  const std::string path = PathOf(key);
  std::vector<std::string> result;
  bool ok = true;
  for (size_t i = 0; i < value->size(); ++i) {
    std::string error;
    std::optional<std::string> s = JsonToString((*value)[i], &error);
    if (!s) {
      errors_.Add(IndexPath(path, i), std::move(error));
      ok = false;
      continue;
    }
    result.push_back(std::move(*s));
  }
  if (ok) *out = std::move(result);
}

void ObjectReader::Finish() {
  if (!is_object_) return;
  for (const auto& [key, unused] : value_.items()) {
    if (std::find(taken_.begin(), taken_.end(), key) == taken_.end()) {
      errors_.Add(PathOf(key), "unknown field");
    }
  }
}

}  // namespace kiln
