// Parser for the Kubernetes selector grammar (apimachinery labels/selector.go):
//
//   selector    := requirement ("," requirement)*
//   requirement := ["!"] KEY
//                | KEY ("=" | "==" | "!=") VALUE
//                | KEY ("in" | "notin") "(" [VALUE] ("," [VALUE])* ")"
//
// Whitespace separates tokens and is otherwise ignored. As in Kubernetes,
// "()" is the set {""} and an empty VALUE after "=" is the empty string.
// Unlike Kubernetes, "in"/"notin" are keywords only where an operator is
// expected, so a label key spelled "in" can be selected.
#include "api_types/label_selector.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <utility>

#include "api_types/names.h"

namespace kiln {
namespace {

using Op = LabelSelector::Op;
using Requirement = LabelSelector::Requirement;

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

bool IsSpecial(char c) {
  return c == '!' || c == '(' || c == ')' || c == ',' || c == '=' || c == '<' ||
         c == '>';
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The text of the requirement that starts at `start`: up to the next comma
// outside parentheses, trimmed.
std::string_view RequirementText(std::string_view text, size_t start) {
  size_t end = start;
  int depth = 0;
  for (; end < text.size(); ++end) {
    if (text[end] == '(') ++depth;
    if (text[end] == ')') --depth;
    if (text[end] == ',' && depth <= 0) break;
  }
  std::string_view req = text.substr(start, end - start);
  while (!req.empty() && IsSpace(req.front())) req.remove_prefix(1);
  while (!req.empty() && IsSpace(req.back())) req.remove_suffix(1);
  return req;
}

// Recursive-descent parser over `text`; one instance per Parse call.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  StatusOr<std::vector<Requirement>> Run() {
    std::vector<Requirement> out;
    SkipSpace();
    if (pos_ == text_.size()) return out;  // the empty selector
    while (true) {
      req_start_ = pos_;
      StatusOr<Requirement> req = ParseRequirement();
      if (!req.ok()) return req.status();
      out.push_back(std::move(req).value());
      SkipSpace();
      if (pos_ == text_.size()) return out;
      ++pos_;  // ParseRequirement stops only at the end or at a ','
    }
  }

