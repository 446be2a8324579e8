// First-start creation of kilnd's static token file.
//
// The token file (DATA_DIR/tokens.csv, see DataDirLayout; Kubernetes
// token-file format, mode 0600) holds on
// first start:
//   <random>,admin,kiln-admin,system:masters
//   <random>,kiln-controller,kiln-controller,kiln:controllers
// Later starts reuse the file as it is, including tokens an operator added.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

inline constexpr char kAdminUserName[] = "admin";
inline constexpr char kControllerUserName[] = "kiln-controller";

struct BootstrapResult {
  std::string token_file;        // the file EnsureAuthFiles was given
  std::string admin_token;       // for the generated kubeconfig
  std::string controller_token;  // for the in-process controller client
  bool created = false;          // this call wrote the token file
};

// A fresh token: 32 bytes from RAND_bytes, hex-encoded (64 characters).
// Internal when the random generator fails.
StatusOr<std::string> GenerateToken();

// Ensures `token_file` exists (its directory created 0700 if missing) and
// returns the admin and controller tokens. With an existing file: the admin
// token is that of user "admin" in group system:masters (else the first
// system:masters token), the controller token that of the first
// kiln:controllers token. FailedPrecondition when the existing file lacks
// either (naming the file and the group); InvalidArgument when it does not
// parse; Internal on I/O errors. Tokens never appear in messages.
StatusOr<BootstrapResult> EnsureAuthFiles(const std::string& token_file);

}  // namespace kiln
