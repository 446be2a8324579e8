#include "controller/store/store.h"

#include <utility>

namespace kiln {

std::string ObjectKey::Path() const {
  std::string p = "/" + resource + "/";
  if (!namespace_.empty()) p += namespace_ + "/";
  return p + name;
}

StatusOr<ObjectKey> ObjectKey::FromPath(const std::string& path) {
  std::vector<std::string> parts;
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentError("key path must start with '/': " + path);
  }
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (const auto& part : parts) {
    if (part.empty())
      return InvalidArgumentError("empty segment in key path: " + path);
  }
  if (parts.size() == 2) return ObjectKey{parts[0], "", parts[1]};
  if (parts.size() == 3) return ObjectKey{parts[0], parts[1], parts[2]};
  return InvalidArgumentError("key path needs 2 or 3 segments: " + path);
}

Status ObjectKey::Validate() const {
  if (resource.empty() || name.empty()) {
    return InvalidArgumentError("key needs a resource and a name");
  }
  for (const std::string* part : {&resource, &namespace_, &name}) {
    if (part->find('/') != std::string::npos) {
      return InvalidArgumentError("key part \"" + *part +
                                  "\" must not contain '/'");
    }
  }
  return OkStatus();
}

TxnOp TxnOp::Create(ObjectKey key, nlohmann::json value) {
  return TxnOp{Kind::kCreate, std::move(key), std::move(value), std::nullopt};
}
TxnOp TxnOp::Update(ObjectKey key, nlohmann::json value,
                    std::optional<int64_t> expected_revision) {
  return TxnOp{Kind::kUpdate, std::move(key), std::move(value),
               expected_revision};
}
TxnOp TxnOp::Delete(ObjectKey key, std::optional<int64_t> expected_revision) {
  return TxnOp{Kind::kDelete, std::move(key), nullptr, expected_revision};
}
TxnOp TxnOp::Check(ObjectKey key, int64_t expected_revision) {
  return TxnOp{Kind::kCheck, std::move(key), nullptr, expected_revision};
}

}  // namespace kiln
