// Puts keys into etcd v3 through its native gRPC API (etcdserverpb.KV/Put,
// etcd_kv.proto), over one HTTP/2 channel per client. The store benchmark's
// other etcd client, beside the JSON gateway's (etcd_put_client.h), so the
// two protocols a Kiln etcd store could speak are measured side by side.
//
// Thread-compatible: one client per thread.
#pragma once

#include <memory>
#include <string>

#include "api_types/status.h"

namespace kiln::bench {

class EtcdGrpcPutClient {
 public:
  // `endpoint` is etcd's client URL ("http://127.0.0.1:2379"); plain text.
  // InvalidArgument for another scheme.
  static StatusOr<std::unique_ptr<EtcdGrpcPutClient>> Connect(
      const std::string& endpoint);
  ~EtcdGrpcPutClient();
  EtcdGrpcPutClient(const EtcdGrpcPutClient&) = delete;
  EtcdGrpcPutClient& operator=(const EtcdGrpcPutClient&) = delete;

  // Returns after etcd acknowledged the put (durable). Unavailable on
  // transport errors or after 10 s, Internal on another gRPC error.
  Status Put(const std::string& key, const std::string& value);

 private:
  struct Impl;
  explicit EtcdGrpcPutClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::bench
