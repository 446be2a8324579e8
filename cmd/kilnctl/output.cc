#include "cmd/kilnctl/output.h"

#include <algorithm>
#include <cctype>

#include "api_types/yaml_codec.h"

namespace kiln::kilnctl {
namespace {

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<none>";
  return v.dump();
}

}  // namespace

StatusOr<OutputFormat> OutputFormat::Parse(const std::string& text) {
  OutputFormat f;
  if (text.empty() || text == "table") return f;
  if (text == "wide")
    f.kind = kWide;
  else if (text == "yaml")
    f.kind = kYaml;
  else if (text == "json")
    f.kind = kJson;
  else if (text == "name")
    f.kind = kName;
  else if (text.rfind("jsonpath=", 0) == 0) {
    std::string tmpl = text.substr(9);
    if (tmpl.size() >= 2 && tmpl.front() == '\'' && tmpl.back() == '\'') {
      tmpl = tmpl.substr(1, tmpl.size() - 2);
    }
    if (tmpl.empty()) {
      return InvalidArgumentError(
          "-o jsonpath=: want a template, e.g. "
          "jsonpath='{.status.phase}'");
    }
    ASSIGN_OR_RETURN(JsonPath jp, JsonPath::Parse(tmpl));
    f.kind = kJsonPath;
    f.jsonpath = std::move(jp);
  } else {
    return InvalidArgumentError("-o " + text +
                                ": unknown output format; want one of table, "
                                "wide, yaml, json, name, jsonpath=TEMPLATE");
  }
  return f;
}

std::string PhaseColor(const std::string& phase) {
  if (phase == "Ready") return "\033[32m";
  if (phase == "Failed") return "\033[31m";
  if (phase == "Cancelled") return "\033[33m";
  if (phase == "Building" || phase == "Pushing") return "\033[36m";
  return "";
}

size_t TablePrinter::Print(const nlohmann::json& table) {
  const nlohmann::json cols =
      table.value("columnDefinitions", nlohmann::json::array());
  if (!header_done_ && cols.is_array() && !cols.empty()) {
    std::vector<std::string> header;
    if (with_namespace_) header.push_back("NAMESPACE");
    for (size_t i = 0; i < cols.size(); ++i) {
      if (!wide_ && cols[i].value("priority", 0) > 0) continue;
      shown_.push_back(i);
      if (cols[i].value("name", "") == "Phase") {
        phase_column_ = static_cast<int>(header.size());
      }
      header.push_back(Upper(cols[i].value("name", "")));
    }
    for (const std::string& h : header) widths_.push_back(h.size());
    header_done_ = true;
    // Widths from this batch's rows too, so a full listing lines up.
    std::vector<std::vector<std::string>> all;
    for (const nlohmann::json& row :
         table.value("rows", nlohmann::json::array())) {
      size_t c = 0;
      if (with_namespace_) {
        const std::string ns =
            row.value("/object/metadata/namespace"_json_pointer, "");
        widths_[c] = std::max(widths_[c], ns.size());
        ++c;
      }
      const nlohmann::json cells = row.value("cells", nlohmann::json::array());
      for (size_t i : shown_) {
        if (i < cells.size())
          widths_[c] = std::max(widths_[c], Cell(cells[i]).size());
        ++c;
      }
    }
    if (!no_headers_) {
      for (size_t c = 0; c < header.size(); ++c) {
        out_ << header[c];
        if (c + 1 < header.size())
          out_ << std::string(widths_[c] - header[c].size() + 3, ' ');
      }
      out_ << "\n";
    }
  }
  size_t printed = 0;
  for (const nlohmann::json& row :
       table.value("rows", nlohmann::json::array())) {
    std::vector<std::string> cells;
    if (with_namespace_) {
      cells.push_back(row.value("/object/metadata/namespace"_json_pointer, ""));
    }
    const nlohmann::json raw = row.value("cells", nlohmann::json::array());
    for (size_t i : shown_) cells.push_back(i < raw.size() ? Cell(raw[i]) : "");
    for (size_t c = 0; c < cells.size() && c < widths_.size(); ++c) {
      widths_[c] = std::max(widths_[c], cells[c].size());
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string color = color_ && static_cast<int>(c) == phase_column_
                                    ? PhaseColor(cells[c])
                                    : "";
      out_ << color << cells[c] << (color.empty() ? "" : kColorReset);
      if (c + 1 < cells.size() && c < widths_.size()) {
        out_ << std::string(widths_[c] - cells[c].size() + 3, ' ');
      }
    }
    out_ << "\n";
    ++printed;
  }
  rows_ += printed;
  out_.flush();
  return printed;
}

std::string ResourceName(const nlohmann::json& object) {
  std::string kind = object.value("kind", "");
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const std::string api = object.value("apiVersion", "");
  const size_t slash = api.find('/');
  const std::string group =
      slash == std::string::npos ? "" : api.substr(0, slash);
  return kind + (group.empty() ? "" : "." + group) + "/" +
         object.value("/metadata/name"_json_pointer, "");
}

Status PrintObjects(const std::vector<nlohmann::json>& objects, bool single,
                    const OutputFormat& format, std::ostream& out) {
  nlohmann::json value;
  if (single && objects.size() == 1) {
    value = objects.front();
  } else {
    value = {{"apiVersion", "v1"},
             {"kind", "List"},
             {"items", objects},
             {"metadata", {{"resourceVersion", ""}}}};
  }
  switch (format.kind) {
    case OutputFormat::kJson:
      out << value.dump(4, ' ', false, nlohmann::json::error_handler_t::replace)
          << "\n";
      break;
    case OutputFormat::kYaml: {
      ASSIGN_OR_RETURN(std::string yaml, JsonToYaml(value));
      out << yaml;
      break;
    }
    case OutputFormat::kName:
      for (const nlohmann::json& o : objects) out << ResourceName(o) << "\n";
      break;
    case OutputFormat::kJsonPath: {
      ASSIGN_OR_RETURN(std::string text, format.jsonpath->Render(value));
      out << text;
      break;
    }
    default:
      return InvalidArgumentError("not an object format");
  }
  out.flush();
  return OkStatus();
}

}  // namespace kiln::kilnctl
