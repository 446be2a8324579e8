#include "api_types/node_json.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_types/json_reader.h"
#include "api_types/json_writer.h"
#include "api_types/object_meta.h"
#include "api_types/object_meta_json.h"

namespace kiln {
namespace {

nlohmann::json ResourcesToJson(const NodeResources& resources) {
  return {{"cpus", resources.cpus},
          {"memoryMiB", resources.memory_mib},
          {"builds", resources.builds}};
}

void DecodeResources(ObjectReader& r, NodeResources* out) {
  r.Int64("cpus", &out->cpus);
  r.Int64("memoryMiB", &out->memory_mib);
  r.Int64("builds", &out->builds);
}

}  // namespace

nlohmann::json ToJson(const Node& node) {
  nlohmann::json status = nlohmann::json::object();
  status["capacity"] = ResourcesToJson(node.status.capacity);
  status["allocated"] = ResourcesToJson(node.status.allocated);
  json_writer::PutString(status, "driver", node.status.driver);
  json_writer::PutString(status, "accelerator", node.status.accelerator);
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kNodeKind;
  j["metadata"] = ToJson(node.metadata);
  j["status"] = std::move(status);
  return j;
}

StatusOr<Node> NodeFromJson(const nlohmann::json& j,
                            const DecodeOptions& options,
                            std::vector<FieldError>* errors) {
  const auto decode = [&](ObjectReader& r, Node* out) {
    CheckTypeMeta(r, kApiVersion, kNodeKind, options);
    r.Object("metadata",
             [&](ObjectReader& m) { DecodeObjectMeta(m, &out->metadata); });
    r.Object("status", [&](ObjectReader& s) {
      s.Object("capacity", [&](ObjectReader& c) {
        DecodeResources(c, &out->status.capacity);
      });
      s.Object("allocated", [&](ObjectReader& a) {
        DecodeResources(a, &out->status.allocated);
      });
      s.String("driver", &out->status.driver);
      s.String("accelerator", &out->status.accelerator);
    });
  };
  return DecodeTopLevel<Node>(j, errors, decode);
}

}  // namespace kiln
