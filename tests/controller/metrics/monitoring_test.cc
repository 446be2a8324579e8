// The exposition and the monitoring manifests against the real tools:
// `promtool check metrics` on Serialize(), `promtool check config` on
// manifests/monitoring/prometheus.yml, `promtool check rules` on every query
// of manifests/monitoring/grafana-dashboard.json. Tests that need promtool
// (Debian package "prometheus", installed by hack/setup.sh) skip without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "controller/metrics/kiln_metrics.h"
#include "tests/controller/metrics/metrics_test_util.h"
#include "tests/testing/build_paths.h"

namespace kiln {
namespace {

using ::kiln::testing::CommandResult;
using ::kiln::testing::FindOnPath;
using ::kiln::testing::RunWithInput;
using ::kiln::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kMonitoringDir =
    std::string(kiln::testing::kSourceDir) + "/manifests/monitoring";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One event of every kind, so every family has series.
void Exercise(KilnMetrics& metrics) {
  metrics.ObserveBuildFinished(kBuildResultReady, 93);
  metrics.SetBuildsActive(kPhaseBuilding, 2);
  metrics.AddAdmissionRejection(kRejectResourcesExhausted);
  metrics.SetCapacity(kResourceCpus, 8, 2);
  metrics.ObserveReconcile(kReconcileSuccess, 0.01);
  metrics.SetWorkqueueDepth(1);
  metrics.AddWorkqueueRetry();
  metrics.ObserveApiRequest("GET", "builds", 200, 0.002);
  metrics.SetWatchers(3);
  metrics.ObserveStoreWrite(0.004);
}

class PromtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> promtool = FindOnPath("promtool");
    if (!promtool) {
      GTEST_SKIP() << "promtool not on PATH (apt-get install prometheus, "
                      "or run hack/setup.sh)";
    }
    promtool_ = *promtool;
    ASSERT_FALSE(dir_.path().empty());
  }

  CommandResult Promtool(const std::string& args,
                         const std::string& stdin_text = "") {
    return RunWithInput(promtool_ + " " + args, stdin_text, dir_);
  }

  std::string promtool_;
  TempDir dir_;
};

TEST_F(PromtoolTest, CheckMetricsAcceptsTheExposition) {
  KilnMetrics metrics;
  Exercise(metrics);
  const std::string text = metrics.Serialize();
  CommandResult result = Promtool("check metrics", text);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n---\n" << text;
  EXPECT_THAT(result.output, IsEmpty()) << text;  // no lint complaints
}

TEST_F(PromtoolTest, CheckMetricsAcceptsAFreshRegistry) {
  // Families without series (the API histogram) are HELP/TYPE only.
  KilnMetrics metrics;
  const std::string text = metrics.Serialize();
  CommandResult result = Promtool("check metrics", text);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n---\n" << text;
  EXPECT_THAT(result.output, IsEmpty()) << text;
}

TEST_F(PromtoolTest, CheckConfigAcceptsPrometheusYml) {
  // promtool stats the CA and token files; point them at real ones.
  std::string config = ReadText(kMonitoringDir + "/prometheus.yml");
  ASSERT_THAT(config, HasSubstr("/var/lib/kiln/"));
  config = std::regex_replace(config, std::regex("/var/lib/kiln/"),
                              dir_.path() + "/data/");
  dir_.Write("data/pki/ca.crt", "not checked by promtool\n");
  dir_.Write("data/metrics.token", "0123456789abcdef\n");
  dir_.Write("prometheus.yml", config);
  CommandResult result =
      Promtool("check config " + dir_.path() + "/prometheus.yml");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS"));
}

// Every PromQL expression of the dashboard.
std::vector<std::string> DashboardExprs(const nlohmann::json& dashboard) {
  std::vector<std::string> exprs;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets"))
      exprs.push_back(target.at("expr").get<std::string>());
  }
  return exprs;
}

nlohmann::json LoadDashboard() {
  return nlohmann::json::parse(
      ReadText(kMonitoringDir + "/grafana-dashboard.json"));
}

