// The agent's last line of defence against leaked mounts: finds mount
// points below the directories a build owns and detaches them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// Mount points listed in `mountinfo` (the text of /proc/self/mountinfo;
// octal escapes such as "\040" decoded) that lie strictly below one of
// `roots` (the roots themselves are excluded: they may be disks the driver
// mounted), deepest first. Pure; thread-safe.
std::vector<std::string> MountPointsBelow(
    std::string_view mountinfo, const std::vector<std::string>& roots);

// Lazily unmounts (MNT_DETACH) every mount point below `roots` in this
// process's mount namespace and returns those it unmounted. Best effort:
// failures are skipped.
std::vector<std::string> UnmountBelow(const std::vector<std::string>& roots);

}  // namespace kiln
