#include <thread>

#include "hack/chaos/checks.h"
#include "hack/chaos/terminal_record.h"

namespace kiln::chaos {

StatusOr<nlohmann::json> CheckContext::Get(const std::string& path) const {
  return ApiGet(api, path, state_dir + "/get.tmp");
}

std::string CheckContext::BuildsPath() const {
  return "/apis/kiln.dev/v1/namespaces/" + namespace_ + "/builds";
}

Status WaitAllTerminal(const CheckContext& ctx, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string active;
  while (true) {
    StatusOr<nlohmann::json> list = ctx.Get(ctx.BuildsPath());
    if (list.ok()) {
      active.clear();
      for (const nlohmann::json& b : list->value("items", nlohmann::json())) {
        const std::string phase =
            b.value("/status/phase"_json_pointer, std::string());
        if (!IsTerminalPhase(phase)) {
          active += " " + b.value("/metadata/name"_json_pointer, "") + "(" +
                    phase + ")";
        }
      }
      if (active.empty()) return OkStatus();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return UnavailableError("still not terminal:" + active);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace kiln::chaos
