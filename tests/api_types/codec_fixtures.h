// Fully-populated API objects shared by the codec tests: every field set to
// a distinct non-default value, so a codec that drops or swaps a field fails
// the round-trip tests. Also teaches GoogleTest to print nlohmann::json.
// Test-only.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "api_types/build.h"
#include "api_types/event.h"
#include "api_types/meta_status.h"
#include "api_types/node.h"
#include "api_types/object_meta.h"
#include "api_types/time.h"

namespace nlohmann {

// Found by ADL from GoogleTest. Without it gtest prints json as a container
// whose scalar elements iterate over themselves: unbounded recursion.
inline void PrintTo(const json& value, std::ostream* os) {
  *os << value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace nlohmann

namespace kiln::testing_fixtures {

// 2026-11-28T14:55:03Z plus `offset_seconds`.
inline Timestamp At(int offset_seconds = 0) {
  using namespace std::chrono;
  return sys_days(year(2026) / November / 28) + hours(14) + minutes(55) +
         seconds(3 + offset_seconds);
}

inline ObjectMeta FullMeta() {
  ObjectMeta m;
  m.name = "hello";
  m.namespace_ = "web";
  m.uid = "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60";
  m.resource_version = "42";
  m.generation = 3;
  m.creation_timestamp = At(0);
  m.deletion_timestamp = At(60);
  m.labels = {{"team", "web"}, {"app.kubernetes.io/name", "hello"}};
  m.annotations = {{"note", "multi\nline"}, {"version", "1.2"}};
  m.finalizers = {"kiln.dev/vm-cleanup", "kiln.dev/reservation"};
  return m;
}

inline Build FullBuild() {
  Build b;
  b.metadata = FullMeta();
  b.spec.source.archive = ArchiveSource{"sha256:" + std::string(64, 'a')};
  b.spec.source.inline_source =
      InlineSource{{{"Dockerfile", "FROM kiln/busybox:1\nRUN echo hi\n"},
                    {"app/main.sh", "#!/bin/sh\necho \"hello\"\n"}}};
  b.spec.dockerfile = "build/Dockerfile";
  b.spec.build_args = {{"VERSION", "1.2"}, {"DEBUG", "true"}};
  b.spec.output = BuildOutput{"localhost:5000/web/hello:1"};
  b.spec.resources.cpus = 2;
  b.spec.resources.memory_mib = 1024;
  b.spec.timeout_seconds = 600;
  b.spec.cancel = true;
  BuildStatus& s = b.status;
  s.phase = BuildPhase::kPushing;
  s.reason = "BuildError";
  s.message = "step 2/3 failed";
  s.conditions = {
      {"Ready", ConditionStatus::kFalse, "Building", "in progress", At(1)},
      {"Succeeded", ConditionStatus::kUnknown, "Pending", "", At(2)},
      {"Admitted", ConditionStatus::kTrue, "", "", std::nullopt}};
  s.observed_generation = 3;
  s.node_name = "node-a";
  s.vm = VmRef{"kiln-2f1c7a4e", "qemu"};
  s.started_at = At(10);
  s.completed_at = At(70);
  s.duration_ms = 60000;
  s.image =
      ImageRef{"localhost:5000/web/hello:1", "sha256:" + std::string(64, 'b')};
  s.provenance = Provenance{"sha256:" + std::string(64, 'c'),
                            "sha256:" + std::string(64, 'd'),
                            "sha256:" + std::string(64, 'e'), "kiln-agent/0.1"};
  s.log_bytes = 12345;
  return b;
}

inline Node FullNode() {
  Node n;
  n.metadata = FullMeta();
  n.metadata.namespace_.clear();  // cluster-scoped
  n.status.capacity = {8, 16384, 4};
  n.status.allocated = {2, 1024, 1};
  n.status.driver = "qemu";
  n.status.accelerator = "kvm";
  return n;
}

inline Event FullEvent() {
  Event e;
  e.metadata = FullMeta();
  e.metadata.name = "hello.17a2b3c4";
  e.involved_object = {"kiln.dev/v1",
                       "Build",
                       "web",
                       "hello",
                       "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60",
                       "41"};
  e.reason = "Admitted";
  e.message = "reserved 2 cpus, 1024 MiB on node-a";
  e.type = "Normal";
  e.count = 3;
  e.first_timestamp = At(0);
  e.last_timestamp = At(30);
  e.source_component = "kilnd";
  return e;
}

inline MetaStatus FullMetaStatus() {
  MetaStatus s;
  s.status = "Failure";
  s.message = "builds.kiln.dev \"hello\" does not fit now";
  s.reason = "ServiceUnavailable";
  StatusDetails d;
  d.name = "hello";
  d.group = "kiln.dev";
  d.kind = "builds";
  d.uid = "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60";
  d.causes = {
      {"ResourcesExhausted", "requested 2 cpus, 1 free", "spec.resources.cpus"},
      {"FieldValueInvalid", "must be > 0", "spec.timeoutSeconds"}};
  d.retry_after_seconds = 30;
  s.details = d;
  s.code = 503;
  return s;
}

}  // namespace kiln::testing_fixtures
