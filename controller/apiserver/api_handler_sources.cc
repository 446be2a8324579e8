// Source uploads (docs/api.md "Sources (uploaded archives)"):
// POST /apis/kiln.dev/v1/namespaces/NS/sources with a tar / tar.gz body
// stores it under its SHA-256 and answers 201 (200 when it was already
// stored) with a Source document; GET and HEAD .../sources/sha256:HEX answer
// 200 with the same document, or 404. Sources are shared by all namespaces:
// the namespace in the path only scopes the authorization (whoever may write
// builds may upload).
#include <algorithm>
#include <string>
#include <vector>

#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/auth_authorizer.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/error_mapping.h"

namespace kiln {
namespace {

// Content-Types a source upload may declare (none at all is taken too): the
// body is sniffed either way (CheckArchiveFormat).
const std::vector<std::string>& SourceBodyTypes() {
  static const std::vector<std::string>* const kTypes =
      new std::vector<std::string>{
          "application/x-tar",   "application/gzip",
          "application/x-gzip",  "application/x-xz",
          "application/x-bzip2", "application/octet-stream"};
  return *kTypes;
}

bool IsSourceBodyType(const std::string& content_type) {
  if (content_type.empty()) return true;
  const std::optional<MediaType> type = ParseMediaType(content_type);
  if (!type) return false;
  const std::string name = type->Essence();
  const auto& types = SourceBodyTypes();
  return std::find(types.begin(), types.end(), name) != types.end();
}

nlohmann::json SourceJson(const SourceInfo& source) {
  return {{"kind", "Source"},
          {"apiVersion", "kiln.dev/v1"},
          {"metadata", {{"name", source.digest}}},
          {"digest", source.digest},
          {"size", source.size}};
}

}  // namespace

HttpResponse ApiHandler::HandleSources(const HttpRequest& request,
                                       const RequestInfo& info) {
  if (sources_ == nullptr) {
    return Error(NotFoundError("source uploads are not served by this server"),
                 info);
  }
  if (info.verb == "create") {
    if (!IsSourceBodyType(request.Header("content-type"))) {
      return FromHttpError(UnsupportedMediaTypeError(SourceBodyTypes()));
    }
    StatusOr<SourcePutResult> put =
        sources_->Put(info.namespace_, request.body);
    // An empty or non-archive body is a bad request (400), not an invalid
    // object (422).
    if (!put.ok()) return Error(put.status(), info, true);
    return Object(request, put->created ? 201 : 200, SourceJson(put->info));
  }
  if (info.verb == "get") {
    // A malformed digest is a bad request (400).
    StatusOr<SourceInfo> source = sources_->Stat(info.namespace_, info.name);
    if (!source.ok()) return Error(source.status(), info, true);
    HttpResponse response = Object(request, 200, SourceJson(*source));
    if (request.method == "HEAD") response.body.clear();
    return response;
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

}  // namespace kiln
