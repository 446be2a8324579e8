// kilnctl's output formats (-o): table (the default), wide, yaml, json,
// name, jsonpath=TEMPLATE. Tables are the server's meta.k8s.io/v1 Table
// (the same columns `kubectl get` shows), printed the way kubectl prints
// them: uppercase headers, priority-1 columns only with -o wide, a
// NAMESPACE column first with -A, columns padded with three spaces. On a
// terminal the PHASE column is coloured.
//
// Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "cmd/kilnctl/jsonpath.h"

namespace kiln::kilnctl {

struct OutputFormat {
  enum Kind { kTable, kWide, kYaml, kJson, kName, kJsonPath } kind = kTable;
  std::optional<JsonPath> jsonpath;
  bool table() const { return kind == kTable || kind == kWide; }
  // "", "wide", "yaml", "json", "name", "jsonpath=…" (also
  // "jsonpath='…'"). InvalidArgument listing the choices otherwise.
  static StatusOr<OutputFormat> Parse(const std::string& text);
};

// Prints tables, possibly in several pieces (watch events): the header
// once, columns widened as rows arrive.
class TablePrinter {
 public:
  TablePrinter(std::ostream& out, bool wide, bool with_namespace, bool color,
               bool no_headers = false)
      : out_(out),
        wide_(wide),
        with_namespace_(with_namespace),
        color_(color),
        no_headers_(no_headers) {}

  // Prints the rows of `table` (a meta.k8s.io/v1 Table). The first call
  // also prints the header (a later table's columnDefinitions are
  // ignored). Returns the number of rows printed.
  size_t Print(const nlohmann::json& table);
  // True once any row was printed.
  bool printed_rows() const { return rows_ > 0; }

 private:
  std::ostream& out_;
  const bool wide_, with_namespace_, color_, no_headers_;
  std::vector<size_t> shown_;   // indexes of the cells shown
  std::vector<size_t> widths_;  // per shown column (+ namespace)
  int phase_column_ = -1;       // index into the printed row
  bool header_done_ = false;
  size_t rows_ = 0;
};

// The "kind.group/name" kilnctl prints for -o name and after writes:
// "build.kiln.dev/hello".
std::string ResourceName(const nlohmann::json& object);

// Prints `objects` as yaml/json/name/jsonpath. `single` = the user asked for
// one object by name: json/yaml print it alone, not as a List.
Status PrintObjects(const std::vector<nlohmann::json>& objects, bool single,
                    const OutputFormat& format, std::ostream& out);

// ANSI colour for a Build phase on a terminal ("" for none).
std::string PhaseColor(const std::string& phase);
inline constexpr char kColorReset[] = "\033[0m";

}  // namespace kiln::kilnctl
