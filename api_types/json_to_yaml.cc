// JSON -> YAML half of the YAML codec (yaml_codec.h). A small block-style
// writer of our own: yaml-cpp's emitter writes literal blocks without
// chomping indicators, so "a\nb" would read back as "a\nb\n".
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api_types/json_reader.h"
#include "api_types/utf8.h"
#include "api_types/yaml_codec.h"
#include "api_types/yaml_scalar.h"

namespace kiln {
namespace {

// Longer keys must be written as explicit "? key" entries: YAML limits
// implicit keys to 1024 characters.
constexpr size_t kMaxImplicitKeyBytes = 512;

// Whether a multi-line string can be a literal block scalar that reads back
// exactly: printable, and its first non-empty line does not start with
// whitespace (that would need an indentation indicator).
bool UseLiteral(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  const size_t first = s.find_first_not_of('\n');
  if (first == std::string_view::npos || s[first] == ' ' || s[first] == '\t') {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return false;
    const std::string_view rest = s.substr(i);
    if (rest.starts_with("\xC2\x85") || rest.starts_with("\xE2\x80\xA8") ||
        rest.starts_with("\xE2\x80\xA9") || rest.starts_with("\xEF\xBB\xBF")) {
      return false;
    }
  }
  return true;
}

class YamlWriter {
 public:
  // Writes `value` as a whole document.
  Status WriteDocument(const nlohmann::json& value) {
    if (value.is_object() && !value.empty()) {
      return WriteMapping(value, 0, false, "", 0);
    }
    if (value.is_array() && !value.empty()) {
      return WriteSequence(value, 0, false, "", 0);
    }
    std::string text;
    RETURN_IF_ERROR(InlineScalar(value, "", &text));
    out_ += text;
    out_ += '\n';
    return OkStatus();
  }

  std::string Release() && { return std::move(out_); }

 private:
  void Indent(int n) { out_.append(static_cast<size_t>(n), ' '); }

  // Entries at column `indent`; the first one continues the current line
  // when `inline_first` (after "- " or "? ").
  Status WriteMapping(const nlohmann::json& object, int indent,
                      bool inline_first, const std::string& path, int depth) {
    RETURN_IF_ERROR(CheckDepth(path, depth));
    bool first = true;
    for (const auto& [key, value] : object.items()) {
      if (!(first && inline_first)) Indent(indent);
      first = false;
      const std::string child = JoinPath(path, key);
      if (!IsValidUtf8(key)) return InvalidUtf8(child);
      const std::string key_text =
          CanWritePlain(key) ? std::string(key) : DoubleQuoted(key);
      if (key_text.size() > kMaxImplicitKeyBytes) {
        out_ += "? " + key_text + "\n";
        Indent(indent);
        out_ += ':';
        RETURN_IF_ERROR(WriteAfterIndicator(value, indent, child, depth));
      } else {
        out_ += key_text + ':';
        RETURN_IF_ERROR(WriteAfterKey(value, indent, child, depth));
      }
    }
    return OkStatus();
  }

  // Items "- " at column `indent`.
  Status WriteSequence(const nlohmann::json& array, int indent,
                       bool inline_first, const std::string& path, int depth) {
    RETURN_IF_ERROR(CheckDepth(path, depth));
    for (size_t i = 0; i < array.size(); ++i) {
      if (!(i == 0 && inline_first)) Indent(indent);
      out_ += '-';
      RETURN_IF_ERROR(
          WriteAfterIndicator(array[i], indent, IndexPath(path, i), depth));
    }
    return OkStatus();
  }

  // After "key:" at column `indent`: nested mappings indent by two, nested
  // sequences stay at the key's column (kubectl style).
  Status WriteAfterKey(const nlohmann::json& value, int indent,
                       const std::string& path, int depth) {
    if (value.is_object() && !value.empty()) {
      out_ += '\n';
      return WriteMapping(value, indent + 2, false, path, depth + 1);
    }
    if (value.is_array() && !value.empty()) {
      out_ += '\n';
      return WriteSequence(value, indent, false, path, depth + 1);
    }
    return WriteScalar(value, indent, path);
  }