 private:
  Status Fail(const std::string& why) const {
    std::string_view req = RequirementText(text_, req_start_);
    if (req.empty()) req = text_;
    return InvalidArgumentError("invalid label selector " + Quote(req) + ": " +
                                why);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  // Next token after whitespace, without consuming it: an identifier, a
  // one- or two-character operator ("!=", "=="), or "" at the end.
  std::string_view Peek() {
    SkipSpace();
    if (pos_ == text_.size()) return {};
    const char c = text_[pos_];
    if (IsSpecial(c)) {
      const bool two = (c == '!' || c == '=') && pos_ + 1 < text_.size() &&
                       text_[pos_ + 1] == '=';
      return text_.substr(pos_, two ? 2 : 1);
    }
    size_t end = pos_;
    while (end < text_.size() && !IsSpace(text_[end]) && !IsSpecial(text_[end]))
      ++end;
    return text_.substr(pos_, end - pos_);
  }

  std::string_view Next() {
    const std::string_view tok = Peek();
    pos_ += tok.size();
    return tok;
  }

  static bool IsIdentifier(std::string_view tok) {
    return !tok.empty() && !IsSpecial(tok[0]);
  }

  static std::string Describe(std::string_view tok) {
    return tok.empty() ? "end of selector" : Quote(tok);
  }

  StatusOr<Requirement> ParseRequirement();
  Status ParseOperator(Requirement& req);
  Status ParseValueSet(Requirement& req, std::string_view keyword);
  Status ExpectEnd(const Requirement& req);

  std::string_view text_;
  size_t pos_ = 0;
  size_t req_start_ = 0;
};

StatusOr<Requirement> Parser::ParseRequirement() {
  Requirement req;
  const bool negated = Peek() == "!";
  if (negated) Next();
  const std::string_view key = Next();
  if (!IsIdentifier(key)) {
    return Fail("expected a label key, found " + Describe(key));
  }
  req.key = std::string(key);
  if (Status s = CheckLabelKey(key); !s.ok()) {
    return Fail("key " + Quote(key) + ": " + s.message());
  }
  if (negated) {
    req.op = Op::kDoesNotExist;
  } else {
    RETURN_IF_ERROR(ParseOperator(req));
  }
  RETURN_IF_ERROR(ExpectEnd(req));
  for (const std::string& value : req.values) {
    if (Status s = CheckLabelValue(value); !s.ok()) {
      return Fail("value " + Quote(value) + ": " + s.message());
    }
  }
  return req;
}

// After KEY: nothing (exists), an equality operator and a value, or a set.
Status Parser::ParseOperator(Requirement& req) {
  const std::string_view op = Peek();
  if (op.empty() || op == ",") {
    req.op = Op::kExists;
    return OkStatus();
  }
  if (op == "in" || op == "notin") {
    Next();
    req.op = op == "in" ? Op::kIn : Op::kNotIn;
    return ParseValueSet(req, op);
  }
  if (op == "=" || op == "==" || op == "!=") {
    Next();
    req.op = op == "!=" ? Op::kNotEquals : Op::kEquals;
    const std::string_view value = Peek();
    if (!value.empty() && !IsIdentifier(value) && value != ",") {
      return Fail("expected a value after " + Quote(op) + ", found " +
                  Quote(value));
    }
    if (IsIdentifier(value)) Next();
    req.values.push_back(std::string(value == "," ? "" : value));
    return OkStatus();
  }
  if (op == "<" || op == ">") {
    return Fail("operator " + Quote(op) + " is not supported");
  }
  return Fail("expected \"=\", \"==\", \"!=\", \"in\" or \"notin\" after " +
              Quote(req.key) + ", found " + Describe(op));
}

// "(" [VALUE] ("," [VALUE])* ")"; values sorted and de-duplicated.
Status Parser::ParseValueSet(Requirement& req, std::string_view keyword) {
  if (Next() != "(") {
    return Fail("expected \"(\" after " + Quote(keyword));
  }
  std::string current;  // identifiers are never empty: "" = no value yet
  while (true) {
    const std::string_view tok = Next();
    if (IsIdentifier(tok)) {
      if (!current.empty()) {
        return Fail("expected \",\" or \")\" between values, found " +
                    Quote(tok));
      }
      current = std::string(tok);
    } else if (tok == "," || tok == ")") {
      req.values.push_back(std::move(current));
      current.clear();
      if (tok == ")") break;
    } else {
      return Fail("expected a value, \",\" or \")\" in the value list, found " +
                  Describe(tok));
    }
  }
  std::sort(req.values.begin(), req.values.end());
  req.values.erase(std::unique(req.values.begin(), req.values.end()),
                   req.values.end());
  return OkStatus();
}

Status Parser::ExpectEnd(const Requirement& req) {
  const std::string_view tok = Peek();
  if (tok.empty() || tok == ",") return OkStatus();
  return Fail("unexpected " + Quote(tok) + " after the requirement on " +
              Quote(req.key));
}

bool RequirementLess(const Requirement& a, const Requirement& b) {
  return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
}

std::string JoinValues(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += values[i];
  }
  return out;
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  StatusOr<std::vector<Requirement>> reqs = Parser(text).Run();
  if (!reqs.ok()) return reqs.status();
  LabelSelector selector;
  selector.requirements_ = std::move(reqs).value();
  std::sort(selector.requirements_.begin(), selector.requirements_.end(),
            RequirementLess);
  return selector;
}

bool LabelSelector::Matches(
    const std::map<std::string, std::string>& labels) const {
  for (const Requirement& req : requirements_) {
    const auto it = labels.find(req.key);
    const bool has = it != labels.end();
    const bool in_set = has && std::binary_search(req.values.begin(),
                                                  req.values.end(), it->second);
    bool ok = false;
    switch (req.op) {
      case Op::kEquals:
      case Op::kIn:
        ok = in_set;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = !in_set;  // also true when the key is absent
        break;
      case Op::kExists:
        ok = has;
        break;
      case Op::kDoesNotExist:
        ok = !has;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const Requirement& req : requirements_) {
    if (!out.empty()) out += ",";
    switch (req.op) {
      case Op::kEquals:
        out += req.key + "=" + JoinValues(req.values);
        break;
      case Op::kNotEquals:
        out += req.key + "!=" + JoinValues(req.values);
        break;
      case Op::kIn:
        out += req.key + " in (" + JoinValues(req.values) + ")";
        break;
      case Op::kNotIn:
        out += req.key + " notin (" + JoinValues(req.values) + ")";
        break;
      case Op::kExists:
        out += req.key;
        break;
      case Op::kDoesNotExist:
        out += "!" + req.key;
        break;
    }
  }
  return out;
}

}  // namespace kiln
