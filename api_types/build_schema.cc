// The schema of Build and its parts (docs/api.md "Build").
#include <vector>

#include "api_types/type_schema.h"

namespace kiln {
namespace {

TypeSchema BuildSchema() {
  return {kBuildSchema,
          "Build is one container image build: a Dockerfile build of a source, "
          "run in an isolated builder VM, whose image is pushed to a registry. "
          "spec is the desired build; status is what the server observed.",
          {ApiVersionField(), KindField(),
           ObjectField("metadata", kObjectMetaSchema,
                       "Standard object metadata. name and namespace are "
                       "DNS-1123 labels (lowercase alphanumerics and '-', at "
                       "most 63 characters); namespace defaults to "
                       "\"default\"."),
           ObjectField("spec", "dev.kiln.v1.BuildSpec",
                       "What to build and where to push it. Immutable once "
                       "admitted, except spec.cancel.")
               .Required(),
           ObjectField("status", "dev.kiln.v1.BuildStatus",
                       "What the server observed. Written by the controller "
                       "through the status subresource; ignored on create "
                       "and update of the Build itself.")},
          GroupVersionKind{"kiln.dev", "v1", "Build"}};
}

TypeSchema BuildListSchema() {
  return {kBuildListSchema,
          "BuildList is a list of Builds.",
          {ApiVersionField(), KindField(),
           ObjectField("metadata", kListMetaSchema,
                       "Standard list metadata: resourceVersion to watch "
                       "from, continue token for the next page."),
           ObjectListField("items", kBuildSchema, "The Builds.").Required()},
          GroupVersionKind{"kiln.dev", "v1", "BuildList"}};
}

TypeSchema BuildSpecSchema() {
  return {
      "dev.kiln.v1.BuildSpec",
      "BuildSpec is the desired build.",
      {ObjectField("source", "dev.kiln.v1.BuildSource",
                   "The build context: exactly one of archive or inline.")
           .Required(),
       StringField("dockerfile",
                   "Path of the Dockerfile inside the source: relative, no "
                   "'..' components. With an inline source it must name one "
                   "of the files. Defaults to \"Dockerfile\".")
           .Default("Dockerfile"),
       StringMapField("buildArgs",
                      "Build arguments (docker build --build-arg). Keys match "
                      "[A-Za-z_][A-Za-z0-9_]*; values are at most 4 KiB."),
       ObjectField("output", "dev.kiln.v1.BuildOutput",
                   "Where the image is pushed. Optional: the default is "
                   "REGISTRY/NAMESPACE/NAME:UID8 on the server's registry."),
       ObjectField("resources", "dev.kiln.v1.BuildResources",
                   "CPUs and memory of the builder VM. Reserved on the node "
                   "at admission: a Build that does not fit now is refused "
                   "with HTTP 503 and Retry-After, one that can never fit "
                   "with 422."),
       IntegerField("timeoutSeconds",
                    "Deadline of the build in seconds from its start; past "
                    "it the Build fails with reason DeadlineExceeded. 1 to "
                    "86400, default 600.")
           .Range(1, 86400)
           .Default(600),
       BooleanField("cancel",
                    "Set to true to stop the build now: the Build becomes "
                    "Cancelled and its VM is deleted. Cannot be unset once "
                    "set.")}};
}

TypeSchema BuildSourceSchema() {
  return {"dev.kiln.v1.BuildSource",
          "BuildSource is the build context. Exactly one member is set.",
          {ObjectField("archive", "dev.kiln.v1.ArchiveSource",
                       "A tar or tar.gz uploaded first to the sources "
                       "endpoint (POST /apis/kiln.dev/v1/namespaces/NS/"
                       "sources; kilnctl build does it), named by digest."),
           ObjectField("inline", "dev.kiln.v1.InlineSource",
                       "Small sources carried in the Build itself.")}};
}

TypeSchema ArchiveSourceSchema() {
  return {"dev.kiln.v1.ArchiveSource",
          "ArchiveSource names an uploaded source archive by content digest.",
          {StringField("digest",
                       "Digest of the uploaded archive: \"sha256:\" and 64 "
                       "lowercase hex digits.")
               .Required()
               .Pattern("^sha256:[0-9a-f]{64}$")}};
}

TypeSchema InlineSourceSchema() {
  return {"dev.kiln.v1.InlineSource",
          "InlineSource carries the build context in the object.",
          {StringMapField("files",
                          "File path -> content. At least one file; paths "
                          "relative, no '.' or '..' or empty components, at "
                          "most 255 bytes; contents at most 1 MiB in all.")
               .Required()}};
}

TypeSchema BuildOutputSchema() {
  return {"dev.kiln.v1.BuildOutput",
          "BuildOutput says where the image is pushed.",
          {StringField("image",
                       "Image reference [domain[:port]/]path[:tag]"
                       "[@sha256:...], lowercase path components, at most "
                       "255 characters, e.g. localhost:5000/web/hello:1.")}};
}

TypeSchema BuildResourcesSchema() {
  return {"dev.kiln.v1.BuildResources",
          "BuildResources sizes the builder VM.",
          {IntegerField("cpus",
                        "Virtual CPUs, 1 to 256. Default 1 (server "
                        "flag).")
               .Range(1, 256)
               .Default(1),
           IntegerField("memoryMiB",
                        "Memory in MiB, 64 to 1048576 (1 TiB). Default 1024 "
                        "(server flag).")
               .Range(64, 1048576)
               .Default(1024)}};
}

}  // namespace

std::vector<TypeSchema> BuildTypeSchemas() {
  return {BuildSchema(),       BuildListSchema(),     BuildSpecSchema(),
          BuildSourceSchema(), ArchiveSourceSchema(), InlineSourceSchema(),
          BuildOutputSchema(), BuildResourcesSchema()};
}

}  // namespace kiln