  // After "-" or an explicit ":" at column `indent`: nested collections start
  // on the same line ("- name: x", "- - a").
  Status WriteAfterIndicator(const nlohmann::json& value, int indent,
                             const std::string& path, int depth) {
    if (value.is_object() && !value.empty()) {
      out_ += ' ';
      return WriteMapping(value, indent + 2, true, path, depth + 1);
    }
    if (value.is_array() && !value.empty()) {
      out_ += ' ';
      return WriteSequence(value, indent + 2, true, path, depth + 1);
    }
    return WriteScalar(value, indent, path);
  }

  // " scalar\n", or a literal block whose lines sit at indent + 2.
  Status WriteScalar(const nlohmann::json& value, int indent,
                     const std::string& path) {
    if (value.is_string()) {
      const std::string& s = value.get_ref<const std::string&>();
      if (!IsValidUtf8(s)) return InvalidUtf8(path);
      if (UseLiteral(s)) {
        WriteLiteral(s, indent + 2);
        return OkStatus();
      }
    }
    std::string text;
    RETURN_IF_ERROR(InlineScalar(value, path, &text));
    out_ += ' ';
    out_ += text;
    out_ += '\n';
    return OkStatus();
  }

  // REQUIRES: UseLiteral(s).
  void WriteLiteral(std::string_view s, int indent) {
    const size_t body_end = s.find_last_not_of('\n') + 1;
    const size_t trailing = s.size() - body_end;
    out_ += trailing == 0 ? " |-\n" : trailing == 1 ? " |\n" : " |+\n";
    std::string_view body = s.substr(0, body_end);
    while (true) {
      const size_t nl = body.find('\n');
      const std::string_view line = body.substr(0, nl);
      if (!line.empty()) Indent(indent);
      out_ += line;
      out_ += '\n';
      if (nl == std::string_view::npos) break;
      body.remove_prefix(nl + 1);
    }
    if (trailing > 1) out_.append(trailing - 1, '\n');
  }

  // A scalar or empty collection on one line.
  Status InlineScalar(const nlohmann::json& value, const std::string& path,
                      std::string* text) {
    switch (value.type()) {
      case nlohmann::json::value_t::null:
        *text = "null";
        return OkStatus();
      case nlohmann::json::value_t::boolean:
        *text = value.get<bool>() ? "true" : "false";
        return OkStatus();
      case nlohmann::json::value_t::number_integer:
      case nlohmann::json::value_t::number_unsigned:
        *text = value.dump();
        return OkStatus();
      case nlohmann::json::value_t::number_float: {
        const double d = value.get<double>();
        if (std::isnan(d)) {
          *text = ".nan";
        } else if (std::isinf(d)) {
          *text = d > 0 ? ".inf" : "-.inf";
        } else {
          *text = value.dump();
        }
        return OkStatus();
      }
      case nlohmann::json::value_t::string: {
        const std::string& s = value.get_ref<const std::string&>();
        if (!IsValidUtf8(s)) return InvalidUtf8(path);
        *text = CanWritePlain(s) ? s : DoubleQuoted(s);
        return OkStatus();
      }
      case nlohmann::json::value_t::object:
        *text = "{}";  // non-empty objects never get here
        return OkStatus();
      case nlohmann::json::value_t::array:
        *text = "[]";
        return OkStatus();
      case nlohmann::json::value_t::binary:
      case nlohmann::json::value_t::discarded:
        break;
    }
    return InvalidArgumentError("yaml: " + Where(path) + "cannot write a " +
                                std::string(JsonTypeName(value)) + " value");
  }

  Status CheckDepth(const std::string& path, int depth) {
    if (depth < kMaxYamlDepth) return OkStatus();
    return InvalidArgumentError("yaml: " + Where(path) +
                                "nesting deeper than " +
                                std::to_string(kMaxYamlDepth) + " levels");
  }

  static std::string Where(const std::string& path) {
    return path.empty() ? "" : path + ": ";
  }

  static Status InvalidUtf8(const std::string& path) {
    return InvalidArgumentError("yaml: " + Where(path) + "invalid UTF-8");
  }

  std::string out_;
};

}  // namespace

StatusOr<std::string> JsonToYaml(const nlohmann::json& value) {
  YamlWriter writer;
  RETURN_IF_ERROR(writer.WriteDocument(value));
  return std::move(writer).Release();
}

}  // namespace kiln
