#include "controller/apiserver/field_selector.h"

#include <utility>

namespace kiln {

StatusOr<std::vector<FieldRequirement>> ParseFieldSelector(
    const std::string& text, bool for_watch) {
  std::vector<FieldRequirement> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma - start);
    start = comma == std::string::npos ? text.size() : comma + 1;
    if (part.empty()) continue;
    FieldRequirement r;
    size_t op = part.find("!=");
    size_t len = 2;
    if (op != std::string::npos) {
      r.negate = true;
    } else if ((op = part.find("==")) == std::string::npos) {
      op = part.find('=');
      len = 1;
    }
    if (op == std::string::npos) {
      return InvalidArgumentError("invalid field selector \"" + part +
                                  "\": want field=value");
    }
    r.field = part.substr(0, op);
    r.value = part.substr(op + len);
    bool known = r.field == "metadata.name" ||
                 r.field == "metadata.namespace" ||
                 (!for_watch && r.field == "status.phase");
    if (!known) {
      return InvalidArgumentError(
          "field selector \"" + r.field + "\" is not supported" +
          (for_watch ? " for watches" : "") +
          "; supported: metadata.name, metadata.namespace" +
          (for_watch ? "" : ", status.phase"));
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool FieldsMatch(const std::vector<FieldRequirement>& requirements,
                 const nlohmann::json& object) {
  for (const auto& r : requirements) {
    const nlohmann::json* v = &object;
    size_t start = 0;
    std::string path = r.field;
    while (v && start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string part = path.substr(start, dot - start);
      v = v->is_object() && v->contains(part) ? &(*v)[part] : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string got = v && v->is_string() ? v->get<std::string>() : "";
    if ((got == r.value) == r.negate) return false;
  }
  return true;
}

}  // namespace kiln
