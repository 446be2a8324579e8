#include "hack/chaos/api_client.h"

#include <chrono>
#include <cstdio>
#include <regex>
#include <vector>

#include "controller/base/files.h"
#include "controller/base/subprocess.h"

namespace kiln::chaos {
namespace {

std::string Match(const std::string& text, const char* pattern) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(pattern))) return m[1];
  return "";
}

}  // namespace

StatusOr<ApiEndpoint> EndpointFromDataDir(const std::string& data_dir) {
  ASSIGN_OR_RETURN(std::string config, ReadWholeFile(data_dir + "/kubeconfig"));
  ApiEndpoint api;
  api.url = Match(config, "server: *\"?([^\"\\s]+)");
  api.token = Match(config, "token: *\"?([^\"\\s]+)");
  if (api.url.empty()) {
    return InvalidArgumentError(data_dir + "/kubeconfig names no server");
  }
  if (api.url.rfind("https://", 0) == 0) api.ca_file = data_dir + "/pki/ca.crt";
  return api;
}

StatusOr<nlohmann::json> ApiGet(const ApiEndpoint& api, const std::string& path,
                                const std::string& scratch_file) {
  std::remove(scratch_file.c_str());
  std::vector<std::string> argv = {"curl", "-sS",         "--max-time",
                                   "20",   "-o",          scratch_file,
                                   "-w",   "%{http_code}"};
  if (!api.ca_file.empty()) {
    argv.insert(argv.end(), {"--cacert", api.ca_file});
  }
  if (!api.token.empty()) {
    argv.insert(argv.end(), {"-H", "Authorization: Bearer " + api.token});
  }
  argv.push_back(api.url + path);
  ASSIGN_OR_RETURN(CommandResult r,
                   RunCommand(argv, std::chrono::milliseconds(30000)));
  // The output ends with the status code; curl's errors come before it.
  const std::string code =
      r.output.size() >= 3 ? r.output.substr(r.output.size() - 3) : "000";
  if (code == "000" || code[0] == '5') {
    return UnavailableError("GET " + path + ": " + r.output);
  }
  if (code == "404") return NotFoundError("GET " + path + ": 404");
  if (code != "200") {
    return InternalError("GET " + path + ": HTTP " + code + ": " +
                         ReadFileOrEmpty(scratch_file));
  }
  nlohmann::json body =
      nlohmann::json::parse(ReadFileOrEmpty(scratch_file), nullptr, false);
  if (body.is_discarded()) {
    return InternalError("GET " + path + ": body is not JSON");
  }
  return body;
}

}  // namespace kiln::chaos
