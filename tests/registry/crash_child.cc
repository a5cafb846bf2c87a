// Helper for crash_test.cc: opens the registry in argv[1] and submits signed
// statements from several threads forever, printing "<artist> <seq>\n" to
// stdout after each acknowledgement, until it is killed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "registry/registry.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

constexpr int kArtists = 4;

int Run(const char* dir) {
  RegistryOptions o;
  o.log_origin = "signet.test/crash";
  o.server_key = std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(222));
  auto reg = Registry::Open(dir, std::move(o));
  if (!reg.ok()) {
    std::fprintf(stderr, "open: %s\n", reg.status().ToString().c_str());
    return 2;
  }
  std::vector<std::thread> threads;
  for (int a = 0; a < kArtists; ++a) {
    threads.emplace_back([&, a] {
      auto artist = testing::TestArtist::FromSeedByte(static_cast<std::uint8_t>(a + 1), "Crash");
      auto existing = (*reg)->GetArtist(artist.id());
      if (existing.ok()) artist.set_last_seq(existing->last_seq);
      for (;;) {
        std::string env;
        if (artist.last_seq() == 0) {
          env = artist.Register();
        } else {
          testing::WorkSpec spec;
          spec.values = testing::RandomFingerprint(
              static_cast<std::uint64_t>(a) * 1000000 + artist.last_seq() + 1, 40);
          env = artist.RegisterWork(spec);
        }
        auto r = (*reg)->Submit(env);
        if (!r.ok()) {
          std::fprintf(stderr, "submit: %s\n", r.status().ToString().c_str());
          std::_Exit(3);
        }
        const std::string line = std::to_string(a) + " " + std::to_string(artist.last_seq()) + "\n";
        if (write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(4);
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace
}  // namespace signet::registry

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 1;
  }
  return signet::registry::Run(argv[1]);
}
