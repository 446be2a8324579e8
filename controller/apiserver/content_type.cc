#include "controller/apiserver/content_type.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

namespace kiln {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kYaml[] = "application/yaml";
constexpr char kJsonPatch[] = "application/json-patch+json";
constexpr char kMergePatch[] = "application/merge-patch+json";
constexpr char kApplyPatch[] = "application/apply-patch+yaml";
constexpr char kTable[] = "application/json;as=Table;v=v1;g=meta.k8s.io";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// RFC 7230 token characters.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                  std::string_view::npos;
  });
}

// Splits on `sep` outside double-quoted strings.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == sep && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// token / quoted-string -> the value; nullopt when neither.
std::optional<std::string> ParseParamValue(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  if (!IsToken(v)) return std::nullopt;
  return std::string(v);
}

std::optional<double> ParseQ(std::string_view v) {
  std::string text(v);
  char* end = nullptr;
  double q = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || q < 0 || q > 1) {
    return std::nullopt;
  }
  return q;
}

bool AddParam(std::string_view param, MediaType* out) {
  param = Trim(param);
  if (param.empty()) return true;  // "a/b;" or "a/b;;c=d": tolerated
  const size_t eq = param.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view name = Trim(param.substr(0, eq));
  if (!IsToken(name)) return false;
  std::optional<std::string> value =
      ParseParamValue(Trim(param.substr(eq + 1)));
  if (!value) return false;
  if (Lower(name) == "q") {
    std::optional<double> q = ParseQ(*value);
    if (!q) return false;
    out->q = *q;
    return true;
  }
  out->params[Lower(name)] = std::move(*value);
  return true;
}

int Specificity(const MediaType& m) {
  return (m.type != "*" ? 1 : 0) + (m.subtype != "*" ? 1 : 0);
}

// The response type one Accept alternative asks for, if producible.
std::optional<ResponseType> Match(const MediaType& m, bool table_allowed) {
  const bool any_application = (m.type == "application" && m.subtype == "*") ||
                               (m.type == "*" && m.subtype == "*");
  const bool json =
      any_application || (m.type == "application" && m.subtype == "json");
  const std::string as = m.Param("as");
  if (as.empty()) {
    if (json) return ResponseType::kJson;
    if (m.type == "application" && m.subtype == "yaml") {
      return ResponseType::kYaml;
    }
    return std::nullopt;
  }
  if (table_allowed && json && as == "Table" && m.Param("g") == "meta.k8s.io" &&
      m.Param("v") == "v1") {
    return ResponseType::kTable;
  }
  return std::nullopt;
}

}  // namespace

std::string MediaType::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::optional<MediaType> ParseMediaType(std::string_view text) {
  std::vector<std::string_view> parts = SplitOutsideQuotes(text, ';');
  const std::string_view essence = Trim(parts[0]);
  const size_t slash = essence.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  MediaType m;
  m.type = Lower(essence.substr(0, slash));
  m.subtype = Lower(essence.substr(slash + 1));
  if (!IsToken(m.type) || !IsToken(m.subtype)) return std::nullopt;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!AddParam(parts[i], &m)) return std::nullopt;
  }
  return m;
}

std::vector<MediaType> ParseAccept(std::string_view header) {
  std::vector<MediaType> out;
  if (Trim(header).empty()) {
    out.push_back(MediaType{"*", "*", {}, 1.0});
    return out;
  }
  for (std::string_view alternative : SplitOutsideQuotes(header, ',')) {
    if (Trim(alternative).empty()) continue;
    std::optional<MediaType> m = ParseMediaType(alternative);
    if (m && m->q > 0) out.push_back(std::move(*m));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MediaType& a, const MediaType& b) {
                     if (a.q != b.q) return a.q > b.q;
                     return Specificity(a) > Specificity(b);
                   });
  return out;
}

std::optional<BodyType> RequestBodyType(std::string_view method,
                                        std::string_view content_type) {
  const bool patch = method == "PATCH";
  if (Trim(content_type).empty()) {
    // kube-apiserver decodes a body without Content-Type as its first
    // serializer (JSON); a patch must say which kind it is.
    return patch ? std::nullopt : std::optional<BodyType>(BodyType::kJson);
  }
  std::optional<MediaType> m = ParseMediaType(content_type);
  if (!m) return std::nullopt;
  const std::string essence = m->Essence();
  if (patch) {
    if (essence == kJsonPatch) return BodyType::kJsonPatch;
    if (essence == kMergePatch) return BodyType::kMergePatch;
    if (essence == kApplyPatch) return BodyType::kApplyPatch;
    return std::nullopt;
  }
  if (essence == kJson) return BodyType::kJson;
  if (essence == kYaml) return BodyType::kYaml;
  return std::nullopt;
}

bool IsMediaType(std::string_view content_type, std::string_view essence) {
  std::optional<MediaType> m = ParseMediaType(content_type);
  return m && m->Essence() == essence;
}

std::vector<std::string> AcceptedBodyTypes(std::string_view method) {
  if (method == "PATCH") return {kJsonPatch, kMergePatch, kApplyPatch};
  return {kJson, kYaml};
}

std::optional<ResponseType> NegotiateResponseType(std::string_view accept,
                                                  bool table_allowed) {
  for (const MediaType& m : ParseAccept(accept)) {
    if (std::optional<ResponseType> type = Match(m, table_allowed)) {
      return type;
    }
  }
  return std::nullopt;
}

std::vector<std::string> ProducibleTypes(bool table_allowed) {
  std::vector<std::string> types = {kJson, kYaml};
  if (table_allowed) types.push_back(kTable);
  return types;
}

std::string ContentTypeFor(ResponseType type) {
  switch (type) {
    case ResponseType::kYaml:
      return kYaml;
    case ResponseType::kTable:
      return kTable;
    case ResponseType::kJson:
      break;
  }
  return kJson;
}

bool AcceptsJson(std::string_view accept) {
  const std::vector<MediaType> alternatives = ParseAccept(accept);
  return std::any_of(
      alternatives.begin(), alternatives.end(), [](const MediaType& m) {
        return Match(m, /*table_allowed=*/false) == ResponseType::kJson;
      });
}

}  // namespace kiln
