#include "cmd/kilnctl/client_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "controller/base/base64.h"
#include "controller/base/files.h"

namespace kiln::kilnctl {
namespace {

namespace fs = std::filesystem;

StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  StatusOr<std::string> text = ReadWholeFile(path, kNoSizeLimit);
  if (!text.ok()) {
    return NotFoundError(std::string(what) + " " + path + ": cannot read it (" +
                         text.status().message() + ")");
  }
  return text;
}

StatusOr<std::string> DecodeBase64(const std::string& in, const char* field) {
  StatusOr<std::string> out = Base64Decode(in);
  if (!out.ok()) return out.status().WithPrefix(field);
  return out;
}

// One named entry of a kubeconfig list, with the file it came from.
struct Entry {
  YAML::Node body;
  std::string file;
};

// The merged view of every kubeconfig file read.
struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::vector<std::string> order_clusters, order_users, order_contexts;
  std::string current_context;
  std::vector<std::string> files;
};

Status MergeList(const YAML::Node& doc, const char* list, const char* body,
                 const std::string& file, std::map<std::string, Entry>& into,
                 std::vector<std::string>& order) {
  const YAML::Node items = doc[list];
  if (!items) return OkStatus();
  if (!items.IsSequence()) {
    return InvalidArgumentError(file + ": " + list + ": must be a list");
  }
  for (const YAML::Node& item : items) {
    if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) {
      return InvalidArgumentError(file + ": " + list +
                                  ": every entry needs a name");
    }
    const std::string name = item["name"].as<std::string>();
    if (into.count(name)) continue;  // the first file wins, as in kubectl
    into[name] =
        Entry{item[body] ? item[body] : YAML::Node(YAML::NodeType::Map), file};
    order.push_back(name);
  }
  return OkStatus();
}

Status MergeFile(const std::string& path, Merged& merged) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFoundError("kubeconfig " + path + ": cannot read it");
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(
        "kubeconfig " + path + ": not valid YAML (line " +
        std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
  if (doc.IsNull()) return OkStatus();
  if (!doc.IsMap()) {
    return InvalidArgumentError("kubeconfig " + path + ": not a Config object");
  }
  merged.files.push_back(path);
  try {
    RETURN_IF_ERROR(MergeList(doc, "clusters", "cluster", path, merged.clusters,
                              merged.order_clusters));
    RETURN_IF_ERROR(MergeList(doc, "users", "user", path, merged.users,
                              merged.order_users));
    RETURN_IF_ERROR(MergeList(doc, "contexts", "context", path, merged.contexts,
                              merged.order_contexts));
    if (merged.current_context.empty() && doc["current-context"] &&
        doc["current-context"].IsScalar()) {
      merged.current_context = doc["current-context"].as<std::string>();
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("kubeconfig " + path + ": " + e.msg);
  }
  return OkStatus();
}

StatusOr<Merged> LoadMerged(const ConfigFlags& flags, const ConfigEnv& env) {
  Merged merged;
  if (!flags.kubeconfig.empty()) {
    if (!fs::exists(flags.kubeconfig)) {
      return NotFoundError("--kubeconfig " + flags.kubeconfig +
                           ": no such file");
    }
    RETURN_IF_ERROR(MergeFile(flags.kubeconfig, merged));
    return merged;
  }
  std::vector<std::string> paths;
  if (!env.kubeconfig_env.empty()) {
    std::stringstream ss(env.kubeconfig_env);
    for (std::string p; std::getline(ss, p, ':');) {
      if (!p.empty()) paths.push_back(p);
    }
  } else if (!env.home.empty()) {
    paths.push_back(env.home + "/.kube/config");
  }
  for (const std::string& p : paths) {
    if (!fs::exists(p)) continue;  // kubectl skips missing KUBECONFIG entries
    RETURN_IF_ERROR(MergeFile(p, merged));
  }
  return merged;
}

std::string Str(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

bool Bool(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return false;
  const std::string s = v.as<std::string>();
  return s == "true" || s == "True" || s == "TRUE";
}

// A path from a kubeconfig, relative to that kubeconfig's directory.
std::string Resolve(const std::string& path, const std::string& file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).string();
}

// The PEM from FIELD-data (base64) or FIELD (a path), "" when neither.
StatusOr<std::string> PemOf(const Entry& e, const char* field,
                            const char* data_field) {
  if (std::string data = Str(e.body, data_field); !data.empty()) {
    return DecodeBase64(data, data_field);
  }
  if (std::string path = Str(e.body, field); !path.empty()) {
    return ReadFile(Resolve(path, e.file), field);
  }
  return std::string();
}

std::string FilesText(const Merged& m) {
  if (m.files.empty()) return "no kubeconfig found";
  std::string out;
  for (const std::string& f : m.files) out += (out.empty() ? "" : ", ") + f;
  return out;
}

}  // namespace

ConfigEnv ConfigEnv::FromProcess() {
  ConfigEnv env;
  if (const char* k = std::getenv("KUBECONFIG")) env.kubeconfig_env = k;
  if (const char* h = std::getenv("HOME")) env.home = h;
  return env;
}

