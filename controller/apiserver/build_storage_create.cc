// BuildStorage::Create: decoding, server-owned fields, defaulting,
// validation and the admission transaction (docs/design.md "Admission and
// capacity").
#include <string>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/field_error.h"
#include "api_types/image_reference.h"
#include "api_types/json_reader.h"
#include "api_types/validation.h"
#include "controller/apiserver/admission.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/node_txn.h"
#include "controller/apiserver/object_ids.h"
#include "controller/apiserver/output_image_policy.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {

using namespace build_storage_internal;

namespace {

// Names tried for one generateName request before AlreadyExists is returned
// (Kubernetes retries generated-name collisions too).
constexpr int kGenerateNameAttempts = 8;

// Validation errors, with an empty name reported as Kubernetes does.
std::vector<FieldError> ValidateForCreate(const Build& build) {
  std::vector<FieldError> errors = ValidateBuild(build);
  if (!build.metadata.name.empty()) return errors;
  std::erase_if(errors,
                [](const FieldError& e) { return e.field == "metadata.name"; });
  errors.insert(
      errors.begin(),
      {"metadata.name", "Required value: name or generateName is required"});
  return errors;
}

}  // namespace

StatusOr<BuildWriteResult> BuildStorage::Create(const std::string& ns,
                                                const nlohmann::json& body,
                                                const WriteOptions& options) {
  std::string generate_name;
  ASSIGN_OR_RETURN(Build decoded, DecodeForCreate(ns, body, &generate_name));
  const bool generated =
      decoded.metadata.name.empty() && !generate_name.empty();
  const int attempts = generated ? kGenerateNameAttempts : 1;
  Status last;
  for (int i = 0; i < attempts; ++i) {
    Build candidate = decoded;
    if (generated) candidate.metadata.name = GenerateName(generate_name);
    ASSIGN_OR_RETURN(Build prepared, PrepareForCreate(std::move(candidate)));
    StatusOr<BuildWriteResult> result = Admit(prepared, options);
    if (result.ok() || result.status().code() != StatusCode::kAlreadyExists) {
      return result;
    }
    last = result.status();
  }
  return last;
}

StatusOr<Build> BuildStorage::DecodeForCreate(const std::string& ns,
                                              const nlohmann::json& body,
                                              std::string* generate_name) {
  nlohmann::json copy = body;
  if (copy.is_object() && copy.contains("metadata") &&
      copy["metadata"].is_object()) {
    nlohmann::json& metadata = copy["metadata"];
    const auto it = metadata.find("generateName");
    if (it != metadata.end()) {
      if (!it->is_string() && !it->is_null()) {
        return FieldErrorsToStatus(
            {{"metadata.generateName",
              "expected string, got " + std::string(JsonTypeName(*it))}});
      }
      if (it->is_string()) *generate_name = it->get<std::string>();
      metadata.erase(it);
    }
  }
  ASSIGN_OR_RETURN(Build build, DecodeBuildBody(copy, DecodeOptions{}));
  RETURN_IF_ERROR(CheckNamespaceMatches(build, ns));
  build.metadata.namespace_ = ns;
  return build;
}

StatusOr<Build> BuildStorage::PrepareForCreate(Build build) {
  // Server-owned fields: whatever the client sent is replaced. Status is
  // dropped, as for any resource with a status subresource.
  ObjectMeta& meta = build.metadata;
  meta.uid = NewUid();
  meta.resource_version.clear();
  meta.generation = 1;
  meta.creation_timestamp = ToTimestamp(clock_.SystemNow());
  meta.deletion_timestamp.reset();
  build.status = BuildStatus{};
  build.status.phase = BuildPhase::kPending;
  build.status.observed_generation = 0;
  build.status.node_name = options_.node_name;

  ApplyBuildDefaults(build, options_.defaults);
  // Validate before defaulting the image: a bad name would otherwise also
  // show up as a bad default image.
  RETURN_IF_ERROR(FieldErrorsToStatus(ValidateForCreate(build)));
  RETURN_IF_ERROR(CheckSourceUploaded(build));
  if (!build.spec.output || build.spec.output->image.empty()) {
    const std::string image =
        DefaultOutputImage(options_.image_registry, build);
    if (StatusOr<ImageReference> ref = ParseImageReference(image); !ref.ok()) {
      return FieldErrorsToStatus(
          {{"spec.output.image",
            "the default image is invalid (check the server's registry "
            "setting): " +
                ref.status().message()}});
    }
    build.spec.output = BuildOutput{image};
  }
  RETURN_IF_ERROR(CheckOutputImage(
      {options_.image_registry, options_.other_output_registries},
      build.metadata.namespace_, build.spec.output->image));
  return build;
}

