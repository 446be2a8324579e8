#include "controller/apiserver/table.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <utility>

#include "api_types/build_json.h"
#include "api_types/event_json.h"
#include "api_types/node_json.h"
#include "api_types/object_meta_json.h"
#include "api_types/phase.h"
#include "controller/apiserver/content_type.h"

namespace kiln {
namespace {

constexpr char kNone[] = "<none>";

struct Column {
  const char* name;
  const char* type;
  const char* format;
  const char* description;
  int priority;
};

const std::vector<Column>& BuildColumns() {
  static const std::vector<Column>* const kColumns = new std::vector<Column>{
      {"Name", "string", "name", "Name of the Build, unique in its namespace.",
       0},
      {"Phase", "string", "", "status.phase: where the Build is in its life.",
       0},
      {"Image", "string", "",
       "The pushed image (status.image.ref), else "
       "where it will be pushed (spec.output.image).",
       0},
      {"Age", "string", "", "Time since metadata.creationTimestamp.", 0},
      {"Duration", "string", "",
       "How long the build ran, or has been "
       "running.",
       0},
      {"Node", "string", "", "status.nodeName: the node running the build.", 1},
      {"VM", "string", "", "status.vm.name: the builder VM.", 1},
      {"Reason", "string", "", "status.reason: why the Build is in its phase.",
       1},
  };
  return *kColumns;
}

const std::vector<Column>& NodeColumns() {
  static const std::vector<Column>* const kColumns = new std::vector<Column>{
      {"Name", "string", "name", "Name of the Node.", 0},
      {"CPUs", "string", "", "CPUs allocated to admitted Builds / capacity.",
       0},
      {"Memory", "string", "", "Memory allocated / capacity.", 0},
      {"Builds", "string", "", "Builds admitted / the most that may run.", 0},
      {"Driver", "string", "", "status.driver: the VM driver.", 0},
      {"Age", "string", "", "Time since metadata.creationTimestamp.", 0},
      {"Accelerator", "string", "", "status.accelerator: kvm or tcg.", 1},
  };
  return *kColumns;
}

const std::vector<Column>& EventColumns() {
  static const std::vector<Column>* const kColumns = new std::vector<Column>{
      {"Last Seen", "string", "", "Time since the event last occurred.", 0},
      {"Type", "string", "", "Normal or Warning.", 0},
      {"Reason", "string", "", "Why the event happened, in CamelCase.", 0},
      {"Object", "string", "", "The object the event is about (kind/name).", 0},
      {"Source", "string", "", "The component that reported the event.", 1},
      {"Message", "string", "", "What happened, for humans.", 0},
      {"First Seen", "string", "", "Time since the event first occurred.", 1},
      {"Count", "integer", "", "How many times the event occurred.", 1},
      {"Name", "string", "name", "Name of the Event object.", 1},
  };
  return *kColumns;
}

nlohmann::json ColumnsJson(const std::vector<Column>& columns) {
  nlohmann::json out = nlohmann::json::array();
  for (const Column& c : columns) {
    out.push_back({{"name", c.name},
                   {"type", c.type},
                   {"format", c.format},
                   {"description", c.description},
                   {"priority", c.priority}});
  }
  return out;
}

std::string OrNone(const std::string& s) { return s.empty() ? kNone : s; }

std::string Since(const std::optional<Timestamp>& t, Timestamp now) {
  if (!t) return "<unknown>";
  return HumanDuration(now - *t);
}

// One row: cells plus the object as options.include_object says.
nlohmann::json Row(nlohmann::json cells, const ObjectMeta& meta,
                   const nlohmann::json& object, const TableOptions& options) {
  nlohmann::json row = {{"cells", std::move(cells)}};
  switch (options.include_object) {
    case IncludeObject::kNone:
      break;
    case IncludeObject::kMetadata:
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", ToJson(meta)}};
      break;
    case IncludeObject::kObject:
      row["object"] = object;
      break;
  }
  return row;
}

nlohmann::json Table(const std::vector<Column>& columns,
                     const ListMeta& list_meta, nlohmann::json rows,
                     const TableOptions& options) {
  nlohmann::json table = {{"kind", "Table"},
                          {"apiVersion", "meta.k8s.io/v1"},
                          {"metadata", ToJson(list_meta)}};
  if (!options.no_headers) table["columnDefinitions"] = ColumnsJson(columns);
  table["rows"] = std::move(rows);
  return table;
}

ListMeta ItemListMeta(const ObjectMeta& meta) {
  ListMeta list_meta;
  list_meta.resource_version = meta.resource_version;
  return list_meta;
}

std::string BuildDuration(const Build& build, Timestamp now) {
  const BuildStatus& s = build.status;
  if (s.duration_ms) {
    return HumanDuration(std::chrono::seconds(*s.duration_ms / 1000));
  }
  if (!s.started_at) return "";
  if (s.completed_at) return HumanDuration(*s.completed_at - *s.started_at);
  if (IsTerminal(s.phase)) return "";
  return HumanDuration(now - *s.started_at);
}

nlohmann::json BuildRow(const Build& b, Timestamp now,
                        const TableOptions& options) {
  std::string image = b.status.image ? b.status.image->ref : "";
  if (image.empty() && b.spec.output) image = b.spec.output->image;
  nlohmann::json cells = {b.metadata.name,
                          std::string(PhaseName(b.status.phase)),
                          OrNone(image),
                          Since(b.metadata.creation_timestamp, now),
                          BuildDuration(b, now),
                          OrNone(b.status.node_name),
                          OrNone(b.status.vm ? b.status.vm->name : ""),
                          OrNone(b.status.reason)};
  return Row(
      std::move(cells), b.metadata,
      options.include_object == IncludeObject::kObject ? ToJson(b) : nullptr,
      options);
}

// 1024 -> "1Gi", 1536 -> "1536Mi", as Kubernetes quantities print.
std::string FormatMiB(int64_t mib) {
  if (mib != 0 && mib % (1024 * 1024) == 0) {
    return std::to_string(mib / (1024 * 1024)) + "Ti";
  }
  if (mib != 0 && mib % 1024 == 0) return std::to_string(mib / 1024) + "Gi";
  return std::to_string(mib) + "Mi";
}

nlohmann::json NodeRow(const Node& n, Timestamp now,
                       const TableOptions& options) {
  const NodeResources& used = n.status.allocated;
  const NodeResources& cap = n.status.capacity;
  nlohmann::json cells = {
      n.metadata.name,
      std::to_string(used.cpus) + "/" + std::to_string(cap.cpus),
      FormatMiB(used.memory_mib) + "/" + FormatMiB(cap.memory_mib),
      std::to_string(used.builds) + "/" + std::to_string(cap.builds),
      OrNone(n.status.driver),
      Since(n.metadata.creation_timestamp, now),
      OrNone(n.status.accelerator)};
  return Row(
      std::move(cells), n.metadata,
      options.include_object == IncludeObject::kObject ? ToJson(n) : nullptr,
      options);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

nlohmann::json EventRow(const Event& e, Timestamp now,
                        const TableOptions& options) {
  const std::string first = Since(e.first_timestamp, now);
  std::string last = e.last_timestamp ? Since(e.last_timestamp, now) : first;
  if (e.count > 1) {
    last += " (x" + std::to_string(e.count) + " over " + first + ")";
  }
  const ObjectReference& o = e.involved_object;
  nlohmann::json cells = {last,
                          e.type,
                          e.reason,
                          Lower(o.kind) + "/" + o.name,
                          e.source_component,
                          e.message,
                          first,
                          e.count,
                          e.metadata.name};
  return Row(
      std::move(cells), e.metadata,
      options.include_object == IncludeObject::kObject ? ToJson(e) : nullptr,
      options);
}

}  // namespace

StatusOr<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return InvalidArgumentError("includeObject: unsupported value \"" +
                              std::string(value) +
                              "\" (want None, Metadata or Object)");
}

bool WantsTable(const std::string& accept_header) {
  return NegotiateResponseType(accept_header, /*table_allowed=*/true) ==
         ResponseType::kTable;
}

std::string HumanDuration(std::chrono::seconds d) {
  const int64_t seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const auto with = [](int64_t major, const char* major_unit, int64_t minor,
                       const char* minor_unit) {
    std::string out = std::to_string(major) + major_unit;
    if (minor != 0) out += std::to_string(minor) + minor_unit;
    return out;
  };
  const int64_t minutes = seconds / 60;
  if (minutes < 10) return with(minutes, "m", seconds % 60, "s");
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const int64_t hours = minutes / 60;
  if (hours < 8) return with(hours, "h", minutes % 60, "m");
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) return with(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    return with(hours / 24 / 365, "y", (hours / 24) % 365, "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

nlohmann::json ToTable(const BuildList& list, Timestamp now,
                       const TableOptions& options) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Build& b : list.items) rows.push_back(BuildRow(b, now, options));
  return Table(BuildColumns(), list.metadata, std::move(rows), options);
}

nlohmann::json ToTable(const std::vector<Node>& nodes,
                       const ListMeta& list_meta, Timestamp now,
                       const TableOptions& options) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Node& n : nodes) rows.push_back(NodeRow(n, now, options));
  return Table(NodeColumns(), list_meta, std::move(rows), options);
}

nlohmann::json ToTable(const std::vector<Event>& events,
                       const ListMeta& list_meta, Timestamp now,
                       const TableOptions& options) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Event& e : events) rows.push_back(EventRow(e, now, options));
  return Table(EventColumns(), list_meta, std::move(rows), options);
}

nlohmann::json ToTable(const Build& build, Timestamp now,
                       const TableOptions& options) {
  return Table(BuildColumns(), ItemListMeta(build.metadata),
               nlohmann::json::array({BuildRow(build, now, options)}), options);
}

nlohmann::json ToTable(const Node& node, Timestamp now,
                       const TableOptions& options) {
  return Table(NodeColumns(), ItemListMeta(node.metadata),
               nlohmann::json::array({NodeRow(node, now, options)}), options);
}

nlohmann::json ToTable(const Event& event, Timestamp now,
                       const TableOptions& options) {
  return Table(EventColumns(), ItemListMeta(event.metadata),
               nlohmann::json::array({EventRow(event, now, options)}), options);
}

}  // namespace kiln
