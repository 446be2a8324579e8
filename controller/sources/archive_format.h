// Recognises the archive formats kiln-agent can extract
// (cmd/kiln-agent/archive_source.cc): tar, alone or compressed with gzip, xz
// or bzip2. Only the leading bytes are looked at; the agent finds out whether
// the rest is well formed. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Bytes CheckArchiveFormat needs to see to recognise a plain tar (the ustar
// magic sits at offset 257).
inline constexpr size_t kArchiveSniffBytes = 263;

// OK when `head` (the first bytes of an upload, at least kArchiveSniffBytes
// of them when the upload is that long) starts a gzip (1f 8b), xz
// (fd 37 7a 58 5a 00) or bzip2 ("BZh") stream, or is a tar whose first
// header carries the POSIX/GNU "ustar" magic at offset 257. InvalidArgument
// otherwise, with a message saying what was expected.
Status CheckArchiveFormat(std::string_view head);

}  // namespace kiln
