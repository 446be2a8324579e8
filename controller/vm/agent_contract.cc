#include "controller/vm/agent_contract.h"

#include <string>

#include "controller/base/files.h"

namespace kiln {
namespace {

// Reads optional member `key` of `j` into `out`; InvalidArgument naming the
// key when it has the wrong type.
template <typename T>
Status Field(const nlohmann::json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return OkStatus();
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError(std::string(key) + ": wrong type (got " +
                                it->type_name() + ")");
  }
  return OkStatus();
}

Status RequireObject(const nlohmann::json& j, const char* what) {
  if (!j.is_object()) {
    return InvalidArgumentError(std::string(what) + ": must be a JSON object");
  }
  return OkStatus();
}

}  // namespace

nlohmann::json AgentJobToJson(const AgentJob& job) {
  return {{"buildKey", job.build_key},
          {"buildUID", job.build_uid},
          {"inlineFiles", job.inline_files},
          {"archivePath", job.archive_path},
          {"dockerfile", job.dockerfile},
          {"buildArgs", job.build_args},
          {"image", job.image},
          {"registry", job.registry},
          {"registryUsername", job.registry_username},
          {"registryPassword", job.registry_password},
          {"logPath", job.log_path},
          {"logMaxBytes", job.log_max_bytes},
          {"sourceMaxBytes", job.source_max_bytes},
          {"sourceMaxEntries", job.source_max_entries},
          {"storageRoot", job.storage_root},
          {"runRoot", job.run_root},
          {"cpus", job.cpus},
          {"memoryMiB", job.memory_mib}};
}

StatusOr<AgentJob> AgentJobFromJson(const nlohmann::json& j) {
  RETURN_IF_ERROR(RequireObject(j, "job"));
  AgentJob job;
  RETURN_IF_ERROR(Field(j, "buildKey", &job.build_key));
  RETURN_IF_ERROR(Field(j, "buildUID", &job.build_uid));
  RETURN_IF_ERROR(Field(j, "inlineFiles", &job.inline_files));
  RETURN_IF_ERROR(Field(j, "archivePath", &job.archive_path));
  RETURN_IF_ERROR(Field(j, "dockerfile", &job.dockerfile));
  RETURN_IF_ERROR(Field(j, "buildArgs", &job.build_args));
  RETURN_IF_ERROR(Field(j, "image", &job.image));
  RETURN_IF_ERROR(Field(j, "registry", &job.registry));
  RETURN_IF_ERROR(Field(j, "registryUsername", &job.registry_username));
  RETURN_IF_ERROR(Field(j, "registryPassword", &job.registry_password));
  RETURN_IF_ERROR(Field(j, "logPath", &job.log_path));
  RETURN_IF_ERROR(Field(j, "logMaxBytes", &job.log_max_bytes));
  RETURN_IF_ERROR(Field(j, "sourceMaxBytes", &job.source_max_bytes));
  RETURN_IF_ERROR(Field(j, "sourceMaxEntries", &job.source_max_entries));
  RETURN_IF_ERROR(Field(j, "storageRoot", &job.storage_root));
  RETURN_IF_ERROR(Field(j, "runRoot", &job.run_root));
  RETURN_IF_ERROR(Field(j, "cpus", &job.cpus));
  RETURN_IF_ERROR(Field(j, "memoryMiB", &job.memory_mib));
  if (job.inline_files.empty() == job.archive_path.empty()) {
    return InvalidArgumentError(
        "job: exactly one of inlineFiles and archivePath must be set");
  }
  if (job.image.empty()) return InvalidArgumentError("job.image: required");
  if (job.log_path.empty()) {
    return InvalidArgumentError("job.logPath: required");
  }
  for (const auto& [name, value] :
       {std::pair{"logMaxBytes", job.log_max_bytes},
        std::pair{"sourceMaxBytes", job.source_max_bytes},
        std::pair{"sourceMaxEntries", job.source_max_entries}}) {
    if (value < 0) {
      return InvalidArgumentError(std::string("job.") + name +
                                  ": must be >= 0, got " +
                                  std::to_string(value));
    }
  }
  return job;
}

nlohmann::json AgentProgressToJson(const AgentProgress& p) {
  return {{"phase", p.phase}, {"step", p.step}};
}

StatusOr<AgentProgress> AgentProgressFromJson(const nlohmann::json& j) {
  RETURN_IF_ERROR(RequireObject(j, "progress"));
  AgentProgress p;
  RETURN_IF_ERROR(Field(j, "phase", &p.phase));
  RETURN_IF_ERROR(Field(j, "step", &p.step));
  return p;
}

nlohmann::json AgentResultToJson(const AgentResult& r) {
  return {{"succeeded", r.succeeded},
          {"reason", r.reason},
          {"message", r.message},
          {"step", r.step},
          {"imageRef", r.image_ref},
          {"imageDigest", r.image_digest},
          {"sourceDigest", r.source_digest},
          {"baseImageDigest", r.base_image_digest},
          {"dockerfileDigest", r.dockerfile_digest},
          {"builder", r.builder}};
}

StatusOr<AgentResult> AgentResultFromJson(const nlohmann::json& j) {
  RETURN_IF_ERROR(RequireObject(j, "result"));
  AgentResult r;
  RETURN_IF_ERROR(Field(j, "succeeded", &r.succeeded));
  RETURN_IF_ERROR(Field(j, "reason", &r.reason));
  RETURN_IF_ERROR(Field(j, "message", &r.message));
  RETURN_IF_ERROR(Field(j, "step", &r.step));
  RETURN_IF_ERROR(Field(j, "imageRef", &r.image_ref));
  RETURN_IF_ERROR(Field(j, "imageDigest", &r.image_digest));
  RETURN_IF_ERROR(Field(j, "sourceDigest", &r.source_digest));
  RETURN_IF_ERROR(Field(j, "baseImageDigest", &r.base_image_digest));
  RETURN_IF_ERROR(Field(j, "dockerfileDigest", &r.dockerfile_digest));
  RETURN_IF_ERROR(Field(j, "builder", &r.builder));
  return r;
}

Status WriteJsonFileAtomically(const std::string& path,
                               const nlohmann::json& value) {
  const std::string text =
      value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  return WriteFileAtomically(path, text, kPublicFileMode);
}

StatusOr<nlohmann::json> ReadJsonFile(const std::string& path,
                                      size_t max_bytes) {
  ASSIGN_OR_RETURN(std::string text, ReadRegularFile(path, max_bytes));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return InvalidArgumentError(path + ": not valid JSON");
  }
  return j;
}

}  // namespace kiln