StatusOr<ClientConfig> LoadClientConfig(const ConfigFlags& flags,
                                        const ConfigEnv& env) {
  ASSIGN_OR_RETURN(Merged merged, LoadMerged(flags, env));
  ClientConfig config;
  config.files = merged.files;
  const std::string context_name =
      flags.context.empty() ? merged.current_context : flags.context;
  try {
    if (!context_name.empty()) {
      auto ctx = merged.contexts.find(context_name);
      if (ctx == merged.contexts.end()) {
        return InvalidArgumentError("context \"" + context_name +
                                    "\" not found in " + FilesText(merged) +
                                    " (see `kilnctl config view`)");
      }
      config.context = context_name;
      if (std::string ns = Str(ctx->second.body, "namespace"); !ns.empty()) {
        config.namespace_ = ns;
      }
      if (std::string c = Str(ctx->second.body, "cluster"); !c.empty()) {
        auto cluster = merged.clusters.find(c);
        if (cluster == merged.clusters.end()) {
          return InvalidArgumentError(
              "context \"" + context_name + "\" names cluster \"" + c +
              "\", which is not in " + FilesText(merged));
        }
        config.server = Str(cluster->second.body, "server");
        config.insecure_skip_tls_verify =
            Bool(cluster->second.body, "insecure-skip-tls-verify");
        ASSIGN_OR_RETURN(config.ca_pem,
                         PemOf(cluster->second, "certificate-authority",
                               "certificate-authority-data"));
      }
      if (std::string u = Str(ctx->second.body, "user"); !u.empty()) {
        auto user = merged.users.find(u);
        if (user != merged.users.end()) {
          config.token = Str(user->second.body, "token");
          if (std::string tf = Str(user->second.body, "tokenFile");
              config.token.empty() && !tf.empty()) {
            ASSIGN_OR_RETURN(
                std::string t,
                ReadFile(Resolve(tf, user->second.file), "tokenFile"));
            while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
              t.pop_back();
            config.token = t;
          }
          ASSIGN_OR_RETURN(config.client_cert_pem,
                           PemOf(user->second, "client-certificate",
                                 "client-certificate-data"));
          ASSIGN_OR_RETURN(
              config.client_key_pem,
              PemOf(user->second, "client-key", "client-key-data"));
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("kubeconfig: " + e.msg);
  }
  if (!flags.server.empty()) config.server = flags.server;
  if (!flags.token.empty()) config.token = flags.token;
  if (!flags.certificate_authority.empty()) {
    ASSIGN_OR_RETURN(config.ca_pem, ReadFile(flags.certificate_authority,
                                             "--certificate-authority"));
  }
  if (flags.insecure_skip_tls_verify) config.insecure_skip_tls_verify = true;
  if (!flags.namespace_.empty()) config.namespace_ = flags.namespace_;
  if (config.server.empty()) {
    return InvalidArgumentError(
        "no server to talk to (" + FilesText(merged) +
        "): pass --server URL, or point --kubeconfig / KUBECONFIG at the "
        "kubeconfig kilnd wrote (DATA_DIR/kubeconfig, e.g. .kiln/kubeconfig)");
  }
  if (config.server.rfind("http://", 0) != 0 &&
      config.server.rfind("https://", 0) != 0) {
    return InvalidArgumentError("server \"" + config.server +
                                "\": want an http:// or https:// URL");
  }
  while (config.server.size() > 8 && config.server.back() == '/') {
    config.server.pop_back();
  }
  return config;
}

StatusOr<std::string> ViewConfig(const ConfigFlags& flags, const ConfigEnv& env,
                                 bool raw, bool minify) {
  ASSIGN_OR_RETURN(Merged merged, LoadMerged(flags, env));
  const std::string current =
      flags.context.empty() ? merged.current_context : flags.context;
  std::string keep_cluster, keep_user;
  if (minify) {
    auto ctx = merged.contexts.find(current);
    if (ctx == merged.contexts.end()) {
      return InvalidArgumentError("--minify: context \"" + current +
                                  "\" not found");
    }
    keep_cluster = Str(ctx->second.body, "cluster");
    keep_user = Str(ctx->second.body, "user");
  }
  auto redact = [&](YAML::Node body) {
    YAML::Node copy = YAML::Clone(body);
    if (raw) return copy;
    for (const char* k : {"certificate-authority-data",
                          "client-certificate-data", "client-key-data"}) {
      if (copy[k]) copy[k] = "DATA+OMITTED";
    }
    for (const char* k : {"token", "password"}) {
      if (copy[k]) copy[k] = "REDACTED";
    }
    return copy;
  };
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  auto emit = [&](const char* list, const char* body,
                  const std::map<std::string, Entry>& entries,
                  const std::vector<std::string>& order,
                  const std::string& only) {
    out << YAML::Key << list << YAML::Value << YAML::BeginSeq;
    for (const std::string& name : order) {
      if (minify && name != only) continue;
      out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name
          << YAML::Key << body << YAML::Value << redact(entries.at(name).body)
          << YAML::EndMap;
    }
    out << YAML::EndSeq;
  };
  emit("clusters", "cluster", merged.clusters, merged.order_clusters,
       keep_cluster);
  emit("contexts", "context", merged.contexts, merged.order_contexts, current);
  out << YAML::Key << "current-context" << YAML::Value << current;
  emit("users", "user", merged.users, merged.order_users, keep_user);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kiln::kilnctl
