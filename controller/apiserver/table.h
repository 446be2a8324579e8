// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (every `kubectl
// get`, and `kubectl get -w`, whose watch events then carry one-row Tables).
// kubectl prints the columns uppercased, hides priority-1 columns unless
// `-o wide`, and never recomputes cells: ages are rendered here, with
// Kubernetes' HumanDuration rules, against a caller-supplied `now`.
//
//   builds  Name, Phase, Image, Age, Duration | wide: Node, VM, Reason
//   nodes   Name, CPUs, Memory, Builds (allocated/capacity), Driver, Age
//           | wide: Accelerator
//   events  Last Seen, Type, Reason, Object, Message
//           | wide: Source, First Seen, Count, Name
//
// Rows carry `object`: PartialObjectMetadata (the default, ?includeObject=
// Metadata; enough for kubectl's -L / --show-labels), the whole object
// (?includeObject=Object, kubectl --sort-by), or nothing (None).
//
// Pure functions: thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/build.h"
#include "api_types/event.h"
#include "api_types/node.h"
#include "api_types/object_meta.h"
#include "api_types/status.h"
#include "api_types/time.h"

namespace kiln {

enum class IncludeObject { kNone, kMetadata, kObject };

struct TableOptions {
  // Leave out columnDefinitions: kube-apiserver sends them only with the
  // first event of a watch.
  bool no_headers = false;
  IncludeObject include_object = IncludeObject::kMetadata;
};

// Parses the includeObject query parameter: "None", "Metadata", "Object", or
// "" (Metadata). InvalidArgument naming the accepted values otherwise.
StatusOr<IncludeObject> ParseIncludeObject(std::string_view value);

// True when `accept_header` prefers the v1 Table (see content_type.h).
bool WantsTable(const std::string& accept_header);

// k8s.io/apimachinery/pkg/util/duration.HumanDuration: "45s", "3m2s",
// "15m", "5h3m", "2d3h", "3y12d"; "0s" for -1s, "<invalid>" below that.
std::string HumanDuration(std::chrono::seconds d);

// Lists: metadata.resourceVersion, continue and remainingItemCount are
// copied from the list.
nlohmann::json ToTable(const BuildList& list, Timestamp now,
                       const TableOptions& options);
nlohmann::json ToTable(const std::vector<Node>& nodes,
                       const ListMeta& list_meta, Timestamp now,
                       const TableOptions& options);
nlohmann::json ToTable(const std::vector<Event>& events,
                       const ListMeta& list_meta, Timestamp now,
                       const TableOptions& options);

// One object (GET of an item, a watch event): one row; metadata.
// resourceVersion is the object's.
nlohmann::json ToTable(const Build& build, Timestamp now,
                       const TableOptions& options);
nlohmann::json ToTable(const Node& node, Timestamp now,
                       const TableOptions& options);
nlohmann::json ToTable(const Event& event, Timestamp now,
                       const TableOptions& options);

}  // namespace kiln
