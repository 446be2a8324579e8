#include "tests/integration/kilnd_fixture.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

namespace kiln::testing {

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  char* dir = mkdtemp(tmpl.data());
  if (dir == nullptr) return "";
  chmod(dir, 0711);  // best effort: a builder that cannot pass fails clearly
  return dir;
}

namespace {

// Binds a loopback TCP socket to `port` (0 = any); returns it or -1.
int BindLoopback(int port, int* bound) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

int FreeLoopbackPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int port = 0;
    const int fd = BindLoopback(0, &port);
    if (fd < 0) continue;
    int next = 0;
    const int next_fd = port < 65535 ? BindLoopback(port + 1, &next) : -1;
    close(fd);
    if (next_fd >= 0) {
      close(next_fd);
      return port;
    }
  }
  return 0;
}

bool AddTestUsers(const std::string& data_dir) {
  std::unique_ptr<Kilnd> first =
      Kilnd::Start({"--controllers=false"}, data_dir);
  if (first->failed_to_start()) {
    ADD_FAILURE() << first->process().Log();
    return false;
  }
  first.reset();
  std::ofstream(data_dir + "/tokens.csv", std::ios::app)
      << kAliceToken << ",alice,1001,\"kiln:users,kiln:namespace:team-a\"\n"
      << kBobToken << ",bob,1002,kiln:namespace:team-b\n";
  return true;
}

std::unique_ptr<Kilnd> Kilnd::Start(const std::vector<std::string>& args,
                                    const std::string& data_dir) {
  std::unique_ptr<Kilnd> k(new Kilnd());
  k->own_dir_ = data_dir.empty();
  k->data_dir_ = data_dir.empty() ? MakeTempDir("kilnd-") : data_dir;
  k->home_ = k->data_dir_ + "/home";
  std::filesystem::create_directories(k->home_);
  std::vector<std::string> argv = {kKilndPath, "--data-dir", k->data_dir_};
  // Port 0 (the kernel picks) unless the test chose one.
  if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  // A fresh log per start: a restart on the same data dir must not find the
  // previous run's "ready" line.
  static int starts = 0;
  k->child_ = std::make_unique<Child>(
      argv, k->data_dir_ + "/kilnd-" + std::to_string(++starts) + ".log");
  std::string log =
      k->child_->WaitForLog("kilnd ready on ", std::chrono::seconds(90));
  std::smatch m;
  if (std::regex_search(log, m, std::regex("kilnd ready on ([^\\s\"]+)"))) {
    k->url_ = m[1];
  }
  return k;
}

Kilnd::~Kilnd() {
  // A clean stop first: kilnd stops the registry it supervises (SIGKILL
  // would leave it running, by design, for the next kilnd to adopt).
  if (child_) child_->Signal(SIGTERM);
  child_.reset();
  // The data dir is about to go: a failing test shows what kilnd said.
  if (::testing::Test::HasFailure()) {
    for (const auto& entry : std::filesystem::directory_iterator(data_dir_)) {
      if (entry.path().extension() != ".log") continue;
      std::ifstream f(entry.path());
      std::cerr << "---- " << entry.path().filename().string() << " ----\n"
                << f.rdbuf() << "---- end ----\n";
    }
  }
  if (own_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

std::string Kilnd::AdminToken() const {
  std::ifstream f(kubeconfig());
  std::stringstream ss;
  ss << f.rdbuf();
  std::smatch m;
  std::string text = ss.str();
  if (std::regex_search(text, m, std::regex("token: *\"?([^\"\\s]+)"))) {
    return m[1];
  }
  return "";
}

CommandResult Kilnd::Kubectl(const std::vector<std::string>& args,
                             const std::string& input) const {
  std::vector<std::string> argv = {"kubectl", "--kubeconfig", kubeconfig(),
                                   "--cache-dir", home_ + "/kube-cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {{"HOME", home_}}, input);
}

nlohmann::json Kilnd::GetBuild(const std::string& name) const {
  CommandResult r = Kubectl({"get", "build", name, "-o", "json"});
  if (r.exit_code != 0) return nlohmann::json::object();
  nlohmann::json b = nlohmann::json::parse(r.out, nullptr, false);
  return b.is_discarded() ? nlohmann::json::object() : b;
}

std::string Kilnd::BuildLog(const nlohmann::json& build) const {
  std::ifstream f(data_dir_ + "/logs/" +
                  build["metadata"]["uid"].get<std::string>() + ".log");
  return std::string((std::istreambuf_iterator<char>(f)),
                     std::istreambuf_iterator<char>());
}

size_t Kilnd::VmDirs() const {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(data_dir_ + "/vms", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    if (it->is_directory()) ++n;
  }
  return n;
}

nlohmann::json Kilnd::WaitForPhase(const std::string& name,
                                   const std::string& phase,
                                   std::chrono::seconds timeout,
                                   const std::string& context) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json b;
  while (std::chrono::steady_clock::now() < deadline) {
    b = GetBuild(name);
    if (b.value("/status/phase"_json_pointer, "") == phase) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ADD_FAILURE() << name << " did not reach " << phase << ": " << b.dump(2)
                << "\nkilnd log:\n"
                << process().Log() << context;
  return b;
}

CommandResult Kilnd::Curl(const std::vector<std::string>& args,
                          const std::string& token,
                          const std::string& input) const {
  std::vector<std::string> argv = {"curl", "-sS", "-w", "\n%{http_code}"};
  if (url_.rfind("https", 0) == 0) {
    argv.push_back("--cacert");
    argv.push_back(data_dir_ + "/pki/ca.crt");
  }
  std::string t = token.empty() ? AdminToken() : token;
  if (t != "-") {
    argv.push_back("-H");
    argv.push_back("Authorization: Bearer " + t);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {}, input);
}

void Kilnd::Stop(bool kill9) {
  if (child_) child_->Signal(kill9 ? SIGKILL : SIGTERM);
}

HttpResult ParseCurl(const CommandResult& r) {
  HttpResult h;
  size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return h;
  h.code = std::atoi(r.out.c_str() + nl + 1);
  h.body = r.out.substr(0, nl);
  return h;
}

}  // namespace kiln::testing
