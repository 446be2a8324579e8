// Puts keys into etcd v3 through its JSON gateway (POST /v3/kv/put), over
// one keep-alive HTTP connection. For the store benchmark's etcd comparison:
// the gateway adds JSON/base64 and an in-process gRPC hop that a native gRPC
// client would not pay, so the figures are a slight underestimate of etcd.
//
// Thread-compatible: one client per thread.
#pragma once

#include <memory>
#include <string>

#include "api_types/status.h"
#include "hack/bench/http_connection.h"

namespace kiln::bench {

class EtcdPutClient {
 public:
  // `endpoint` as for HttpConnection::Connect.
  static StatusOr<std::unique_ptr<EtcdPutClient>> Connect(
      const std::string& endpoint);

  // Returns after etcd acknowledged the put (durable: etcd syncs its WAL
  // before answering). Unavailable on transport errors, Internal on a non-200
  // answer.
  Status Put(const std::string& key, const std::string& value);

 private:
  explicit EtcdPutClient(std::unique_ptr<HttpConnection> conn)
      : conn_(std::move(conn)) {}
  std::unique_ptr<HttpConnection> conn_;
};

}  // namespace kiln::bench
