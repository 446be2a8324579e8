// Options shared by every strict JSON/YAML decoder of API objects.
#pragma once

namespace kiln {

struct DecodeOptions {
  // When true, a top-level object must carry the expected apiVersion and kind.
  // When false they may be absent (e.g. PATCH bodies, whose type the URL
  // names), but if present they must still be the expected values.
  bool require_type_meta = true;
};

}  // namespace kiln
