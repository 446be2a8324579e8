// JSON codec for metav1 ObjectMeta, ListMeta and TypeMeta (apiVersion/kind).
// Wire names: name, namespace, uid, resourceVersion, generation,
// creationTimestamp, deletionTimestamp, labels, annotations, finalizers;
// lists: resourceVersion, continue, remainingItemCount. Strict decoding as
// described in json_reader.h. Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/json_reader.h"
#include "api_types/object_meta.h"
#include "api_types/status.h"

namespace kiln {

// Always an object (possibly empty); unset fields are omitted.
nlohmann::json ToJson(const ObjectMeta& meta);
nlohmann::json ToJson(const ListMeta& meta);

// Building blocks for the decoders of whole objects.
void DecodeObjectMeta(ObjectReader& r, ObjectMeta* out);
void DecodeListMeta(ObjectReader& r, ListMeta* out);
// Reads "apiVersion" and "kind" from `r` and records an error unless they
// equal the expected values (or are absent and !options.require_type_meta).
void CheckTypeMeta(ObjectReader& r, std::string_view api_version,
                   std::string_view kind, const DecodeOptions& options);

}  // namespace kiln
