#include "hack/bench/bench_object.h"

#include <cstdio>

namespace kiln::bench {
namespace {

// 64 hex digits derived from `seed` (splitmix64), like a sha256 digest.
std::string Hex64(uint64_t seed) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx",
                  static_cast<unsigned long long>(z));
    out += buf;
  }
  return out;
}

}  // namespace

nlohmann::json MakeBuildObject(const std::string& ns, const std::string& name,
                               int64_t seq) {
  const uint64_t s = static_cast<uint64_t>(seq) * 7919 + name.size();
  const std::string uid = Hex64(s);
  const std::string uid8 = uid.substr(0, 8);
  const std::string uuid = uid.substr(0, 8) + "-" + uid.substr(8, 4) + "-4" +
                           uid.substr(13, 3) + "-a" + uid.substr(17, 3) + "-" +
                           uid.substr(20, 12);
  const std::string ts = "2024-05-14T09:31:07Z";
  return {
      {"apiVersion", "kiln.dev/v1"},
      {"kind", "Build"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"uid", uuid},
        {"generation", 1},
        {"creationTimestamp", ts},
        {"labels",
         {{"app.kubernetes.io/name", "payments-api"},
          {"app.kubernetes.io/part-of", "checkout"},
          {"kiln.dev/team", "platform"}}},
        {"annotations", {{"kiln.dev/submitted-by", "ci@builds.example.com"}}},
        {"finalizers", {"kiln.dev/vm-cleanup"}}}},
      {"spec",
       {{"source", {{"archive", {{"digest", "sha256:" + Hex64(s + 1)}}}}},
        {"dockerfile", "deploy/Dockerfile"},
        {"buildArgs",
         {{"GO_VERSION", "1.22.3"},
          {"BASE_IMAGE", "debian:12-slim"},
          {"GIT_COMMIT", Hex64(s + 2).substr(0, 40)}}},
        {"output",
         {{"image", "registry.example.com/checkout/payments-api:" + uid8}}},
        {"resources", {{"cpus", 2}, {"memoryMiB", 4096}}},
        {"timeoutSeconds", 1800}}},
      {"status",
       {{"phase", "Building"},
        {"reason", "Building"},
        {"message", "step 7/12: RUN go build -o /out/server ./cmd/server"},
        {"conditions",
         {{{"type", "Ready"},
           {"status", "False"},
           {"reason", "Building"},
           {"message", "build in progress on node-b"},
           {"lastTransitionTime", ts}},
          {{"type", "Succeeded"},
           {"status", "Unknown"},
           {"reason", "Building"},
           {"message", ""},
           {"lastTransitionTime", ts}}}},
        {"observedGeneration", 1},
        {"nodeName", "node-b"},
        {"vm", {{"name", "kiln-" + uid8}, {"driver", "qemu"}}},
        {"startedAt", ts},
        {"provenance",
         {{"sourceDigest", "sha256:" + Hex64(s + 1)},
          {"baseImageDigest", "sha256:" + Hex64(s + 3)},
          {"dockerfileDigest", "sha256:" + Hex64(s + 4)},
          {"builder", "kiln/0.1.0 (buildkit v0.13.2)"}}},
        {"logBytes", 48213}}}};
}

}  // namespace kiln::bench
