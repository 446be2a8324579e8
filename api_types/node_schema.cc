// The schema of Node (docs/api.md "Node").
#include <vector>

#include "api_types/type_schema.h"

namespace kiln {
namespace {

TypeSchema NodeSchema() {
  return {
      kNodeSchema,
      "Node is one kilnd host: what it can hold and what admitted Builds "
      "hold now. Cluster-scoped; written by kilnd.",
      {ApiVersionField(), KindField(),
       ObjectField("metadata", kObjectMetaSchema, "Standard object metadata."),
       ObjectField("status", "dev.kiln.v1.NodeStatus",
                   "Capacity and allocation.")},
      GroupVersionKind{"kiln.dev", "v1", "Node"}};
}

TypeSchema NodeListSchema() {
  return {kNodeListSchema,
          "NodeList is a list of Nodes.",
          {ApiVersionField(), KindField(),
           ObjectField("metadata", kListMetaSchema, "Standard list metadata."),
           ObjectListField("items", kNodeSchema, "The Nodes.").Required()},
          GroupVersionKind{"kiln.dev", "v1", "NodeList"}};
}

TypeSchema NodeStatusSchema() {
  return {"dev.kiln.v1.NodeStatus",
          "NodeStatus is what a node can hold and holds.",
          {ObjectField("capacity", "dev.kiln.v1.NodeResources",
                       "What the node can hold: from the host, or the "
                       "--capacity-cpus, --capacity-memory and --max-builds "
                       "flags."),
           ObjectField("allocated", "dev.kiln.v1.NodeResources",
                       "What admitted, unfinished Builds hold. Never exceeds "
                       "capacity."),
           StringField("driver", "The VM driver: process or qemu."),
           StringField("accelerator",
                       "How qemu VMs run: kvm (hardware) or tcg "
                       "(emulation).")}};
}

TypeSchema NodeResourcesSchema() {
  return {"dev.kiln.v1.NodeResources",
          "NodeResources counts CPUs, memory and builds.",
          {IntegerField("cpus", "CPUs."),
           IntegerField("memoryMiB", "Memory in MiB."),
           IntegerField("builds", "Concurrent builds.")}};
}

}  // namespace

std::vector<TypeSchema> NodeTypeSchemas() {
  return {NodeSchema(), NodeListSchema(), NodeStatusSchema(),
          NodeResourcesSchema()};
}

}  // namespace kiln
