// The Event resource (kiln.dev/v1, core-style fields): one transition of an
// object, de-duplicated by incrementing `count`. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api_types/object_meta.h"
#include "api_types/time.h"

namespace kiln {

inline constexpr char kEventKind[] = "Event";

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;  // wire: namespace
  std::string name;
  std::string uid;
  std::string resource_version;
  friend bool operator==(const ObjectReference&,
                         const ObjectReference&) = default;
};

struct Event {
  ObjectMeta metadata;
  ObjectReference involved_object;
  std::string reason;  // e.g. "Admitted", "Cancelled"
  std::string message;
  std::string type;  // "Normal" | "Warning"
  int64_t count = 0;
  std::optional<Timestamp> first_timestamp;
  std::optional<Timestamp> last_timestamp;
  std::string source_component;  // wire: source.component
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace kiln
