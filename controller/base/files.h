// Whole-file reads and crash-safe whole-file writes: the one home for both
// in Kiln (the API server's secrets and certificates, the VM drivers' and
// kiln-agent's JSON records, kilnctl's config and manifests, /proc files).
//
// Thread-compatible: concurrent writers of the same path race on the final
// rename (the last one wins; neither leaves a partial file).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// The text of errno value `err` ("No space left on device"); thread-safe
// (unlike strerror). The one spelling of a system call's error in Kiln.
std::string ErrnoText(int err);

// Internal("WHAT PATH: ErrnoText(err)"): a failed system call on a path.
Status ErrnoError(std::string_view what, const std::string& path, int err);

// Mode for files holding secrets: owner read/write only.
inline constexpr mode_t kPrivateFileMode = 0600;
// Mode for public material such as certificates.
inline constexpr mode_t kPublicFileMode = 0644;

// Replaces `path` with `contents` atomically: writes a temporary file with a
// unique name ("<path>.tmp.XXXXXX") in the same directory with `mode` (exactly,
// regardless of umask), fsyncs it, renames it over `path` and fsyncs the
// directory. Readers see the old file or the new one, never a mix. The
// directory must exist. Returns Internal (with the path and errno text) on any
// I/O failure; the temporary file is removed then (and `path` keeps its old
// contents, unless only the final directory fsync failed).
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           mode_t mode);

// For ReadWholeFile: no size limit (inputs that are bounded elsewhere, such
// as a job file whose inline sources the API server already limited).
inline constexpr size_t kNoSizeLimit = static_cast<size_t>(-1);

// Reads the whole file at `path`. NotFound when it does not exist; Internal
// for other I/O errors. Files above `max_bytes` give InvalidArgument.
StatusOr<std::string> ReadWholeFile(const std::string& path,
                                    size_t max_bytes = 1 << 20);

// ReadWholeFile for a file someone else may have planted (a builder's
// records): refuses a symbolic link as the last component and anything but
// a regular file (a FIFO would block, a device never end) with
// InvalidArgument, and never blocks on open.
StatusOr<std::string> ReadRegularFile(const std::string& path,
                                      size_t max_bytes);

// The whole of `path` with no size limit, or "" when it is missing or cannot
// be read. For optional inputs whose absence means "nothing yet" or "not
// available here": /proc and cgroup files, logs and control files a child
// process may not have created yet. Callers that must tell "missing" from
// "empty" use ReadWholeFile.
std::string ReadFileOrEmpty(const std::string& path);

// Creates `dir` with mode 0700 (missing parents with the default mode) when
// it does not exist.
// An existing directory is left as it is. Internal when `dir` exists but is
// not a directory, or on I/O errors.
Status EnsurePrivateDirectory(const std::string& dir);

// A new directory only this user can enter (mkdtemp: mode 0700, a unique
// name "<prefix>XXXXXX" in $TMPDIR or /tmp, never an existing path). Returns
// its path; the caller removes it. Internal with errno text on failure.
StatusOr<std::string> MakePrivateTempDir(const std::string& prefix);

}  // namespace kiln
