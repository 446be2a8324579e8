#include "hack/bench/etcd_bench.h"

#include <functional>
#include <memory>

#include "hack/bench/bench_object.h"
#include "hack/bench/cpu_share.h"
#include "hack/bench/etcd_grpc_put_client.h"
#include "hack/bench/etcd_put_client.h"
#include "hack/bench/write_load.h"

namespace kiln::bench {

namespace {

using PutFn = std::function<Status(const std::string&, const std::string&)>;

// A put function over a client of its own.
StatusOr<PutFn> NewPutter(const std::string& endpoint, EtcdProtocol protocol) {
  if (protocol == EtcdProtocol::kGrpc) {
    ASSIGN_OR_RETURN(auto c, EtcdGrpcPutClient::Connect(endpoint));
    std::shared_ptr<EtcdGrpcPutClient> client = std::move(c);
    return PutFn([client](const std::string& k, const std::string& v) {
      return client->Put(k, v);
    });
  }
  ASSIGN_OR_RETURN(auto c, EtcdPutClient::Connect(endpoint));
  std::shared_ptr<EtcdPutClient> client = std::move(c);
  return PutFn([client](const std::string& k, const std::string& v) {
    return client->Put(k, v);
  });
}

}  // namespace

const char* EtcdProtocolName(EtcdProtocol protocol) {
  return protocol == EtcdProtocol::kGrpc ? "grpc" : "json";
}

Status ProbeEtcd(const std::string& endpoint, EtcdProtocol protocol) {
  ASSIGN_OR_RETURN(PutFn put, NewPutter(endpoint, protocol));
  Status s = put("/bench-probe", "{}");
  if (!s.ok()) return UnavailableError("etcd: first put: " + s.ToString());
  return OkStatus();
}

StatusOr<nlohmann::json> RunEtcdLevel(const std::string& endpoint,
                                      EtcdProtocol protocol, int writers,
                                      int64_t puts,
                                      std::chrono::milliseconds max_duration) {
  WriteLoadOptions load;
  load.writers = writers;
  load.count = puts;
  load.max_duration = max_duration;
  const std::string ns = "bench-w" + std::to_string(writers);
  auto factory = [&](int t) -> StatusOr<WriteFn> {
    ASSIGN_OR_RETURN(PutFn put, NewPutter(endpoint, protocol));
    auto tmpl =
        std::make_shared<const nlohmann::json>(MakeBuildObject(ns, "tmpl", t));
    return WriteFn([put, tmpl, t, ns](int64_t i) {
      const std::string name = std::to_string(t) + "-" + std::to_string(i);
      nlohmann::json value = *tmpl;
      value["metadata"]["name"] = name;
      return put("/builds/" + ns + "/" + name, value.dump());
    });
  };
  CpuShareMeter others;
  ASSIGN_OR_RETURN(WriteLoadResult r, RunWriteLoad(load, factory));
  nlohmann::json level = ToJson(r);
  // Includes etcd's own CPU: etcd is another process.
  level["others_cpu_incl_etcd"] = others.OthersShare();
  return level;
}

StatusOr<nlohmann::json> RunEtcdBench(const EtcdBenchOptions& options,
                                      std::ostream& progress) {
  RETURN_IF_ERROR(ProbeEtcd(options.endpoint, options.protocol));
  nlohmann::json out = {
      {"mode", "etcd"},
      {"endpoint", options.endpoint},
      {"protocol", EtcdProtocolName(options.protocol)},
      {"value_bytes", MakeBuildObject("bench", "0-0", 0).dump().size()},
      {"puts", nlohmann::json::array()}};
  for (int w : options.writers) {
    progress << "store_bench: etcd puts with " << w << " writer(s)..."
             << std::endl;
    ASSIGN_OR_RETURN(nlohmann::json level,
                     RunEtcdLevel(options.endpoint, options.protocol, w,
                                  options.puts, options.max_duration));
    out["puts"].push_back(std::move(level));
  }
  return out;
}

}  // namespace kiln::bench
