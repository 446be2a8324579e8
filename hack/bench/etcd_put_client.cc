#include "hack/bench/etcd_put_client.h"

#include "controller/base/base64.h"

namespace kiln::bench {

StatusOr<std::unique_ptr<EtcdPutClient>> EtcdPutClient::Connect(
    const std::string& endpoint) {
  ASSIGN_OR_RETURN(auto conn, HttpConnection::Connect(endpoint));
  return std::unique_ptr<EtcdPutClient>(new EtcdPutClient(std::move(conn)));
}

Status EtcdPutClient::Put(const std::string& key, const std::string& value) {
  const std::string body = "{\"key\":\"" + Base64Encode(key) +
                           "\",\"value\":\"" + Base64Encode(value) + "\"}";
  ASSIGN_OR_RETURN(HttpResponse resp, conn_->Post("/v3/kv/put", body));
  if (resp.status != 200) {
    return InternalError("etcd put " + key + ": HTTP " +
                         std::to_string(resp.status) + ": " +
                         resp.body.substr(0, 200));
  }
  return OkStatus();
}

}  // namespace kiln::bench
