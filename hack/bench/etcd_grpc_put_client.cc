#include "hack/bench/etcd_grpc_put_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "hack/bench/etcd_kv.grpc.pb.h"

namespace kiln::bench {

struct EtcdGrpcPutClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> stub;
};

EtcdGrpcPutClient::EtcdGrpcPutClient(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
EtcdGrpcPutClient::~EtcdGrpcPutClient() = default;

StatusOr<std::unique_ptr<EtcdGrpcPutClient>> EtcdGrpcPutClient::Connect(
    const std::string& endpoint) {
  constexpr char kScheme[] = "http://";
  if (endpoint.rfind(kScheme, 0) != 0) {
    return InvalidArgumentError("etcd endpoint " + endpoint +
                                ": expected http://HOST:PORT");
  }
  auto impl = std::make_unique<Impl>();
  // A channel of its own per client (a distinct argument keeps gRPC from
  // sharing one connection between them), as the JSON side has one TCP
  // connection per writer.
  grpc::ChannelArguments args;
  args.SetInt("kiln.bench.client",
              static_cast<int>(reinterpret_cast<uintptr_t>(impl.get())));
  impl->channel =
      grpc::CreateCustomChannel(endpoint.substr(sizeof(kScheme) - 1),
                                grpc::InsecureChannelCredentials(), args);
  impl->stub = etcdserverpb::KV::NewStub(impl->channel);
  return std::unique_ptr<EtcdGrpcPutClient>(
      new EtcdGrpcPutClient(std::move(impl)));
}

Status EtcdGrpcPutClient::Put(const std::string& key,
                              const std::string& value) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  const grpc::Status s = impl_->stub->Put(&context, request, &response);
  if (s.ok()) return OkStatus();
  const std::string what = "etcd gRPC put " + key + ": " + s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return UnavailableError(what);
  }
  return InternalError(what);
}

}  // namespace kiln::bench
