#include "cmd/kilnctl/jsonpath.h"

#include <cstdlib>

namespace kiln::kilnctl {
namespace {

using Step = JsonPath::Step;
using Node = JsonPath::Node;

Status Bad(std::string_view expr, const std::string& why) {
  return InvalidArgumentError("jsonpath {" + std::string(expr) + "}: " + why);
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '/';
}

StatusOr<std::vector<Step>> ParsePath(std::string_view expr) {
  std::vector<Step> steps;
  size_t i = 0;
  if (i < expr.size() && (expr[i] == '$' || expr[i] == '@')) ++i;
  while (i < expr.size()) {
    if (expr.compare(i, 2, "..") == 0) {
      i += 2;
      size_t start = i;
      while (i < expr.size() && IsNameChar(expr[i])) ++i;
      if (i == start) return Bad(expr, "want a field name after ..");
      steps.push_back(
          {Step::kRecursive, std::string(expr.substr(start, i - start)), 0});
    } else if (expr[i] == '.') {
      ++i;
      if (i < expr.size() && expr[i] == '*') {
        steps.push_back({Step::kAll, "", 0});
        ++i;
        continue;
      }
      size_t start = i;
      while (i < expr.size() && IsNameChar(expr[i])) ++i;
      if (i == start) {
        if (i == expr.size() && steps.empty()) break;  // "{.}" = the object
        return Bad(expr, "want a field name at position " + std::to_string(i));
      }
      steps.push_back(
          {Step::kField, std::string(expr.substr(start, i - start)), 0});
    } else if (expr[i] == '[') {
      const size_t close = expr.find(']', i);
      if (close == std::string_view::npos) return Bad(expr, "unclosed [");
      std::string_view inner = expr.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inner == "*") {
        steps.push_back({Step::kAll, "", 0});
      } else if (inner.size() >= 2 &&
                 (inner.front() == '\'' || inner.front() == '"') &&
                 inner.back() == inner.front()) {
        steps.push_back(
            {Step::kField, std::string(inner.substr(1, inner.size() - 2)), 0});
      } else if (!inner.empty() && inner.front() == '?') {
        return Bad(expr, "filters [?(...)] are not supported");
      } else {
        char* end = nullptr;
        const std::string num(inner);
        const long n = std::strtol(num.c_str(), &end, 10);
        if (num.empty() || *end != '\0') {
          return Bad(
              expr,
              "[" + num +
                  "]: want an index, * or 'name' (slices are not supported)");
        }
        steps.push_back({Step::kIndex, "", n});
      }
    } else {
      return Bad(expr, "unexpected '" + std::string(1, expr[i]) +
                           "' at position " + std::to_string(i));
    }
  }
  return steps;
}

void Recurse(const nlohmann::json& v, const std::string& name,
             std::vector<const nlohmann::json*>& out) {
  if (v.is_object()) {
    auto it = v.find(name);
    if (it != v.end()) out.push_back(&*it);
    for (const auto& [k, child] : v.items()) Recurse(child, name, out);
  } else if (v.is_array()) {
    for (const auto& child : v) Recurse(child, name, out);
  }
}

std::vector<const nlohmann::json*> Eval(const std::vector<Step>& steps,
                                        const nlohmann::json& root) {
  std::vector<const nlohmann::json*> cur{&root};
  for (const Step& s : steps) {
    std::vector<const nlohmann::json*> next;
    for (const nlohmann::json* v : cur) {
      switch (s.kind) {
        case Step::kField:
          if (v->is_object()) {
            auto it = v->find(s.name);
            if (it != v->end()) next.push_back(&*it);
          }
          break;
        case Step::kIndex:
          if (v->is_array()) {
            const long size = static_cast<long>(v->size());
            const long at = s.index < 0 ? size + s.index : s.index;
            if (at >= 0 && at < size)
              next.push_back(&(*v)[static_cast<size_t>(at)]);
          }
          break;
        case Step::kAll:
          if (v->is_array() || v->is_object()) {
            for (const auto& child : *v) next.push_back(&child);
          }
          break;
        case Step::kRecursive:
          Recurse(*v, s.name, next);
          break;
      }
    }
    cur = std::move(next);
  }
  return cur;
}

std::string Print(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<std::string> Unquote(std::string_view expr) {
  std::string out;
  for (size_t i = 1; i + 1 < expr.size(); ++i) {
    if (expr[i] != '\\') {
      out += expr[i];
      continue;
    }
    if (++i + 1 > expr.size() - 1) return Bad(expr, "dangling \\");
    switch (expr[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      default:
        return Bad(expr, std::string("unknown escape \\") + expr[i]);
    }
  }
  return out;
}

// Renders nodes[from, to) against `cur`; returns the index after {end}.
Status RenderRange(const std::vector<Node>& nodes, size_t from, size_t to,
                   const nlohmann::json& cur, bool allow_missing,
                   std::string& out) {
  for (size_t i = from; i < to; ++i) {
    const Node& n = nodes[i];
    if (n.kind == Node::kText) {
      out += n.text;
    } else if (n.kind == Node::kPath) {
      std::vector<const nlohmann::json*> vals = Eval(n.path, cur);
      if (vals.empty() && !allow_missing) {
        return NotFoundError(n.source + " is not found");
      }
      for (size_t k = 0; k < vals.size(); ++k) {
        if (k > 0) out += ' ';
        out += Print(*vals[k]);
      }
    } else if (n.kind == Node::kRange) {
      // Find the matching {end}.
      size_t depth = 1, end = i + 1;
      for (; end < to; ++end) {
        if (nodes[end].kind == Node::kRange) ++depth;
        if (nodes[end].kind == Node::kEnd && --depth == 0) break;
      }
      for (const nlohmann::json* v : Eval(n.path, cur)) {
        RETURN_IF_ERROR(RenderRange(nodes, i + 1, end, *v, allow_missing, out));
      }
      i = end;
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath jp;
  int depth = 0;
  size_t i = 0;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) jp.nodes_.push_back({Node::kText, literal, {}, ""});
    literal.clear();
  };
  while (i < text.size()) {
    if (text[i] != '{') {
      literal += text[i++];
      continue;
    }
    // Find the closing brace, skipping quoted text.
    size_t j = i + 1;
    bool quoted = false;
    for (; j < text.size(); ++j) {
      if (text[j] == '\\' && quoted) {
        ++j;
        continue;
      }
      if (text[j] == '"') quoted = !quoted;
      if (text[j] == '}' && !quoted) break;
    }
    if (j >= text.size()) {
      return InvalidArgumentError("jsonpath: unclosed { at position " +
                                  std::to_string(i));
    }
    std::string_view expr = text.substr(i + 1, j - i - 1);
    while (!expr.empty() && expr.front() == ' ') expr.remove_prefix(1);
    while (!expr.empty() && expr.back() == ' ') expr.remove_suffix(1);
    flush();
    Node node;
    node.source = "{" + std::string(expr) + "}";
    if (expr.size() >= 2 && expr.front() == '"' && expr.back() == '"') {
      ASSIGN_OR_RETURN(node.text, Unquote(expr));
      node.kind = Node::kText;
    } else if (expr == "end") {
      if (depth == 0)
        return InvalidArgumentError("jsonpath: {end} without {range}");
      --depth;
      node.kind = Node::kEnd;
    } else if (expr.rfind("range ", 0) == 0) {
      ++depth;
      node.kind = Node::kRange;
      std::string_view p = expr.substr(6);
      while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
      ASSIGN_OR_RETURN(node.path, ParsePath(p));
    } else {
      if (expr.empty()) return InvalidArgumentError("jsonpath: empty {}");
      node.kind = Node::kPath;
      ASSIGN_OR_RETURN(node.path, ParsePath(expr));
    }
    jp.nodes_.push_back(std::move(node));
    i = j + 1;
  }
  flush();
  if (depth != 0)
    return InvalidArgumentError("jsonpath: {range} without {end}");
  return jp;
}

StatusOr<std::string> JsonPath::Render(const nlohmann::json& root,
                                       bool allow_missing) const {
  std::string out;
  RETURN_IF_ERROR(
      RenderRange(nodes_, 0, nodes_.size(), root, allow_missing, out));
  return out;
}

std::vector<nlohmann::json> JsonPath::Values(const nlohmann::json& root) const {
  std::vector<nlohmann::json> out;
  for (const Node& n : nodes_) {
    if (n.kind != Node::kPath) continue;
    for (const nlohmann::json* v : Eval(n.path, root)) out.push_back(*v);
    break;
  }
  return out;
}

}  // namespace kiln::kilnctl
