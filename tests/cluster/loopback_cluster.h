// Test support: a real cluster on loopback started by scripts/cluster.sh (3
// nats-server, N signetd), read from DIR/nodes.json, stopped by the
// destructor. cluster.sh also watches this process: if the test dies, the
// cluster goes down by itself, so no process outlives the test.
//
// Thread safety: one owner; the const readers may be called from the load's
// threads.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/server/test_client.h"

namespace signet::testing {

class LoopbackCluster {
 public:
  struct Options {
    int nodes = 4;
    int shards = 2;
    int shards_per_node = 1;
    std::vector<std::string> settings;  // extra signetd "key=value"
  };
  struct Process {
    std::string name;  // nats-1, signetd-2, ...
    std::string url;
    pid_t pid = 0;
  };

  // Starts the cluster in a fresh directory named after `name`; nullptr
  // (with the script's output in *error) when it does not come up.
  static std::unique_ptr<LoopbackCluster> Up(const std::string& name, const Options& options,
                                             std::string* error);
  ~LoopbackCluster();  // scripts/cluster.sh down
  LoopbackCluster(const LoopbackCluster&) = delete;
  LoopbackCluster& operator=(const LoopbackCluster&) = delete;

  const std::vector<Process>& nats() const { return nats_; }
  const std::vector<Process>& signetd() const { return signetd_; }
  const std::filesystem::path& dir() const { return dir_; }

  // SIGKILL and reap; the process is then down until Start.
  void Kill(const std::string& name);
  // scripts/cluster.sh start DIR NAME; true once it serves again.
  bool Start(const std::string& name);
  bool Alive(const std::string& name) const;

  // /healthz of signetd i (0-based), if it answers.
  std::optional<boost::json::object> Health(std::size_t i) const;
  // The live nodes whose /healthz says role "sequencer".
  std::vector<std::size_t> Sequencers() const;
  // Waits until exactly one live node is the sequencer; its index.
  std::optional<std::size_t> WaitForOneSequencer(std::chrono::milliseconds timeout) const;
  // Waits until every live node has applied the same log size (and returns it).
  std::optional<std::uint64_t> WaitConverged(std::chrono::milliseconds timeout) const;
  // The last lines of a process's log, for failure messages.
  std::string LogTail(const std::string& name) const;

 private:
  LoopbackCluster() = default;
  bool ReadNodes();
  Process* Find(const std::string& name);

  std::filesystem::path dir_;
  std::vector<Process> nats_, signetd_;
  std::vector<std::string> killed_;
};

}  // namespace signet::testing
