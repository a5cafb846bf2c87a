#include "tests/cluster/loopback_cluster.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace signet::testing {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kScript = fs::path(SIGNET_SOURCE_DIR) / "scripts" / "cluster.sh";

// Runs a shell command line, returning its exit status and output.
int Run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    if (output) output->append(buf.data(), n);
  }
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::unique_ptr<LoopbackCluster> LoopbackCluster::Up(const std::string& name,
                                                     const Options& options, std::string* error) {
  std::unique_ptr<LoopbackCluster> c(new LoopbackCluster());
  c->dir_ =
      fs::temp_directory_path() / ("signet_cluster_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(c->dir_);
  std::string settings;
  for (const auto& s : options.settings) settings += (settings.empty() ? "" : " ") + s;
  std::string command =
      "cd " + Quote(SIGNET_SOURCE_DIR) + " && SIGNET_BUILD=" + Quote(SIGNET_BINARY_DIR) +
      " SIGNET_CLUSTER_NODES=" + std::to_string(options.nodes) +
      " SIGNET_CLUSTER_SHARDS=" + std::to_string(options.shards) +
      " SIGNET_CLUSTER_SHARDS_PER_NODE=" + std::to_string(options.shards_per_node) +
      " SIGNET_CLUSTER_SET=" + Quote(settings) +
      " SIGNET_CLUSTER_WATCH_PID=" + std::to_string(::getpid()) + " " + Quote(kScript.string()) +
      " up " + Quote(c->dir_.string());
  std::string output;
  if (Run(command, &output) != 0 || !c->ReadNodes()) {
    if (error) *error = output;
    return nullptr;  // the destructor brings down whatever did start
  }
  return c;
}

LoopbackCluster::~LoopbackCluster() {
  if (dir_.empty()) return;
  Run(Quote(kScript.string()) + " down " + Quote(dir_.string()), nullptr);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool LoopbackCluster::ReadNodes() {
  std::ifstream in(dir_ / "nodes.json");
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  bj::value v = bj::parse(text.str(), ec);
  if (ec || !v.is_object()) return false;
  // Entry i of "nats" is nats-(i+1), of "signetd" signetd-(i+1) (scripts/cluster.sh).
  auto read = [&](const char* key, const char* prefix, std::vector<Process>& out) {
    out.clear();
    for (const bj::value& p : v.as_object().at(key).as_array()) {
      const bj::object& o = p.as_object();
      out.push_back({prefix + std::to_string(out.size() + 1), std::string(o.at("url").as_string()),
                     static_cast<pid_t>(o.at("pid").to_number<std::int64_t>())});
    }
  };
  read("nats", "nats-", nats_);
  read("signetd", "signetd-", signetd_);
  return nats_.size() == 3 && !signetd_.empty();
}

LoopbackCluster::Process* LoopbackCluster::Find(const std::string& name) {
  for (auto* list : {&nats_, &signetd_}) {
    for (Process& p : *list) {
      if (p.name == name) return &p;
    }
  }
  return nullptr;
}

void LoopbackCluster::Kill(const std::string& name) {
  Process* p = Find(name);
  if (!p || p->pid <= 0) return;
  ::kill(p->pid, SIGKILL);
  // Not our child (cluster.sh started it): wait until it is gone.
  for (int i = 0; i < 200 && Alive(name); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  killed_.push_back(name);
}

bool LoopbackCluster::Alive(const std::string& name) const {
  for (const auto* list : {&nats_, &signetd_}) {
    for (const Process& p : *list) {
      if (p.name != name) continue;
      std::ifstream stat("/proc/" + std::to_string(p.pid) + "/stat");
      std::string pid, comm, state;
      if (!(stat >> pid >> comm >> state)) return false;
      return state != "Z" && std::find(killed_.begin(), killed_.end(), name) == killed_.end();
    }
  }
  return false;
}

bool LoopbackCluster::Start(const std::string& name) {
  std::string output;
  const int rc =
      Run(Quote(kScript.string()) + " start " + Quote(dir_.string()) + " " + name, &output);
  std::erase(killed_, name);
  return rc == 0 && ReadNodes();
}

std::optional<bj::object> LoopbackCluster::Health(std::size_t i) const {
  if (i >= signetd_.size() || !Alive(signetd_[i].name)) return std::nullopt;
  HttpReply r = FetchUrl(signetd_[i].url, "GET", "/healthz");
  if (r.status != 200) return std::nullopt;
  boost::system::error_code ec;
  bj::value v = bj::parse(r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::vector<std::size_t> LoopbackCluster::Sequencers() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < signetd_.size(); ++i) {
    auto h = Health(i);
    if (h && h->at("role").as_string() == "sequencer") out.push_back(i);
  }
  return out;
}

std::optional<std::size_t> LoopbackCluster::WaitForOneSequencer(
    std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto s = Sequencers();
    if (s.size() == 1) return s.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> LoopbackCluster::WaitConverged(
    std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::vector<std::uint64_t> sizes;
    std::uint64_t head = 0;
    for (std::size_t i = 0; i < signetd_.size(); ++i) {
      if (!Alive(signetd_[i].name)) continue;
      auto h = Health(i);
      if (!h) {
        sizes.push_back(~std::uint64_t{0});
        continue;
      }
      sizes.push_back(h->at("log_size").to_number<std::uint64_t>());
      head = std::max(head, h->at("stream_head").to_number<std::uint64_t>());
    }
    if (!sizes.empty() &&
        std::all_of(sizes.begin(), sizes.end(), [&](std::uint64_t s) { return s == head; })) {
      return head;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

std::string LoopbackCluster::LogTail(const std::string& name) const {
  std::ifstream in(dir_ / (name + ".log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 20 ? lines.size() - 20 : 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

}  // namespace signet::testing
