// JobDisk: how a qemu builder VM's job reaches the guest (docs/qemu.md,
// "Disks"). The AgentJob the reconciler computed is rewritten with the
// guest's paths (log FIFO, storage on the scratch disk, the archive on the
// job disk) and, with the source archive, laid out in a directory that
// becomes the ext4 job disk (label kiln-job); the scratch disk is an empty
// ext4 (label kiln-scratch). Both have no journal: the host reads the job
// disk back with debugfs, which does not replay one.
//
// GuestJobLayout and the *Command functions are pure; MakeExt4Disk runs
// mkfs.ext4. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/agent_contract.h"

namespace kiln {

// The guest's side of the contract (hack/guest/kiln-guest-run).
inline constexpr char kGuestJobDir[] = "/job";
inline constexpr char kGuestLogPath[] = "/run/kiln/build.log";
inline constexpr char kGuestStorageRoot[] = "/scratch/storage";
inline constexpr char kGuestRunRoot[] = "/run/containers";
inline constexpr char kJobDiskLabel[] = "kiln-job";
inline constexpr char kScratchDiskLabel[] = "kiln-scratch";
// Both drivers' scratch disk image in the VM's directory (the process driver
// loop-mounts it for the build's storage), and how long its mkfs may take.
inline constexpr char kScratchImage[] = "scratch.img";
inline constexpr std::chrono::seconds kMkfsTimeout{60};

struct JobDiskLayout {
  AgentJob guest_job;  // written as job.json at the disk's root
  // Host files copied to the disk's root: {host path, file name}.
  std::vector<std::pair<std::string, std::string>> copies;
};

// The guest's view of `host_job`: registry, image, sources and limits
// unchanged; log_path, storage_root, run_root and archive_path (now
// /job/<file name>) rewritten. InvalidArgument when the archive's file name
// is unusable ("", ".", "..").
StatusOr<JobDiskLayout> GuestJobLayout(const AgentJob& host_job);

// mkfs.ext4 argv for an image file that already has its size: without a
// journal, with `label`, filled from `contents_dir` when not "".
std::vector<std::string> MkfsCommand(const std::string& image,
                                     const std::string& label,
                                     const std::string& contents_dir);

// Creates `image` as a sparse file of `size_bytes` and formats it with
// MkfsCommand. Internal naming the failing step (and mkfs's output).
Status MakeExt4Disk(const std::string& image, int64_t size_bytes,
                    const std::string& label, const std::string& contents_dir,
                    std::chrono::milliseconds timeout);

}  // namespace kiln