TEST_F(PromtoolTest, DashboardQueriesParse) {
  // promtool parses the expression of every recording rule.
  nlohmann::json groups = {
      {"groups",
       {{{"name", "dashboard"}, {"rules", nlohmann::json::array()}}}}};
  int n = 0;
  for (const std::string& expr : DashboardExprs(LoadDashboard())) {
    groups["groups"][0]["rules"].push_back(
        {{"record", "kiln:dashboard:q" + std::to_string(++n)}, {"expr", expr}});
  }
  ASSERT_GT(n, 0);
  dir_.Write("rules.yml", groups.dump(2));  // JSON is YAML
  CommandResult result = Promtool("check rules " + dir_.path() + "/rules.yml");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(DashboardTest, IsAGrafanaDashboardWithTheExpectedPanels) {
  nlohmann::json dashboard;
  ASSERT_NO_THROW(dashboard = LoadDashboard());
  EXPECT_TRUE(dashboard.at("title").is_string());
  EXPECT_TRUE(dashboard.at("uid").is_string());
  EXPECT_TRUE(dashboard.at("schemaVersion").is_number_integer());
  std::set<int> ids;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second);
    EXPECT_TRUE(panel.at("gridPos").contains("w"));
    EXPECT_FALSE(panel.at("targets").empty());
  }
  std::string all;
  for (const std::string& expr : DashboardExprs(dashboard)) all += expr + "\n";
  EXPECT_THAT(all, HasSubstr("rate(kiln_builds_total[5m])"));
  for (const char* q : {"0.5", "0.9", "0.99"}) {
    EXPECT_THAT(all, HasSubstr(std::string("histogram_quantile(") + q +
                               ", sum by (le) (rate("
                               "kiln_build_duration_seconds_bucket"));
  }
  EXPECT_THAT(all, HasSubstr("rate(kiln_admission_rejections_total[5m])"));
  EXPECT_THAT(all,
              HasSubstr(R"(kiln_capacity{state="allocated"} / )"
                        R"(ignoring(state) kiln_capacity{state="total"})"));
  EXPECT_THAT(all, HasSubstr("kiln_builds_active"));
  EXPECT_THAT(all, HasSubstr("histogram_quantile(0.99, sum by (le, verb) "
                             "(rate(kiln_apiserver_request_duration_seconds_"
                             "bucket[5m])))"));
  EXPECT_THAT(all, HasSubstr("kiln_watchers"));
}

TEST(DashboardTest, QueriesOnlyExposedFamilies) {
  KilnMetrics metrics;
  const std::string text = metrics.Serialize();
  const std::regex name(R"((kiln|process)_[a-z_]+)");
  for (const std::string& expr : DashboardExprs(LoadDashboard())) {
    for (std::sregex_iterator it(expr.begin(), expr.end(), name), end;
         it != end; ++it) {
      std::string family = it->str();
      for (const char* suffix : {"_bucket", "_count", "_sum"}) {
        const std::string s(suffix);
        if (family.size() > s.size() &&
            family.compare(family.size() - s.size(), s.size(), s) == 0) {
          family.resize(family.size() - s.size());
        }
      }
      EXPECT_THAT(text, HasSubstr("# TYPE " + family + " "))
          << family << " in " << expr;
    }
  }
}

TEST(PrometheusYmlTest, ScrapesKilndOverHttpsWithCaAndToken) {
  const std::string config = ReadText(kMonitoringDir + "/prometheus.yml");
  EXPECT_THAT(config, HasSubstr("scheme: https"));
  EXPECT_THAT(config, HasSubstr("metrics_path: /metrics"));
  EXPECT_THAT(config, HasSubstr("ca_file: /var/lib/kiln/pki/ca.crt"));
  EXPECT_THAT(config, HasSubstr("credentials_file:"));
  EXPECT_THAT(config, Not(HasSubstr("insecure_skip_verify: true")));
}

}  // namespace
}  // namespace kiln
