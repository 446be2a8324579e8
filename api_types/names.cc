#include "api_types/names.h"

#include <string>

namespace kiln {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

std::string TooLong(size_t max) {
  return "must be no more than " + std::to_string(max) + " characters";
}

// The shared body of a DNS-1123 label, without the length rule.
bool IsDns1123LabelSyntax(std::string_view name) {
  if (name.empty() || !IsLowerAlnum(name.front()) ||
      !IsLowerAlnum(name.back())) {
    return false;
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], without the length rule.
bool IsLabelNameSyntax(std::string_view name) {
  if (name.empty() || !IsAlnum(name.front()) || !IsAlnum(name.back())) {
    return false;
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

constexpr char kLabelNameRule[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character";

}  // namespace

Status CheckDns1123Label(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("must not be empty");
  if (name.size() > kDns1123LabelMaxLength) {
    return InvalidArgumentError(TooLong(kDns1123LabelMaxLength));
  }
  if (!IsDns1123LabelSyntax(name)) {
    return InvalidArgumentError(
        "must be a DNS-1123 label: lowercase alphanumeric characters or '-', "
        "starting and ending with an alphanumeric character");
  }
  return OkStatus();
}

Status CheckDns1123Subdomain(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("must not be empty");
  if (name.size() > kDns1123SubdomainMaxLength) {
    return InvalidArgumentError(TooLong(kDns1123SubdomainMaxLength));
  }
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view part = name.substr(start, dot - start);
    if (!IsDns1123LabelSyntax(part)) {
      return InvalidArgumentError(
          "must be a DNS-1123 subdomain: lowercase alphanumeric characters, "
          "'-' or '.', each '.'-separated part starting and ending with an "
          "alphanumeric character");
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return OkStatus();
}

Status CheckLabelKey(std::string_view key) {
  std::string_view name = key;
  const size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      return InvalidArgumentError("prefix part must not be empty");
    }
    if (Status s = CheckDns1123Subdomain(prefix); !s.ok()) {
      return s.WithPrefix("prefix part");
    }
    if (name.find('/') != std::string_view::npos) {
      return InvalidArgumentError("must contain at most one '/'");
    }
  }
  if (name.empty()) return InvalidArgumentError("name part must not be empty");
  if (name.size() > kLabelNameMaxLength) {
    return InvalidArgumentError("name part " + TooLong(kLabelNameMaxLength));
  }
  if (!IsLabelNameSyntax(name)) {
    return InvalidArgumentError(std::string("name part ") + kLabelNameRule);
  }
  return OkStatus();
}

Status CheckLabelValue(std::string_view value) {
  if (value.empty()) return OkStatus();
  if (value.size() > kLabelValueMaxLength) {
    return InvalidArgumentError(TooLong(kLabelValueMaxLength));
  }
  if (!IsLabelNameSyntax(value)) return InvalidArgumentError(kLabelNameRule);
  return OkStatus();
}

Status CheckCIdentifier(std::string_view name) {
  bool ok = !name.empty() && !(name.front() >= '0' && name.front() <= '9');
  for (char c : name) ok = ok && (IsAlnum(c) || c == '_');
  if (!ok) {
    return InvalidArgumentError(
        "must be a C identifier: [A-Za-z_][A-Za-z0-9_]*");
  }
  return OkStatus();
}

Status CheckRelativePath(std::string_view path) {
  if (path.empty()) return InvalidArgumentError("must not be empty");
  if (path.size() > kRelativePathMaxLength) {
    return InvalidArgumentError("must be no more than " +
                                std::to_string(kRelativePathMaxLength) +
                                " bytes");
  }
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgumentError("must not contain control characters");
    }
  }
  if (path.front() == '/') return InvalidArgumentError("must be relative");
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty()) {
      return InvalidArgumentError("must not contain empty components");
    }
    if (part == "..") {
      return InvalidArgumentError("must not contain '..' components");
    }
    if (part == ".") {
      return InvalidArgumentError("must not contain '.' components");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return OkStatus();
}

}  // namespace kiln
