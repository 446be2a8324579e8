// fake_agent: a stand-in for kiln-agent that follows the agent contract
// (controller/vm/agent_contract.h) without building anything. Run as
// `fake_agent --work-dir DIR`; reads DIR/job.json and acts on its build
// args:
//
//   FAKE_SLEEP_MS=N     work for N ms before finishing (default 0)
//   FAKE_WAIT_FOR=PATH  then work until PATH exists
//   FAKE_LOG_LINES=N    then append N lines "line I t=NS" to job.logPath
//                       (I from 0; NS = CLOCK_REALTIME in ns just before
//                       the write), each with one write(2) on an O_APPEND
//                       fd, so a reader never sees half a line; for log
//                       latency benchmarks (default 0)
//   FAKE_LOG_INTERVAL_MS=M  M ms between those lines, paced from the
//                       first one so the rate does not drift (default 0)
//   FAKE_RESULT=ok|fail|none   write a success / BuildError result, or none
//   FAKE_EXIT_CODE=N    exit code (default 0; with FAKE_RESULT=none, 1)
//   FAKE_ALLOC_MB=N     allocate and touch N MiB first (memory limit tests)
//   FAKE_REPORT=1       write DIR/report.json: pid, hostname, /proc/self/
//                       cgroup, open fds, pids visible in /proc, network
//                       interfaces, environment, /dev entries, /etc/hosts
//   FAKE_CONNECT=A,B    with FAKE_REPORT: for each HOST:PORT (IPv4), connect,
//                       send "ping", half-close, read to EOF; report.json
//                       "connect" maps each to the reply or "error: ..."
//   FAKE_PROBE=P,Q      with FAKE_REPORT: for each path, try to open it for
//                       reading and for appending; report.json "probe" maps
//                       each to {"read": "ok"|strerror, "write": ...}.
//                       report.json also holds "uidMap" (/proc/self/
//                       uid_map, whitespace collapsed) and "uid" (getuid)
//
// Appends "started", "SIGTERM" and "done" lines to job.logPath. On SIGTERM
// it writes a Cancelled result and exits 0.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controller/vm/agent_contract.h"

namespace {

volatile std::sig_atomic_t g_terminated = 0;

void OnTerm(int) { g_terminated = 1; }

std::string Arg(const kiln::AgentJob& job, const std::string& key,
                const std::string& fallback) {
  auto it = job.build_args.find(key);
  return it == job.build_args.end() ? fallback : it->second;
}

void AppendLog(const kiln::AgentJob& job, const std::string& line) {
  std::ofstream log(job.log_path, std::ios::app);
  log << line << "\n";
}

// FAKE_LOG_LINES / FAKE_LOG_INTERVAL_MS: `lines` timestamped lines, one
// write(2) each, `interval` apart; stops early on SIGTERM.
void WriteTimedLines(const kiln::AgentJob& job, int64_t lines,
                     std::chrono::milliseconds interval) {
  if (lines <= 0) return;
  const int fd = open(job.log_path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const auto first = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < lines && !g_terminated; ++i) {
    std::this_thread::sleep_until(first + i * interval);
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const int64_t ns = int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
    const std::string line =
        "line " + std::to_string(i) + " t=" + std::to_string(ns) + "\n";
    if (write(fd, line.data(), line.size()) !=
        static_cast<ssize_t>(line.size())) {
      break;
    }
  }
  close(fd);
}

std::vector<int> OpenFds() {
  std::vector<int> fds;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return fds;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != dirfd(d)) fds.push_back(fd);
  }
  closedir(d);
  return fds;
}

int VisibleProcs() {
  int n = 0;
  DIR* d = opendir("/proc");
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9') ++n;
  }
  closedir(d);
  return n;
}

std::vector<std::string> Interfaces() {
  std::vector<std::string> names;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return names;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (std::find(names.begin(), names.end(), a->ifa_name) == names.end()) {
      names.push_back(a->ifa_name);
    }
  }
  freeifaddrs(list);
  return names;
}

std::vector<std::string> Environment() {
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) vars.push_back(*e);
  return vars;
}

