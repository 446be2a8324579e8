#include "api_types/validation.h"

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api_types/image_reference.h"
#include "api_types/names.h"
#include "api_types/phase.h"

namespace kiln {
namespace {

using Errors = std::vector<FieldError>;

// `s` in double quotes, with '"', '\' and control bytes escaped, so that any
// map key or value prints on one unambiguous line.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "base[\"key\"]": the path of one map entry.
std::string KeyPath(std::string_view base, std::string_view key) {
  return std::string(base) + "[" + Quote(key) + "]";
}

void Add(Errors& errors, std::string field, std::string message) {
  errors.push_back({std::move(field), std::move(message)});
}

// Adds "field: invalid value "V": why" when `status` is not OK ("field: why"
// when V is empty).
void AddIfInvalid(Errors& errors, const std::string& field,
                  std::string_view value, const Status& status) {
  if (status.ok()) return;
  if (value.empty()) {
    Add(errors, field, status.message());
  } else {
    Add(errors, field,
        "invalid value " + Quote(value) + ": " + status.message());
  }
}

void ValidateRange(Errors& errors, const std::string& field,
                   std::optional<int64_t> value, int64_t min, int64_t max) {
  if (!value) return;
  if (*value < min) {
    // For the counts whose minimum is 1, "> 0" is the familiar phrasing.
    Add(errors, field,
        min == 1 ? "must be > 0" : "must be >= " + std::to_string(min));
  } else if (*value > max) {
    Add(errors, field, "must be <= " + std::to_string(max));
  }
}

// Labels and annotations: the parts of ObjectMeta common to all kinds.
void ValidateLabelsAndAnnotations(const ObjectMeta& meta, Errors& errors) {
  for (const auto& [key, value] : meta.labels) {
    const std::string field = KeyPath("metadata.labels", key);
    if (Status s = CheckLabelKey(key); !s.ok()) {
      Add(errors, field, "invalid key: " + s.message());
    }
    AddIfInvalid(errors, field, value, CheckLabelValue(value));
  }
  size_t total = 0;
  for (const auto& [key, value] : meta.annotations) {
    total += key.size() + value.size();
    if (Status s = CheckLabelKey(key); !s.ok()) {
      Add(errors, KeyPath("metadata.annotations", key),
          "invalid key: " + s.message());
    }
  }
  if (total > kAnnotationsTotalSizeLimitBytes) {
    Add(errors, "metadata.annotations",
        "total size must be no more than " +
            std::to_string(kAnnotationsTotalSizeLimitBytes) + " bytes, got " +
            std::to_string(total));
  }
}

void ValidateInline(const InlineSource& source, Errors& errors) {
  constexpr char kFiles[] = "spec.source.inline.files";
  if (source.files.empty()) {
    Add(errors, kFiles, "must contain at least one file");
  }
  size_t total = 0;
  for (const auto& [path, content] : source.files) {
    total += content.size();
    if (Status s = CheckRelativePath(path); !s.ok()) {
      Add(errors, KeyPath(kFiles, path), s.message());
    }
  }
  if (total > kInlineSourceLimitBytes) {
    Add(errors, kFiles,
        "total content size must be no more than " +
            std::to_string(kInlineSourceLimitBytes) + " bytes, got " +
            std::to_string(total));
  }
}

void ValidateSourceAndDockerfile(const BuildSpec& spec, Errors& errors) {
  const BuildSource& source = spec.source;
  if (source.archive.has_value() == source.inline_source.has_value()) {
    Add(errors, "spec.source", "exactly one of archive, inline must be set");
  }
  if (source.archive && !IsSha256Digest(source.archive->digest)) {
    Add(errors, "spec.source.archive.digest",
        "invalid value " + Quote(source.archive->digest) +
            ": must be \"sha256:\" followed by 64 lowercase hex digits");
  }
  if (source.inline_source) ValidateInline(*source.inline_source, errors);

  const Status dockerfile = CheckRelativePath(spec.dockerfile);
  AddIfInvalid(errors, "spec.dockerfile", spec.dockerfile, dockerfile);
  if (dockerfile.ok() && source.inline_source &&
      !source.inline_source->files.contains(spec.dockerfile)) {
    Add(errors, "spec.dockerfile",
        Quote(spec.dockerfile) +
            " must name a file in spec.source.inline.files");
  }
}

void ValidateBuildArgs(const std::map<std::string, std::string>& args,
                       Errors& errors) {
  for (const auto& [key, value] : args) {
    const std::string field = KeyPath("spec.buildArgs", key);
    if (Status s = CheckCIdentifier(key); !s.ok()) {
      Add(errors, field, "invalid key: " + s.message());
    }
    if (value.size() > kBuildArgValueMaxBytes) {
      Add(errors, field,
          "value must be no more than " +
              std::to_string(kBuildArgValueMaxBytes) + " bytes");
    }
  }
}

void ValidateSpec(const BuildSpec& spec, Errors& errors) {
  ValidateSourceAndDockerfile(spec, errors);
  ValidateBuildArgs(spec.build_args, errors);
  if (spec.output && !spec.output->image.empty()) {
    if (auto ref = ParseImageReference(spec.output->image); !ref.ok()) {
      Add(errors, "spec.output.image", ref.status().message());
    }
  }
  ValidateRange(errors, "spec.resources.cpus", spec.resources.cpus, kMinCpus,
                kMaxCpus);
  ValidateRange(errors, "spec.resources.memoryMiB", spec.resources.memory_mib,
                kMinMemoryMiB, kMaxMemoryMiB);
  ValidateRange(errors, "spec.timeoutSeconds", spec.timeout_seconds,
                kMinTimeoutSeconds, kMaxTimeoutSeconds);
}

// Output with nullopt and with an empty image mean the same: server default.
std::string_view OutputImage(const BuildSpec& spec) {
  return spec.output ? std::string_view(spec.output->image) : "";
}

void ValidateSpecUpdate(const BuildSpec& old_spec, const BuildSpec& new_spec,
                        Errors& errors) {
  constexpr char kImmutable[] = "field is immutable";
  if (old_spec.source != new_spec.source) {
    Add(errors, "spec.source", kImmutable);
  }
  if (old_spec.dockerfile != new_spec.dockerfile) {
    Add(errors, "spec.dockerfile", kImmutable);
  }
  if (old_spec.build_args != new_spec.build_args) {
    Add(errors, "spec.buildArgs", kImmutable);
  }
  if (OutputImage(old_spec) != OutputImage(new_spec)) {
    Add(errors, "spec.output", kImmutable);
  }
  if (old_spec.resources != new_spec.resources) {
    Add(errors, "spec.resources", kImmutable);
  }
  if (old_spec.timeout_seconds != new_spec.timeout_seconds) {
    Add(errors, "spec.timeoutSeconds", kImmutable);
  }
  if (old_spec.cancel && !new_spec.cancel) {
    Add(errors, "spec.cancel", "cannot be unset once set");
  }
}

std::string DisplayPhase(BuildPhase phase) {
  return phase == BuildPhase::kUnset ? "(unset)"
                                     : std::string(PhaseName(phase));
}

void ValidateNodeResources(const NodeResources& capacity,
                           const NodeResources& allocated, Errors& errors) {
  struct Figure {
    const char* wire;
    int64_t capacity;
    int64_t allocated;
  };
  const Figure figures[] = {
      {"cpus", capacity.cpus, allocated.cpus},
      {"memoryMiB", capacity.memory_mib, allocated.memory_mib},
      {"builds", capacity.builds, allocated.builds},
  };
  for (const Figure& f : figures) {
    const std::string cap_field = std::string("status.capacity.") + f.wire;
    const std::string alloc_field = std::string("status.allocated.") + f.wire;
    if (f.capacity < 0) Add(errors, cap_field, "must be >= 0");
    if (f.allocated < 0) {
      Add(errors, alloc_field, "must be >= 0");
    } else if (f.allocated > f.capacity) {
      Add(errors, alloc_field,
          "must be <= " + cap_field + " (" + std::to_string(f.capacity) + ")");
    }
  }
}

}  // namespace

std::vector<FieldError> ValidateBuild(const Build& build) {
  Errors errors;
  const ObjectMeta& meta = build.metadata;
  AddIfInvalid(errors, "metadata.name", meta.name,
               CheckDns1123Label(meta.name));
  AddIfInvalid(errors, "metadata.namespace", meta.namespace_,
               CheckDns1123Label(meta.namespace_));
  ValidateLabelsAndAnnotations(meta, errors);
  ValidateSpec(build.spec, errors);
  return errors;
}

std::vector<FieldError> ValidateBuildUpdate(const Build& old_build,
                                            const Build& new_build) {
  Errors errors = ValidateBuild(new_build);
  const ObjectMeta& old_meta = old_build.metadata;
  const ObjectMeta& new_meta = new_build.metadata;
  if (old_meta.name != new_meta.name) {
    Add(errors, "metadata.name", "field is immutable");
  }
  if (old_meta.namespace_ != new_meta.namespace_) {
    Add(errors, "metadata.namespace", "field is immutable");
  }
  if (old_meta.uid != new_meta.uid) {
    Add(errors, "metadata.uid", "field is immutable");
  }
  ValidateSpecUpdate(old_build.spec, new_build.spec, errors);
  return errors;
}

std::vector<FieldError> ValidateBuildStatusUpdate(const Build& old_build,
                                                  const Build& new_build) {
  Errors errors;
  const BuildPhase from = old_build.status.phase;
  const BuildPhase to = new_build.status.phase;
  if (IsLegalTransition(from, to)) return errors;
  std::string message =
      "cannot change from " + DisplayPhase(from) + " to " + DisplayPhase(to);
  if (IsTerminal(from)) message += ": " + DisplayPhase(from) + " is terminal";
  Add(errors, "status.phase", std::move(message));
  return errors;
}

std::vector<FieldError> ValidateNode(const Node& node) {
  Errors errors;
  const ObjectMeta& meta = node.metadata;
  AddIfInvalid(errors, "metadata.name", meta.name,
               CheckDns1123Subdomain(meta.name));
  if (!meta.namespace_.empty()) {
    Add(errors, "metadata.namespace", "must be empty: Node is cluster-scoped");
  }
  ValidateLabelsAndAnnotations(meta, errors);
  ValidateNodeResources(node.status.capacity, node.status.allocated, errors);
  return errors;
}

}  // namespace kiln
