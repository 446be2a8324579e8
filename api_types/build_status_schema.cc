// The schema of BuildStatus and its parts (docs/api.md "Build", "Phases").
#include <vector>

#include "api_types/type_schema.h"

namespace kiln {
namespace {

TypeSchema BuildStatusSchema() {
  return {
      "dev.kiln.v1.BuildStatus",
      "BuildStatus is the observed state of a Build.",
      {StringField("phase",
                   "Where the Build is: Pending (admitted, resources "
                   "reserved), Building, Pushing, then one of the terminal "
                   "phases Ready, Failed or Cancelled, which are never left.")
           .Enum({"Pending", "Building", "Pushing", "Ready", "Failed",
                  "Cancelled"}),
       StringField("reason",
                   "Machine-readable reason for the phase, e.g. "
                   "DeadlineExceeded, BuildError, VMLost, Cancelled."),
       StringField("message", "Human-readable detail about the phase."),
       ObjectListField("conditions", "dev.kiln.v1.Condition",
                       "Observed conditions, keyed by type (Ready)."),
       IntegerField("observedGeneration",
                    "The metadata.generation the controller last acted on."),
       StringField("nodeName", "The node the Build was admitted to."),
       ObjectField("vm", "dev.kiln.v1.VMReference",
                   "The builder VM running the build."),
       DateTimeField("startedAt", "When the build started running."),
       DateTimeField("completedAt", "When the Build reached a terminal phase."),
       IntegerField("durationMs", "How long the build ran, in milliseconds."),
       ObjectField("image", "dev.kiln.v1.ImageReference",
                   "The pushed image, once the Build is Ready."),
       ObjectField("provenance", "dev.kiln.v1.Provenance",
                   "Digests of what went into the image."),
       IntegerField("logBytes",
                    "Bytes of build log so far; read it at .../builds/NAME/"
                    "log?follow=true&offset=N.")}};
}

TypeSchema ConditionSchema() {
  return {"dev.kiln.v1.Condition",
          "Condition is one observed aspect of an object's state.",
          {StringField("type", "Type of the condition, e.g. Ready.").Required(),
           StringField("status", "True, False or Unknown.")
               .Required()
               .Enum({"True", "False", "Unknown"}),
           StringField("reason",
                       "Machine-readable reason for the last transition, in "
                       "CamelCase."),
           StringField("message", "Human-readable detail."),
           DateTimeField("lastTransitionTime", "When status last changed.")}};
}

TypeSchema VmReferenceSchema() {
  return {"dev.kiln.v1.VMReference",
          "VMReference names the builder VM of a Build.",
          {StringField("name",
                       "VM name, derived from the Build UID: kiln- followed by "
                       "the whole UID without dashes."),
           StringField("driver",
                       "The VM driver: process (namespaced process with "
                       "cgroup limits) or qemu (microvm).")
               .Enum({"process", "qemu"})}};
}

TypeSchema ImageReferenceSchema() {
  return {"dev.kiln.v1.ImageReference",
          "ImageReference is a pushed image.",
          {StringField("ref", "Where the image was pushed."),
           StringField("digest", "Manifest digest, sha256:<hex>.")}};
}

TypeSchema ProvenanceSchema() {
  return {"dev.kiln.v1.Provenance",
          "Provenance records the inputs of a build.",
          {StringField("sourceDigest", "Digest of the build context."),
           StringField("baseImageDigest", "Digest of the FROM image."),
           StringField("dockerfileDigest", "Digest of the Dockerfile."),
           StringField("builder", "The builder and its version.")}};
}

}  // namespace

std::vector<TypeSchema> BuildStatusTypeSchemas() {
  return {BuildStatusSchema(), ConditionSchema(), VmReferenceSchema(),
          ImageReferenceSchema(), ProvenanceSchema()};
}

}  // namespace kiln
