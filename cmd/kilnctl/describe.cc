#include "cmd/kilnctl/describe.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace kiln::kilnctl {
namespace {

using nlohmann::json;

std::string S(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!j.contains(p)) return "";
  const json& v = j.at(p);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// Rows of "Label:" + value with the values aligned at `width`.
class Section {
 public:
  explicit Section(std::ostream& out, int indent = 0)
      : out_(out), indent_(indent) {}
  void Row(const std::string& label, const std::string& value) {
    rows_.push_back({label, value});
  }
  void Flush() {
    size_t width = 0;
    for (const auto& r : rows_) width = std::max(width, r.first.size() + 1);
    for (const auto& [label, value] : rows_) {
      out_ << std::string(indent_, ' ') << label << ":"
           << std::string(width - label.size() + 1, ' ')
           << (value.empty() ? "<none>" : value) << "\n";
    }
    rows_.clear();
  }

 private:
  std::ostream& out_;
  const int indent_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

std::string Joined(const json& map) {
  if (!map.is_object() || map.empty()) return "";
  std::string out;
  for (const auto& [k, v] : map.items()) {
    out += (out.empty() ? "" : ",") + k + "=" +
           (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

std::string When(const std::string& t, Timestamp now) {
  if (t.empty()) return "";
  return t + " (" + Ago(t, now) + " ago)";
}

// A table with a header, columns padded by two spaces.
void Table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
           int indent) {
  std::vector<size_t> widths;
  for (const auto& r : rows) {
    if (widths.size() < r.size()) widths.resize(r.size());
    for (size_t c = 0; c < r.size(); ++c)
      widths[c] = std::max(widths[c], r[c].size());
  }
  for (const auto& r : rows) {
    out << std::string(indent, ' ');
    for (size_t c = 0; c < r.size(); ++c) {
      out << r[c];
      if (c + 1 < r.size())
        out << std::string(widths[c] - r[c].size() + 2, ' ');
    }
    out << "\n";
  }
}

}  // namespace

std::string Ago(const std::string& rfc3339, Timestamp now) {
  std::optional<Timestamp> t = ParseRfc3339(rfc3339);
  if (!t) return "?";
  const long long s = std::max<long long>(0, (now - *t).count());
  if (s < 120) return std::to_string(s) + "s";
  if (s < 2 * 3600) return std::to_string(s / 60) + "m";
  if (s < 2 * 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string DescribeBuild(const json& b, const std::vector<json>& events,
                          const std::string& log_tail, Timestamp now) {
  std::ostringstream out;
  Section top(out);
  top.Row("Name", S(b, "/metadata/name"));
  top.Row("Namespace", S(b, "/metadata/namespace"));
  top.Row("Labels",
          Joined(b.value("/metadata/labels"_json_pointer, json::object())));
  top.Row("UID", S(b, "/metadata/uid"));
  top.Row("Created", When(S(b, "/metadata/creationTimestamp"), now));
  top.Row("Phase",
          S(b, "/status/phase").empty() ? "Pending" : S(b, "/status/phase"));
  top.Row("Reason", S(b, "/status/reason"));
  top.Row("Message", S(b, "/status/message"));
  std::string image = S(b, "/status/image/ref");
  if (!S(b, "/status/image/digest").empty()) {
    image += "@" + S(b, "/status/image/digest");
  }
  top.Row("Image", image);
  top.Flush();

  out << "Spec:\n";
  Section spec(out, 2);
  const json source = b.value("/spec/source"_json_pointer, json::object());
  if (source.contains("archive")) {
    spec.Row("Source", "archive " + S(source, "/archive/digest"));
  } else if (source.contains("inline")) {
    const json files =
        source.value("/inline/files"_json_pointer, json::object());
    std::string names;
    for (const auto& [k, v] : files.items())
      names += (names.empty() ? "" : ", ") + k;
    spec.Row("Source", "inline, " + std::to_string(files.size()) +
                           (files.size() == 1 ? " file: " : " files: ") +
                           names);
  }
  spec.Row("Dockerfile", S(b, "/spec/dockerfile").empty()
                             ? "Dockerfile"
                             : S(b, "/spec/dockerfile"));
  spec.Row("Build Args",
           Joined(b.value("/spec/buildArgs"_json_pointer, json::object())));
  spec.Row("Output", S(b, "/spec/output/image"));
  const std::string cpus = S(b, "/spec/resources/cpus");
  const std::string mem = S(b, "/spec/resources/memoryMiB");
  spec.Row("Resources", (cpus.empty() ? "?" : cpus) + " CPU, " +
                            (mem.empty() ? "?" : mem) + " MiB");
  spec.Row("Timeout", S(b, "/spec/timeoutSeconds").empty()
                          ? ""
                          : S(b, "/spec/timeoutSeconds") + "s");
  spec.Row("Cancel",
           S(b, "/spec/cancel").empty() ? "false" : S(b, "/spec/cancel"));
  spec.Flush();

  out << "Status:\n";
  Section status(out, 2);
  status.Row("Node", S(b, "/status/nodeName"));
  std::string vm = S(b, "/status/vm/name");
  if (!vm.empty() && !S(b, "/status/vm/driver").empty()) {
    vm += " (" + S(b, "/status/vm/driver") + ")";
  }
  status.Row("VM", vm);
  status.Row("Started", S(b, "/status/startedAt"));
  status.Row("Completed", S(b, "/status/completedAt"));
  const std::string ms = S(b, "/status/durationMs");
  status.Row(
      "Duration", ms.empty() ? "" : [&] {
        std::ostringstream d;
        d.setf(std::ios::fixed);
        d.precision(1);
        d << std::stod(ms) / 1000.0 << "s";
        return d.str();
      }());
  status.Row("Log Bytes", S(b, "/status/logBytes"));
  status.Row("Observed Gen", S(b, "/status/observedGeneration"));
  status.Flush();

  const json conditions =
      b.value("/status/conditions"_json_pointer, json::array());
  out << "Conditions:\n";
  if (conditions.empty()) {
    out << "  <none>\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"Type", "Status", "Reason", "Last Transition", "Message"}};
    for (const json& c : conditions) {
      rows.push_back({S(c, "/type"), S(c, "/status"), S(c, "/reason"),
                      S(c, "/lastTransitionTime"), S(c, "/message")});
    }
    Table(out, rows, 2);
  }

  const json prov = b.value("/status/provenance"_json_pointer, json::object());
  if (!prov.empty()) {
    out << "Provenance:\n";
    Section p(out, 2);
    p.Row("Source Digest", S(prov, "/sourceDigest"));
    p.Row("Base Image Digest", S(prov, "/baseImageDigest"));
    p.Row("Dockerfile Digest", S(prov, "/dockerfileDigest"));
    p.Row("Builder", S(prov, "/builder"));
    p.Flush();
  }

  out << "Events:\n";
  if (events.empty()) {
    out << "  <none>\n";
  } else {
    std::vector<json> sorted = events;
    // Oldest first; within one second, in the order they were written.
    auto rv = [](const json& e) {
      return std::atoll(S(e, "/metadata/resourceVersion").c_str());
    };
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](const json& a, const json& c) {
                       const std::string ta = S(a, "/lastTimestamp"),
                                         tc = S(c, "/lastTimestamp");
                       return ta != tc ? ta < tc : rv(a) < rv(c);
                     });
    std::vector<std::vector<std::string>> rows = {
        {"Type", "Reason", "Age", "Count", "Message"}};
    for (const json& e : sorted) {
      std::string count = S(e, "/count");
      rows.push_back({S(e, "/type"), S(e, "/reason"),
                      Ago(S(e, "/lastTimestamp"), now),
                      count.empty() ? "1" : count, S(e, "/message")});
    }
    Table(out, rows, 2);
  }

  out << "Last Log Lines:\n";
  if (log_tail.empty()) {
    out << "  <none>\n";
  } else {
    std::istringstream lines(log_tail);
    for (std::string line; std::getline(lines, line);)
      out << "  " << line << "\n";
  }
  return out.str();
}

}  // namespace kiln::kilnctl
