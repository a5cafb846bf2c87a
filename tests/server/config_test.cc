#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace signet::server {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

Result<LoadedConfig> Load(std::vector<const char*> args, const Env& env = {}) {
  args.insert(args.begin(), "signetd");
  return LoadConfig(static_cast<int>(args.size()), args.data(), env.fn());
}

TEST(ConfigTest, DefaultsMatchTheDocumentedOnes) {
  auto c = Load({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->config.data_dir, "./data");
  EXPECT_EQ(c->config.listen_host, "127.0.0.1");
  EXPECT_EQ(c->config.listen_port, 8080);
}

// The example shipped in deploy/ (installed by deploy/signetd.service) loads
// as it is and says what it claims.
TEST(ConfigTest, TheShippedExampleConfigLoads) {
  const std::string path = std::string(SIGNET_SOURCE_DIR) + "/deploy/signetd.conf";
  auto c = Load({"--config", path.c_str()});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config.data_dir, "/var/lib/signet");
  EXPECT_EQ(c->config.listen_port, 8080);
  EXPECT_EQ(c->config.log_origin, "registry.example.org/log");
}

TEST(ConfigTest, FileThenEnvironmentThenFlags) {
  auto path = std::filesystem::temp_directory_path() / "signetd_config_test.conf";
  {
    std::ofstream f(path);
    f << "# comment\nio_threads = 3\nworker_threads=5\nlisten = 0.0.0.0:9000\nrate_limit = 7 # "
         "r/s\n";
  }
  Env env{{{"SIGNET_WORKER_THREADS", "6"}, {"SIGNET_DATA", "/srv/signet"}}};
  auto c =
      Load({"--config", path.c_str(), "--listen", "[::1]:0", "--set", "max_audio_seconds=60"}, env);
  std::filesystem::remove(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config.server.io_threads, 3);      // file
  EXPECT_EQ(c->config.server.worker_threads, 6);  // environment beats file
  EXPECT_EQ(c->config.data_dir, "/srv/signet");
  EXPECT_EQ(c->config.listen_host, "::1");  // flag beats file
  EXPECT_EQ(c->config.listen_port, 0);
  EXPECT_EQ(c->config.server.rate.requests_per_second, 7);
  EXPECT_EQ(c->config.api.max_audio_seconds, 60);
}

TEST(ConfigTest, WitnessesAreRepeatedLinesAndTheQuorumFitsThem) {
  auto key1 = crypto::cosig::CosignatureVerifier::Create(
      "w1.test", crypto::cosig::CosignatureVerifier::Parse(
                     "witness.test/w1+a67560cf+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4")
                     ->public_key());
  ASSERT_TRUE(key1.ok());
  auto key2 = crypto::cosig::CosignatureVerifier::Create("w2.test", crypto::PublicKey{1});
  ASSERT_TRUE(key2.ok());
  auto path = std::filesystem::temp_directory_path() / "signetd_witness_config_test.conf";
  {
    std::ofstream f(path);
    f << "witness = one " << key1->ToText() << " http://127.0.0.1:9001\n"
      << "witness = two " << key2->ToText() << " http://127.0.0.1:9002/prefix\n"
      << "witness_quorum = 2\ncheckpoint_interval_ms = 500\n";
  }
  auto c = Load({"--config", path.c_str()});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->config.witnessing.witnesses.size(), 2u);
  EXPECT_EQ(c->config.witnessing.witnesses[1].name, "two");
  EXPECT_EQ(c->config.witnessing.witnesses[1].url, "http://127.0.0.1:9002/prefix");
  EXPECT_EQ(c->config.witnessing.quorum, 2u);
  EXPECT_EQ(c->config.witnessing.interval, std::chrono::milliseconds(500));

  auto too_many = Load({"--config", path.c_str(), "--set", "witness_quorum=3"});
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("only 2 witnesses"), std::string::npos);
  const std::string again = "witness=one " + key1->ToText() + " http://127.0.0.1:9003";
  auto twice = Load({"--config", path.c_str(), "--set", again.c_str()});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("configured twice"), std::string::npos);
  // A log key (0x01) is not a witness key (0x04).
  auto wrong =
      Load({"--set",
            "witness=x signet.test/log+fd1ed69e+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4 "
            "http://h:1"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("cosignature/v1 verifier key"), std::string::npos)
      << wrong.status().message();
  std::filesystem::remove(path);
}

TEST(ConfigTest, SpeedVariantsAreAListOrOff) {
  auto c = Load({"--set", "speed_variants=0.97,1.03", "--set", "speed_variant_seconds=30"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config.api.speed_variants, (std::vector<double>{0.97, 1.03}));
  EXPECT_EQ(c->config.api.speed_variant_seconds, 30);
  auto off = Load({"--set", "speed_variants=off"});
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->config.api.speed_variants.empty());
  EXPECT_EQ(Load({}).value().config.api.speed_variants.size(), 12u);
  for (const char* bad : {"speed_variants=1.0", "speed_variants=0.97,,1.03", "speed_variants=2",
                          "speed_variants=fast", "speed_variants="}) {
    auto r = Load({"--set", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("speed_variants"), std::string::npos) << bad;
  }
}

TEST(ConfigTest, MistakesNameWhatIsWrong) {
  auto bad_port = Load({"--listen", "127.0.0.1:99999"});
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.status().message().find("listen port"), std::string::npos);
  Env env{{{"SIGNET_IO_THREADS", "many"}}};
  auto bad_env = Load({}, env);
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("SIGNET_IO_THREADS"), std::string::npos);
  auto unknown = Load({"--set", "colour=blue"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos);
  EXPECT_FALSE(Load({"--frobnicate"}).ok());
  EXPECT_FALSE(Load({"--config", "/nonexistent/signetd.conf"}).ok());
  auto help = Load({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_NE(help->help.find("max_connections"), std::string::npos);
  auto bad_proxy = Load({"--set", "trusted_proxies=10.0.0.0/40"});
  ASSERT_FALSE(bad_proxy.ok());
  EXPECT_NE(bad_proxy.status().message().find("trusted_proxies"), std::string::npos);
}

TEST(ConfigTest, ProtectiveLimitsAreOnByDefault) {
  auto c = Load({});
  ASSERT_TRUE(c.ok());
  const ServerOptions& s = c->config.server;
  EXPECT_EQ(s.rate.max_connections_per_client, 256u);
  EXPECT_EQ(s.rate.requests_per_second, 1000);
  EXPECT_EQ(s.rate.max_streams_per_client, 2u);
  EXPECT_EQ(s.max_body_memory, 256u << 20);
  EXPECT_TRUE(s.trusted_proxies.empty());
  EXPECT_EQ(c->config.api.check_item_timeout, std::chrono::seconds(120));
  EXPECT_EQ(c->config.api.check_max_duration, std::chrono::hours(6));
  auto set =
      Load({"--set", "trusted_proxies=10.0.0.0/8,::1", "--set", "check_item_timeout_ms=5000"});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_TRUE(set->config.server.trusted_proxies.Contains("10.1.2.3"));
  EXPECT_EQ(set->config.api.check_item_timeout, std::chrono::seconds(5));
}

}  // namespace
}  // namespace signet::server
