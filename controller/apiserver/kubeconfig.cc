#include "controller/apiserver/kubeconfig.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "controller/base/base64.h"
#include "controller/base/files.h"

namespace kiln {
namespace {

// A YAML double-quoted scalar.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\x%02x", u);
      out += escape;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string ClusterEntry(const KubeconfigParams& p) {
  std::string out = "- name: " + Quoted(p.cluster_name) +
                    "\n  cluster:\n    server: " + Quoted(p.server_url) + "\n";
  if (!p.ca_pem.empty()) {
    out += "    certificate-authority-data: " + Quoted(Base64Encode(p.ca_pem)) +
           "\n";
  }
  return out;
}

std::string UserEntry(const KubeconfigParams& p) {
  std::string out = "- name: " + Quoted(p.user_name) + "\n";
  if (p.token.empty()) return out + "  user: {}\n";
  return out + "  user:\n    token: " + Quoted(p.token) + "\n";
}

std::string ContextEntry(const KubeconfigParams& p) {
  return "- name: " + Quoted(p.context_name) +
         "\n  context:\n    cluster: " + Quoted(p.cluster_name) +
         "\n    user: " + Quoted(p.user_name) +
         "\n    namespace: " + Quoted(p.namespace_) + "\n";
}

}  // namespace

std::string RenderKubeconfig(const KubeconfigParams& params) {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n" +
         ClusterEntry(params) + "users:\n" + UserEntry(params) + "contexts:\n" +
         ContextEntry(params) +
         "current-context: " + Quoted(params.context_name) + "\n" +
         "preferences: {}\n";
}

Status WriteKubeconfig(const std::string& path, const std::string& text) {
  return WriteFileAtomically(path, text, kPrivateFileMode);
}

}  // namespace kiln