std::vector<std::string> DevEntries() {
  std::vector<std::string> names;
  DIR* d = opendir("/dev");
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// FAKE_CONNECT: the reply from HOST:PORT to "ping", or "error: ...".
std::string Exchange(const std::string& address) {
  const size_t colon = address.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(
      static_cast<uint16_t>(std::atoi(address.substr(colon + 1).c_str())));
  if (colon == std::string::npos ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) !=
          1) {
    return "error: bad address";
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string error = std::string("error: ") + strerror(errno);
    close(fd);
    return error;
  }
  std::string reply;
  if (send(fd, "ping", 4, MSG_NOSIGNAL) == 4) {
    shutdown(fd, SHUT_WR);
    char buf[256];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
      reply.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return reply;
}

nlohmann::json Exchanges(const std::string& list) {
  nlohmann::json out = nlohmann::json::object();
  std::stringstream in(list);
  for (std::string address; std::getline(in, address, ',');) {
    if (!address.empty()) out[address] = Exchange(address);
  }
  return out;
}

// Whether `path` opens with `flags`: "ok" or strerror.
std::string TryOpen(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  close(fd);
  return "ok";
}

nlohmann::json Probes(const std::string& list) {
  nlohmann::json out = nlohmann::json::object();
  std::stringstream in(list);
  for (std::string path; std::getline(in, path, ',');) {
    if (path.empty()) continue;
    out[path] = {{"read", TryOpen(path, O_RDONLY)},
                 {"write", TryOpen(path, O_WRONLY | O_APPEND)}};
  }
  return out;
}

// /proc/self/uid_map with runs of blanks collapsed to one space.
std::string UidMap() {
  std::ifstream in("/proc/self/uid_map");
  std::string out;
  for (std::string word; in >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

void WriteReport(const std::string& dir, const std::string& connect,
                 const std::string& probe) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::stringstream cgroup;
  {
    std::ifstream cg("/proc/self/cgroup");
    cgroup << cg.rdbuf();
  }
  nlohmann::json report = {{"pid", getpid()},
                           {"hostname", host},
                           {"cgroup", cgroup.str()},
                           {"fds", OpenFds()},
                           {"visibleProcs", VisibleProcs()},
                           {"interfaces", Interfaces()},
                           {"env", Environment()},
                           {"dev", DevEntries()},
                           {"connect", Exchanges(connect)},
                           {"probe", Probes(probe)},
                           {"uidMap", UidMap()},
                           {"uid", getuid()}};
  {
    std::ifstream hosts("/etc/hosts");
    std::stringstream text;
    text << hosts.rdbuf();
    report["hosts"] = text.str();
  }
  (void)kiln::WriteJsonFileAtomically(dir + "/report.json", report);
}

// Allocates and touches `mib` MiB, one MiB at a time (never freed). The
// blocks are kept in a global so the compiler cannot drop the unused
// allocations (clang does, at -O1 and above).
std::vector<char*>* const g_blocks = new std::vector<char*>();
void Allocate(int64_t mib) {
  for (int64_t i = 0; i < mib; ++i) {
    char* block = static_cast<char*>(std::malloc(1 << 20));
    if (block == nullptr) return;
    std::memset(block, static_cast<int>(i), 1 << 20);
    g_blocks->push_back(block);
  }
}

void Finish(const std::string& dir, bool succeeded, const std::string& reason,
            const std::string& message, const std::string& image_ref) {
  kiln::AgentResult result;
  result.succeeded = succeeded;
  result.reason = reason;
  result.message = message;
  result.image_ref = image_ref;
  if (succeeded) result.image_digest = "sha256:fake";
  if (reason == "BuildError") result.step = "STEP 1/1: FAKE";
  (void)kiln::WriteJsonFileAtomically(dir + "/" + kiln::kAgentResultFile,
                                      kiln::AgentResultToJson(result));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--work-dir") {
    std::cerr << "usage: fake_agent --work-dir DIR\n";
    return 2;
  }
  const std::string dir = argv[2];
  struct sigaction sa = {};
  sa.sa_handler = OnTerm;
  sigaction(SIGTERM, &sa, nullptr);

  auto job_json = kiln::ReadJsonFile(dir + "/" + kiln::kAgentJobFile);
  if (!job_json.ok()) {
    std::cerr << job_json.status().ToString() << "\n";
    return 3;
  }
  auto job = kiln::AgentJobFromJson(*job_json);
  if (!job.ok()) {
    std::cerr << job.status().ToString() << "\n";
    return 3;
  }
  AppendLog(*job, "started pid " + std::to_string(getpid()));
  (void)kiln::WriteJsonFileAtomically(
      dir + "/" + kiln::kAgentProgressFile,
      kiln::AgentProgressToJson({"Building", "STEP 1/1: FAKE"}));
  if (Arg(*job, "FAKE_REPORT", "") == "1") {
    WriteReport(dir, Arg(*job, "FAKE_CONNECT", ""),
                Arg(*job, "FAKE_PROBE", ""));
  }
  Allocate(std::atoll(Arg(*job, "FAKE_ALLOC_MB", "0").c_str()));

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::atoll(
                            Arg(*job, "FAKE_SLEEP_MS", "0").c_str()));
  while (std::chrono::steady_clock::now() < deadline && !g_terminated) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string wait_for = Arg(*job, "FAKE_WAIT_FOR", "");
  while (!wait_for.empty() && access(wait_for.c_str(), F_OK) != 0 &&
         !g_terminated) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  WriteTimedLines(*job, std::atoll(Arg(*job, "FAKE_LOG_LINES", "0").c_str()),
                  std::chrono::milliseconds(std::atoll(
                      Arg(*job, "FAKE_LOG_INTERVAL_MS", "0").c_str())));
  if (g_terminated) {
    AppendLog(*job, "SIGTERM");
    Finish(dir, false, "Cancelled", "terminated by SIGTERM", "");
    return 0;
  }
  const std::string mode = Arg(*job, "FAKE_RESULT", "ok");
  if (mode == "ok") {
    Finish(dir, true, "", "", job->image);
  } else if (mode == "fail") {
    Finish(dir, false, "BuildError", "fake failure", "");
  }
  AppendLog(*job, "done");
  return std::atoi(
      Arg(*job, "FAKE_EXIT_CODE", mode == "none" ? "1" : "0").c_str());
}
