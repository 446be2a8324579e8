// Each kilnctl command registers itself on the root CLI11 app. A command's
// callback stores its exit code (exit_codes.h) in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "cmd/kilnctl/session.h"

namespace kiln::kilnctl {

void AddApplyCommand(CLI::App& root, Session& session, int& exit_code);
void AddBuildCommand(CLI::App& root, Session& session, int& exit_code);
void AddGetCommand(CLI::App& root, Session& session, int& exit_code);
void AddDescribeCommand(CLI::App& root, Session& session, int& exit_code);
void AddLogsCommand(CLI::App& root, Session& session, int& exit_code);
void AddCancelCommand(CLI::App& root, Session& session, int& exit_code);
void AddDeleteCommand(CLI::App& root, Session& session, int& exit_code);
void AddWaitCommand(CLI::App& root, Session& session, int& exit_code);
void AddVersionCommand(CLI::App& root, Session& session, int& exit_code,
                       const std::string& client_version);
void AddConfigCommand(CLI::App& root, Session& session, int& exit_code);
// Needs the finished tree of commands: add it last.
void AddCompletionCommand(CLI::App& root, Session& session, int& exit_code);

// The resource a user typed ("builds", "build", "b", "builds.kiln.dev",
// "nodes", "node", "events", ...) as its plural, or InvalidArgument.
StatusOr<std::string> ResourceOf(const std::string& typed);

// The collection path of `resource` in `ns` ("" = every namespace; nodes
// are cluster-scoped).
std::string CollectionPath(const std::string& resource, const std::string& ns);

}  // namespace kiln::kilnctl
