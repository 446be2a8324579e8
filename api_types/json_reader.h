// Strict decoding helpers shared by the per-type JSON decoders: path
// tracking, typed getters, unknown-field detection and error collection.
//
// A decoder wraps each JSON object it expects in an ObjectReader, reads every
// field it knows with a typed getter and finally calls Finish(), which reports
// every key nobody read as an unknown field. Absent keys and JSON null are
// both "unset": the output is left untouched. A field of the wrong type
// records "path: expected T, got U" and leaves the output untouched, so one
// pass reports every problem. Paths use the wire spelling:
// "spec.resources.cpus", "status.conditions[1].type", "metadata.labels[team]".
//
// Nothing here throws. Thread-compatible; readers are short-lived locals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/field_error.h"
#include "api_types/status.h"
#include "api_types/time.h"

namespace kiln {

// "object", "array", "string", "integer", "number", "boolean", "null".
std::string_view JsonTypeName(const nlohmann::json& value);

// "spec" + "cpus" -> "spec.cpus"; "" + "kind" -> "kind". Keys that are not
// valid UTF-8 or are very long are sanitized (see SanitizeForMessage).
std::string JoinPath(std::string_view parent, std::string_view key);
// "status.conditions" + 1 -> "status.conditions[1]".
std::string IndexPath(std::string_view parent, size_t index);
// "metadata.labels" + "team" -> "metadata.labels[team]" (map entries).
std::string MapKeyPath(std::string_view parent, std::string_view key);

// Collects field errors in order, keeping the first kMaxErrors so that a
// hostile document cannot produce an unbounded message.
class FieldErrorCollector {
 public:
  static constexpr size_t kMaxErrors = 50;

  void Add(std::string field, std::string message);
  bool empty() const { return errors_.empty(); }
  // Returns the errors; when more than kMaxErrors were added the list ends
  // with {"", "N more errors not shown"}.
  std::vector<FieldError> Release() &&;

 private:
  std::vector<FieldError> errors_;
  size_t dropped_ = 0;
};

// Scalar conversions shared with arrays and maps. Each returns nullopt and
// sets *error (e.g. "expected integer, got string") on mismatch. Integers
// accept JSON integers and floats without a fraction within range.
std::optional<int64_t> JsonToInt64(const nlohmann::json& value,
                                   std::string* error);
std::optional<std::string> JsonToString(const nlohmann::json& value,
                                        std::string* error);

// Reads one JSON object at `path`. See the file comment.
class ObjectReader {
 public:
  // Reads `value` (null reads as an empty object; any other non-object
  // records "expected object, got T"). REQUIRES: `value` and `errors` outlive
  // the reader.
  ObjectReader(const nlohmann::json& value, std::string path,
               FieldErrorCollector& errors);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const {
    return JoinPath(path_, key);
  }

  // Marks `key` read; returns its value, or nullptr when absent or null.
  const nlohmann::json* Take(std::string_view key);
  // Records "PathOf(key): message".
  void AddError(std::string_view key, std::string message);

  // Returns true when a string was stored in *out.
  bool String(std::string_view key, std::string* out);
  void Int64(std::string_view key, int64_t* out);
  void Int64(std::string_view key, std::optional<int64_t>* out);
  void Int32(std::string_view key, int32_t* out);
  void Bool(std::string_view key, bool* out);
  // An RFC 3339 string (see time.h).
  void Time(std::string_view key, std::optional<Timestamp>* out);
  // An object whose values are all strings.
  void StringMap(std::string_view key, std::map<std::string, std::string>* out);
  void StringList(std::string_view key, std::vector<std::string>* out);

  // When `key` holds an object, calls decode(ObjectReader&) on it, then
  // reports its unknown fields. Returns whether the key was present and not
  // null (true even when it was not an object and an error was recorded).
  template <typename Fn>
  bool Object(std::string_view key, Fn&& decode) {
    const nlohmann::json* value = Take(key);
    if (value == nullptr) return false;
    ObjectReader child(*value, PathOf(key), errors_);
    if (child.is_object_) decode(child);
    child.Finish();
    return true;
  }

  // When `key` holds an array, calls decode(ObjectReader&) for each element
  // (path "key[i]"); null elements are skipped.
  template <typename Fn>
  void ObjectArray(std::string_view key, Fn&& decode) {
    const nlohmann::json* value = TakeArray(key);
    if (value == nullptr) return;
    const std::string path = PathOf(key);
    for (size_t i = 0; i < value->size(); ++i) {
      ObjectReader child((*value)[i], IndexPath(path, i), errors_);
      if (child.is_object_) decode(child);
      child.Finish();
    }
  }

  // Reports every key not taken as "path.key: unknown field". Call once,
  // after all getters.
  void Finish();

 private:
  const nlohmann::json* TakeArray(std::string_view key);

  const nlohmann::json& value_;
  const std::string path_;
  FieldErrorCollector& errors_;
  bool is_object_ = false;
  std::vector<std::string> taken_;
};

// Decodes a top-level object: runs decode(ObjectReader&, T*) and turns the
// collected errors into InvalidArgument ("field: message" joined by "; ").
// Non-objects, including null, are rejected. When `errors_out` is not null it
// receives the error list (empty on success).
template <typename T, typename Fn>
StatusOr<T> DecodeTopLevel(const nlohmann::json& value,
                           std::vector<FieldError>* errors_out, Fn&& decode) {
  FieldErrorCollector errors;
  T out{};
  if (!value.is_object()) {
    errors.Add("", "expected object, got " + std::string(JsonTypeName(value)));
  } else {
    ObjectReader reader(value, "", errors);
    decode(reader, &out);
    reader.Finish();
  }
  std::vector<FieldError> list = std::move(errors).Release();
  Status status = FieldErrorsToStatus(list);
  if (errors_out != nullptr) *errors_out = std::move(list);
  if (!status.ok()) return status;
  return out;
}

}  // namespace kiln
