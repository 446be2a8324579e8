// The user namespace a process-driver builder runs in (docs/security.md
// "process driver sandbox"): its uids and gids 0..count-1 are the host's
// base..base+count-1, so the agent, buildah and every RUN step are root of
// their own namespace and an unprivileged, unnamed user of the host. The
// host's root (and every other host id) is not mapped: files the host's
// root owns are "other" to a builder.
//
// The namespace is created by clone(CLONE_NEWUSER) in the launch's shim and
// its maps are written by the shim, which is root of the host (writing a
// range other than the writer's own id needs CAP_SETUID in the parent
// namespace; no newuidmap is involved). Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "api_types/status.h"

namespace kiln {

struct IdRange {
  uint32_t base = 0;       // host id of the namespace's root
  uint32_t count = 65536;  // ids mapped: 0..count-1
  friend bool operator==(const IdRange&, const IdRange&) = default;
};

// InvalidArgument unless `range` is a usable mapping: count >= 65536 (what
// buildah and the images it builds expect), base > 0, and the range ends
// below the host's overflow ids (2^32 - 2). Names the bad value.
Status ValidateIdRange(const IdRange& range);

// Writes process `pid`'s uid_map and gid_map: "0 base count". The caller
// must be root of the parent user namespace and `pid` must be in a new user
// namespace whose maps are not written yet. 0, or -1 with errno set and
// *step naming the file. Async-signal-safe (for the launch's shim).
int WriteIdMaps(pid_t pid, const IdRange& range, const char** step);

// OK when this process can create a user namespace with `range` mapped
// (tries it: a short-lived child in a new user namespace, whose maps it
// writes). FailedPrecondition naming why not (user.max_user_namespaces is
// 0, not root of the host, the range is not mapped in kilnd's own
// namespace, …).
Status ProbeUserNamespace(const IdRange& range);

// Changes the calling process, which must be in a new user namespace whose
// maps are written, to uid and gid 0 of that namespace with no
// supplementary groups (it drops the host's groups it was born with). 0, or
// -1 with errno set and *step naming the call. Async-signal-safe.
int BecomeNamespaceRoot(const char** step);

}  // namespace kiln
