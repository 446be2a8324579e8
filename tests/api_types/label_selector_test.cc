#include "api_types/label_selector.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace kiln {
namespace {

using Op = LabelSelector::Op;
using Requirement = LabelSelector::Requirement;
using Labels = std::map<std::string, std::string>;

TEST(LabelSelectorTest, ParsesEveryForm) {
  struct Case {
    std::string text;
    std::vector<Requirement> want;  // sorted by key
    std::string canonical;
  };
  const Case cases[] = {
      {"", {}, ""},
      {"   ", {}, ""},
      {"team=web", {{"team", Op::kEquals, {"web"}}}, "team=web"},
      {"team==web", {{"team", Op::kEquals, {"web"}}}, "team=web"},
      {"team!=web", {{"team", Op::kNotEquals, {"web"}}}, "team!=web"},
      {"team=", {{"team", Op::kEquals, {""}}}, "team="},
      {"tier in (b,a)", {{"tier", Op::kIn, {"a", "b"}}}, "tier in (a,b)"},
      {"tier in(a,a)", {{"tier", Op::kIn, {"a"}}}, "tier in (a)"},
      {"tier notin (x)", {{"tier", Op::kNotIn, {"x"}}}, "tier notin (x)"},
      {"tier in ()", {{"tier", Op::kIn, {""}}}, "tier in ()"},
      {"tier in (a,)", {{"tier", Op::kIn, {"", "a"}}}, "tier in (,a)"},
      {"legacy", {{"legacy", Op::kExists, {}}}, "legacy"},
      {"!legacy", {{"legacy", Op::kDoesNotExist, {}}}, "!legacy"},
      {"kiln.dev/owner=me",
       {{"kiln.dev/owner", Op::kEquals, {"me"}}},
       "kiln.dev/owner=me"},
      {" z = 1 , ! y ,x in ( b , a ) ",
       {{"x", Op::kIn, {"a", "b"}},
        {"y", Op::kDoesNotExist, {}},
        {"z", Op::kEquals, {"1"}}},
       "x in (a,b),!y,z=1"},
      {"a!=c,a=b",
       {{"a", Op::kEquals, {"b"}}, {"a", Op::kNotEquals, {"c"}}},
       "a=b,a!=c"},
      {"in=x", {{"in", Op::kEquals, {"x"}}}, "in=x"},
      {"k=in", {{"k", Op::kEquals, {"in"}}}, "k=in"},
  };
  for (const Case& c : cases) {
    StatusOr<LabelSelector> sel = LabelSelector::Parse(c.text);
    ASSERT_TRUE(sel.ok()) << c.text << ": " << sel.status().ToString();
    EXPECT_EQ(sel->requirements(), c.want) << c.text;
    EXPECT_EQ(sel->Empty(), c.want.empty());
    EXPECT_EQ(sel->ToString(), c.canonical) << c.text;
    StatusOr<LabelSelector> again = LabelSelector::Parse(sel->ToString());
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, *sel) << c.text;
  }
}

TEST(LabelSelectorTest, RejectsBadSyntaxNamingTheRequirement) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"a in b",
       R"~(invalid label selector "a in b": expected "(" after "in")~"},
      {"x=y,a notin b",
       R"~(invalid label selector "a notin b": expected "(" after "notin")~"},
      {"a in (x", R"~(invalid label selector "a in (x": expected a value, ",")~"
                  R"~( or ")" in the value list, found end of selector)~"},
      {"a in (x y)", R"~(invalid label selector "a in (x y)": expected ",")~"
                     R"~( or ")" between values, found "y")~"},
      {"a=b,", R"~(invalid label selector "a=b,": expected a label key, found)~"
               R"~( end of selector)~"},
      {",a",
       R"~(invalid label selector ",a": expected a label key, found ",")~"},
      {"a b",
       R"~(invalid label selector "a b": expected "=", "==", "!=", "in")~"
       R"~( or "notin" after "a", found "b")~"},
      {"!a=b", R"~(invalid label selector "!a=b": unexpected "=" after the)~"
               R"~( requirement on "a")~"},
      {"a=b=c", R"~(invalid label selector "a=b=c": unexpected "=" after the)~"
                R"~( requirement on "a")~"},
      {"a=(b)", R"~(invalid label selector "a=(b)": expected a value after)~"
                R"~( "=", found "(")~"},
      {"a>1",
       R"~(invalid label selector "a>1": operator ">" is not supported)~"},
      {"team web=x", R"~(invalid label selector "team web=x": expected "=")~"},
      {"-a=b", R"~(invalid label selector "-a=b": key "-a": name part must)~"
               R"~( consist of alphanumeric characters)~"},
      {"ok=1,a=b c", R"~(invalid label selector "a=b c": unexpected "c")~"},
      {"a=-b", R"~(invalid label selector "a=-b": value "-b": must consist)~"},
      {"a in (ok,b_)",
       R"~(invalid label selector "a in (ok,b_)": value "b_":)~"},
      {"a=" + std::string(64, 'v'), "must be no more than 63 characters"},
  };
  for (const Case& c : cases) {
    StatusOr<LabelSelector> sel = LabelSelector::Parse(c.text);
    ASSERT_FALSE(sel.ok()) << c.text;
    EXPECT_EQ(sel.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(sel.status().message().find(c.error), std::string::npos)
        << c.text << "\n  got:  " << sel.status().message()
        << "\n  want: " << c.error;
  }
}

TEST(LabelSelectorTest, MatchesLikeKubernetes) {
  struct Case {
    std::string selector;
    Labels labels;
    bool want;
  };
  const Case cases[] = {
      {"", {}, true},
      {"", {{"a", "b"}}, true},
      {"team=web", {{"team", "web"}}, true},
      {"team=web", {{"team", "api"}}, false},
      {"team=web", {}, false},
      {"team=", {{"team", ""}}, true},
      {"team=", {}, false},
      {"team!=web", {{"team", "api"}}, true},
      {"team!=web", {{"team", "web"}}, false},
      {"team!=web", {}, true},  // absent key matches !=
      {"tier in (a,b)", {{"tier", "b"}}, true},
      {"tier in (a,b)", {{"tier", "c"}}, false},
      {"tier in (a,b)", {}, false},
      {"tier notin (a,b)", {{"tier", "c"}}, true},
      {"tier notin (a,b)", {{"tier", "a"}}, false},
      {"tier notin (a,b)", {}, true},  // absent key matches notin
      {"legacy", {{"legacy", ""}}, true},
      {"legacy", {}, false},
      {"!legacy", {}, true},
      {"!legacy", {{"legacy", "x"}}, false},
      {"team=web,!legacy", {{"team", "web"}}, true},
      {"team=web,!legacy", {{"team", "web"}, {"legacy", "1"}}, false},
      {"a=b,a!=c", {{"a", "b"}}, true},
  };
  for (const Case& c : cases) {
    StatusOr<LabelSelector> sel = LabelSelector::Parse(c.selector);
    ASSERT_TRUE(sel.ok()) << sel.status().ToString();
    EXPECT_EQ(sel->Matches(c.labels), c.want) << c.selector;
  }
}

TEST(LabelSelectorTest, DefaultMatchesEverything) {
  const LabelSelector sel;
  EXPECT_TRUE(sel.Empty());
  EXPECT_TRUE(sel.Matches({}));
  EXPECT_TRUE(sel.Matches({{"a", "b"}}));
  EXPECT_EQ(sel.ToString(), "");
}

}  // namespace
}  // namespace kiln
