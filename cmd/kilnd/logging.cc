#include "cmd/kilnd/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "api_types/time.h"
#include "controller/runtime/reconcile_scope.h"

namespace kiln {
namespace {

// %& in the text pattern: "[build default/x r12] " inside a reconcile,
// nothing outside one.
class ReconcileFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const ReconcileContext* r = CurrentReconcile();
    if (r == nullptr) return;
    const std::string text = "[" + r->controller + " " + r->object + " r" +
                             std::to_string(r->id) + "] ";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<ReconcileFlag>();
  }
};

// One JSON object per line; nlohmann does the escaping.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    const std::string ts = FormatRfc3339(
        std::chrono::time_point_cast<std::chrono::nanoseconds>(msg.time),
        SubsecondDigits::kMicros);
    const auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json line = {
        {"ts", ts},
        {"level", std::string(level.data(), level.size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    if (const ReconcileContext* r = CurrentReconcile()) {
      line["controller"] = r->controller;
      line["object"] = r->object;
      line["reconcileID"] = r->id;
    }
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

Status ConfigureLogging(const std::string& format, int verbosity) {
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else if (format == "text") {
    // spdlog's default pattern plus the reconcile, if any.
    auto text = std::make_unique<spdlog::pattern_formatter>();
    text->add_flag<ReconcileFlag>('&').set_pattern(
        "[%Y-%m-%d %H:%M:%S.%e] [%l] %&%v");
    spdlog::set_formatter(std::move(text));
  } else {
    return InvalidArgumentError("--log-format: want text or json, got \"" +
                                format + "\"");
  }
  spdlog::set_level(verbosity >= 2   ? spdlog::level::trace
                    : verbosity == 1 ? spdlog::level::debug
                                     : spdlog::level::info);
  return OkStatus();
}

}  // namespace kiln
