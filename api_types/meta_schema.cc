// The schema of the meta.k8s.io types Kiln serves: ObjectMeta and ListMeta
// (the subset the codecs accept), Status (error bodies), and the PATCH body
// and watch event wrappers referenced by the OpenAPI paths.
#include <vector>

#include "api_types/type_schema.h"

namespace kiln {
namespace {

TypeSchema ObjectMetaSchema() {
  return {
      kObjectMetaSchema,
      "ObjectMeta is metadata every object has. Kiln accepts the fields "
      "below; others (generateName, ownerReferences, managedFields) are "
      "rejected.",
      {StringField("name",
                   "Name, unique in the namespace: a DNS-1123 label "
                   "(lowercase alphanumerics and '-', at most 63)."),
       StringField("namespace",
                   "Namespace: a DNS-1123 label. Defaults to \"default\"; "
                   "empty for cluster-scoped objects."),
       StringField("uid", "Unique id the server assigns at creation."),
       StringField("resourceVersion",
                   "Opaque version of the object, changed on every write. "
                   "Send it back on update to fail with 409 Conflict instead "
                   "of overwriting a newer write; watch from it."),
       IntegerField("generation",
                    "Sequence number of the desired state (spec), advanced "
                    "by the server when spec changes."),
       DateTimeField("creationTimestamp",
                     "When the object was created (server-set)."),
       DateTimeField("deletionTimestamp",
                     "When deletion was requested, while finalizers run."),
       StringMapField("labels",
                      "Key/value labels for selecting objects "
                      "(kubectl get -l team=web). Kubernetes label syntax."),
       StringMapField("annotations",
                      "Arbitrary non-identifying metadata; keys in label-key "
                      "syntax, at most 256 KiB in all."),
       StringListField("finalizers",
                       "Names of cleanups that must finish before the "
                       "object is removed.")}};
}

TypeSchema ListMetaSchema() {
  return {kListMetaSchema,
          "ListMeta is metadata of a list.",
          {StringField("resourceVersion",
                       "Version of the list: watch from it to see every "
                       "later change."),
           StringField("continue",
                       "Set when more items exist: pass it as ?continue= to "
                       "get the next page."),
           IntegerField("remainingItemCount",
                        "How many items are left after this page.")}};
}

TypeSchema StatusSchema() {
  return {kStatusSchema,
          "Status is the body of every error response.",
          {StringField("apiVersion", "v1."), StringField("kind", "Status."),
           ObjectField("metadata", kListMetaSchema, "Unused; empty."),
           StringField("status", "Success or Failure."),
           StringField("message", "What went wrong, for humans."),
           StringField("reason",
                       "Machine-readable reason, e.g. NotFound, Conflict, "
                       "Invalid, ServiceUnavailable."),
           ObjectField("details",
                       "io.k8s.apimachinery.pkg.apis.meta.v1."
                       "StatusDetails",
                       "The object concerned and the individual causes."),
           Int32Field("code", "The HTTP status code.")}};
}

TypeSchema StatusDetailsSchema() {
  return {"io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails",
          "StatusDetails names the object an error is about and its causes.",
          {StringField("name", "Name of the object."),
           StringField("group", "API group of the object."),
           StringField("kind", "Kind or resource of the object."),
           StringField("uid", "UID of the object."),
           ObjectListField("causes",
                           "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause",
                           "One entry per problem, e.g. per invalid field."),
           Int32Field("retryAfterSeconds",
                      "When set, retry the request after this many seconds "
                      "(also in the Retry-After header).")}};
}

TypeSchema StatusCauseSchema() {
  return {"io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause",
          "StatusCause is one problem behind an error.",
          {StringField("reason",
                       "Machine-readable cause, e.g. FieldValueInvalid, "
                       "ResourcesExhausted."),
           StringField("message", "The problem, for humans."),
           StringField("field",
                       "Path of the field concerned, e.g. "
                       "spec.resources.cpus.")}};
}

TypeSchema PatchSchema() {
  return {kPatchSchema,
          "Patch is the body of a PATCH request: a JSON patch, a JSON merge "
          "patch, or an apply configuration, per the Content-Type.",
          {}};
}

TypeSchema WatchEventSchema() {
  return {kWatchEventSchema,
          "WatchEvent is one line of a watch stream.",
          {StringField("type", "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.")
               .Required(),
           ArbitraryField("object", "The object; a Status for ERROR events.")
               .Required()}};
}

}  // namespace

std::vector<TypeSchema> MetaTypeSchemas() {
  return {ObjectMetaSchema(),    ListMetaSchema(),    StatusSchema(),
          StatusDetailsSchema(), StatusCauseSchema(), PatchSchema(),
          WatchEventSchema()};
}

}  // namespace kiln
