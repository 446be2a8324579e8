// DataDirLayout: where everything kilnd keeps lives under its --data-dir.
// This is the one place that spells those paths; everything else asks it
// (kilnd hands each component the path it needs).
//
//   DATA_DIR/kiln.db        the SQLite store (+ -wal, -shm)
//   DATA_DIR/tokens.csv     static bearer tokens (generated, 0600)
//   DATA_DIR/pki/           CA, server certificate and key
//   DATA_DIR/kubeconfig     admin kubeconfig for kubectl / kilnctl
//   DATA_DIR/logs/          build logs, <uid>.log and their indexes
//   DATA_DIR/sources/       uploaded source archives, <sha256 hex>
//   DATA_DIR/vms/           one state directory per builder VM
//   DATA_DIR/registry/      the embedded image registry (config, storage)
//   DATA_DIR/seed/          scratch space for seeding the base image
//   DATA_DIR/images/        guest images, by convention only: kilnd reads
//                           them from --guest-image, wherever it points
//
// A value type: immutable, thread-safe, cheap to copy.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

class DataDirLayout {
 public:
  // The layout under `data_dir`, made absolute and normalized (no trailing
  // '/'): every path kilnd hands a child (builder VMs chdir into their work
  // dir, the registry reads its config) must not depend on kilnd's cwd.
  // Touches nothing on disk. InvalidArgument when `data_dir` is empty or
  // cannot be made absolute (the message names it).
  static StatusOr<DataDirLayout> ForDataDir(const std::string& data_dir);

  // Creates the data dir (mode 0700: it holds the store, tokens, keys, logs
  // and sources, none of them for other users) and the directories no
  // component creates itself (logs/). An existing data dir that group or
  // others may enter is tightened to 0700; the returned text then says so,
  // for the caller to log as a warning ("" otherwise). Unavailable naming
  // the path that could not be created or tightened.
  StatusOr<std::string> CreateDirectories() const;

  const std::string& root() const { return root_; }
  std::string store_file() const { return Join("kiln.db"); }
  std::string token_file() const { return Join("tokens.csv"); }
  std::string pki_dir() const { return Join("pki"); }
  std::string kubeconfig_file() const { return Join("kubeconfig"); }
  std::string logs_dir() const { return Join("logs"); }
  std::string sources_dir() const { return Join("sources"); }
  std::string vms_dir() const { return Join("vms"); }
  std::string registry_dir() const { return Join("registry"); }
  std::string seed_dir() const { return Join("seed"); }

 private:
  explicit DataDirLayout(std::string root) : root_(std::move(root)) {}
  std::string Join(const char* name) const {
    return (root_ == "/" ? root_ : root_ + "/") + name;
  }

  std::string root_;  // absolute, normalized, no trailing '/' (unless "/")
};

}  // namespace kiln
