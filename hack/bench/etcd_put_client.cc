#include "hack/bench/etcd_put_client.h"

#include <cstdint>

namespace kiln::bench {

std::string Base64Encode(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v =
        (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

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
