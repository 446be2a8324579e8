#include "api_types/log_marker.h"

namespace kiln {

std::string LogTruncatedMarker(int64_t max_bytes) {
  return std::string(kLogTruncatedPrefix) + std::to_string(max_bytes) +
         " bytes (limit --log-max-bytes)\n";
}

}  // namespace kiln
