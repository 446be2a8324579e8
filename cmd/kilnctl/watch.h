// Following a collection with ?watch=1 the way client-go's watch does:
// newline-delimited WatchEvents from a resourceVersion, bookmarks requested
// and used to advance it, and a transparent reconnect from the last version
// seen when the connection drops. A 410 Expired (the version fell out of
// kilnd's window) is returned as OutOfRange so the caller can relist.
//
// Thread-compatible; the ApiClient may be interrupted from another thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "cmd/kilnctl/api_client.h"

namespace kiln::kilnctl {

// on_event(type, object): type ADDED, MODIFIED or DELETED (bookmarks are
// consumed here). Return false to stop. `query` is appended to the watch
// URL (e.g. "&fieldSelector=..."); `accept` chooses JSON or Table objects.
Status WatchCollection(
    ApiClient& client, const std::string& path, const std::string& query,
    std::string resource_version, const std::string& accept,
    const std::function<bool(const std::string&, const nlohmann::json&)>&
        on_event);

}  // namespace kiln::kilnctl