Status BuildStorage::CheckSourceUploaded(const Build& build) {
  if (options_.sources == nullptr || !build.spec.source.archive) {
    return OkStatus();
  }
  const std::string& digest = build.spec.source.archive->digest;
  StatusOr<SourceInfo> source =
      options_.sources->Stat(build.metadata.namespace_, digest);
  if (source.status().code() == StatusCode::kNotFound) {
    return FieldErrorsToStatus(
        {{"spec.source.archive.digest",
          "no uploaded source " + digest +
              "; upload it first with POST /apis/kiln.dev/v1/namespaces/" +
              build.metadata.namespace_ +
              "/sources (kilnctl apply does this)"}});
  }
  return source.status();
}

StatusOr<BuildWriteResult> BuildStorage::Admit(const Build& build,
                                               const WriteOptions& options) {
  const std::string& name = build.metadata.name;
  if (options.dry_run) {
    ASSIGN_OR_RETURN(ReadNodeResult read, ReadNode(store_, options_.node_name));
    RETURN_IF_ERROR(
        PlanAdmission(build, read.found ? &read.node : nullptr, read.revision)
            .status());
    StatusOr<StoredObject> existing =
        store_.Get(BuildObjectKey(build.metadata.namespace_, name));
    if (existing.ok()) return ResourceAlreadyExists(kBuildsResource, name);
    if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
    return BuildWriteResult{build, true};
  }
  StatusOr<TxnResult> result = RunNodeTxn(
      store_, options_.node_name, [&](const Node* node, int64_t node_revision) {
        return PlanAdmission(build, node, node_revision);
      });
  if (!result.ok()) {
    const StatusCode code = result.status().code();
    if (options_.metrics != nullptr &&
        (code == StatusCode::kResourcesExhausted ||
         code == StatusCode::kInvalidArgument)) {
      options_.metrics->AddAdmissionRejection(
          code == StatusCode::kResourcesExhausted ? kRejectResourcesExhausted
                                                  : kRejectInvalid);
    }
    if (options_.events != nullptr && code == StatusCode::kResourcesExhausted) {
      options_.events->RecordFor(build.metadata.namespace_, name, "",
                                 kEventWarning, "Rejected",
                                 result.status().message());
    }
    return TranslateStoreError(result.status(), kBuildsResource, name);
  }
  if (options_.events != nullptr) {
    const NodeResources r = BuildRequest(build);
    options_.events->Record(build, kEventNormal, "Admitted",
                            "admitted onto node " + options_.node_name +
                                " (cpus=" + std::to_string(r.cpus) +
                                ", memoryMiB=" + std::to_string(r.memory_mib) +
                                " reserved)");
  }
  return BuildWriteResult{WithRevision(build, result->objects[0].revision),
                          true};
}

StatusOr<std::vector<TxnOp>> BuildStorage::PlanAdmission(
    const Build& build, const Node* node, int64_t node_revision) {
  if (node == nullptr) {
    return UnavailableError("node \"" + options_.node_name +
                            "\" is not registered yet; try again");
  }
  const NodeResources request = BuildRequest(build);
  RETURN_IF_ERROR(CheckCanEverFit(request, *node));
  Node charged = *node;
  charged.status.allocated = AddResources(node->status.allocated, request);
  if (!FitsWithin(charged.status.allocated, node->status.capacity)) {
    // An existing name is the better answer than "full" (kubectl create of
    // something that exists should say so).
    if (store_
            .Get(BuildObjectKey(build.metadata.namespace_, build.metadata.name))
            .ok()) {
      return ResourceAlreadyExists(kBuildsResource, build.metadata.name);
    }
    return DoesNotFitNow(build, *node);
  }
  std::vector<TxnOp> ops;
  ops.push_back(TxnOp::Create(
      BuildObjectKey(build.metadata.namespace_, build.metadata.name),
      ToJson(build)));
  ops.push_back(NodeUpdateOp(charged, node_revision));
  return ops;
}

Status BuildStorage::DoesNotFitNow(const Build& build, const Node& node) {
  RetryAfterInput input;
  input.capacity = node.status.capacity;
  input.allocated = node.status.allocated;
  input.request = BuildRequest(build);
  input.typical_duration = recent_durations_.Median(node.metadata.name);
  input.now = clock_.SystemNow();
  ListOptions list;
  list.scope = ResourceScope{kBuildsResource, std::nullopt};
  StatusOr<ListResult> builds = store_.List(list);
  // Without the list the estimate falls back to the maximum wait; the answer
  // (does not fit) stands either way.
  if (builds.ok()) {
    for (const StoredObject& item : builds->items) {
      StatusOr<Build> active = DecodeStoredBuild(item);
      if (!active.ok() || !HoldsAllocation(*active) ||
          ChargedNode(*active, options_.node_name) != node.metadata.name) {
        continue;
      }
      input.active.push_back(std::move(active).value());
    }
  }
  return DoesNotFitError(build.metadata.name, input.request, node,
                         ComputeRetryAfterSeconds(input));
}

}  // namespace kiln
