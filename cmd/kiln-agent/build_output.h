// Follows `buildah build` output line by line: the current Dockerfile step
// (for progress and for naming a failed step), the last error line, and
// each stage's FROM image (for the base image of the final stage).
// Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// One "STEP n/m: INSTRUCTION" line; multi-stage builds prefix it with
// "[stage/stages] ".
struct StepLine {
  int stage = 1;  // 1 when there is no prefix
  int step = 0;
  int steps = 0;
  std::string instruction;  // "RUN make", "FROM kiln/busybox:1 AS base"
};

// Parses a STEP line; nullopt for any other line.
std::optional<StepLine> ParseStepLine(std::string_view line);

class BuildOutput {
 public:
  // Feeds one output line. Returns true when it was a STEP line.
  bool Add(std::string_view line);

  // The last STEP line as buildah printed it ("" before the first).
  const std::string& last_step() const { return last_step_; }
  // The last line starting with "Error" / "error" (buildah's final
  // complaint), else the last non-empty line, else "".
  std::string last_error() const;

  // The image reference the final stage was built FROM, following FROM
  // lines that name an earlier stage (buildah prints those as that stage's
  // image ID). "" for FROM scratch or when it cannot be told.
  std::string FinalBaseImage() const;

 private:
  struct Stage {
    int index = 0;
    std::string from;              // first word after FROM
    std::vector<std::string> ids;  // image IDs printed as "--> ID"
  };
  const Stage* StageProducing(const std::string& image_id) const;

  std::string last_step_;
  std::string last_error_line_;
  std::string last_line_;
  std::vector<Stage> stages_;
};

}  // namespace kiln
