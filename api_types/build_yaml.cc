#include "api_types/build_yaml.h"

#include <string_view>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/yaml_decode.h"

namespace kiln {

StatusOr<Build> BuildFromYaml(std::string_view text,
                              const DecodeOptions& options,
                              std::vector<FieldError>* errors) {
  return DecodeYamlObject<Build>(text, BuildFromJson, options, errors);
}

StatusOr<std::vector<Build>> BuildsFromYaml(std::string_view text,
                                            const DecodeOptions& options) {
  return DecodeYamlObjects<Build>(text, BuildFromJson, options);
}

}  // namespace kiln
