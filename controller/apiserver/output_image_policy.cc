#include "controller/apiserver/output_image_policy.h"

#include <algorithm>

#include "api_types/field_error.h"
#include "api_types/image_reference.h"

namespace kiln {
namespace {

Status Refuse(const std::string& why) {
  return FieldErrorsToStatus({{"spec.output.image", why}});
}

}  // namespace

Status CheckOutputImage(const OutputImagePolicy& policy, const std::string& ns,
                        const std::string& image) {
  StatusOr<ImageReference> ref = ParseImageReference(image);
  if (!ref.ok()) return Refuse(ref.status().message());
  const auto& others = policy.other_registries;
  if (!ref->domain.empty() && ref->domain != policy.registry &&
      std::find(others.begin(), others.end(), ref->domain) != others.end()) {
    return OkStatus();
  }
  const std::string allowed = policy.registry + "/" + ns + "/...";
  if (ref->domain != policy.registry) {
    return Refuse(
        "images are pushed to Kiln's registry under the Build's "
        "namespace (" +
        allowed + "); \"" + ref->domain +
        "\" is not a registry this server allows");
  }
  if (ref->path.rfind(kReservedRepositoryPrefix, 0) == 0) {
    return Refuse(std::string("repositories under ") +
                  kReservedRepositoryPrefix +
                  " hold Kiln's own base images; builds cannot push there");
  }
  if (ref->path.rfind(ns + "/", 0) != 0) {
    return Refuse("a Build in namespace \"" + ns + "\" pushes under " +
                  allowed + ", not to \"" + ref->path + "\"");
  }
  return OkStatus();
}

}  // namespace kiln
