// `signet --server https://...` end to end: the real `signet` binary talks to a
// real signetd through a TLS-terminating proxy on 127.0.0.1 (tls_proxy.h)
// whose certificate is signed by a throwaway CA made here with the openssl
// CLI. With --ca-file (or SIGNET_CA_FILE) every kind of call works: plain
// requests, signed statements, audio uploads and the streamed NDJSON check.
// Without it, with the wrong host name, or against a plain-http server, the
// command fails with exit status 1 and a message that says what is wrong.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "tests/cli/tls_proxy.h"
#include "tests/e2e/signetd_process.h"
#include "tests/fingerprint/audio_test_util.h"

namespace signet::cli {
namespace {
namespace fs = std::filesystem;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunArgs(const std::vector<std::string>& args) {
  std::string cmd;
  for (const auto& a : args) cmd += fp::testing::ShellQuote(a) + " ";
  fp::testing::CommandResult r = fp::testing::RunCommand(cmd + "2>&1");
  return {r.status, std::move(r.out)};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SignetHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(fp::testing::CorpusDir() / "loyalists.ogg"))
        << "install wesnoth-1.16-music";
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("signet_https_" + std::to_string(rd()));
    fs::create_directories(dir_ / "catalogue");
    // A CA, and a server certificate it signs for the address 127.0.0.1 only.
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::ofstream(P("ext")) << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                               "extendedKeyUsage=serverAuth\n";
    for (const std::string& cmd :
         {"openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 2 " +
              "-subj '/CN=Signet test CA' -addext basicConstraints=critical,CA:TRUE " +
              "-addext keyUsage=critical,keyCertSign",
          "openssl req " + ec + " -keyout server.key -out server.csr -subj /CN=127.0.0.1",
          std::string("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
                      "-CAcreateserial -out server.pem -days 2 -extfile ext")}) {
      auto r = fp::testing::RunCommand("cd " + fp::testing::ShellQuote(dir_.string()) + " && " +
                                       cmd + " 2>&1");
      ASSERT_EQ(r.status, 0) << cmd << "\n" << r.out;
    }
    server_ = std::make_unique<testing::SignetdProcess>(SIGNETD_BIN, dir_ / "data");
    ASSERT_TRUE(server_->Start()) << server_->StderrText();
    proxy_ = std::make_unique<testing::TlsProxy>(P("server.pem"), P("server.key"), server_->port());
    https_ = "https://127.0.0.1:" + std::to_string(proxy_->port());
  }
  void TearDown() override {
    proxy_.reset();
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    fs::remove_all(dir_);
  }
  std::string P(const std::string& rel) const { return (dir_ / rel).string(); }
  RunResult Signet(std::vector<std::string> args) const {
    args.insert(args.begin(), SIGNET_CLI_BIN);
    return RunArgs(args);
  }

  fs::path dir_;
  std::unique_ptr<testing::SignetdProcess> server_;
  std::unique_ptr<testing::TlsProxy> proxy_;
  std::string https_;
};

TEST_F(SignetHttpsTest, EveryKindOfCallWorksThroughATlsProxyWithAPrivateCa) {
  ASSERT_EQ(Signet({"keygen", "--out", P("ada.key")}).exit_code, 0);
  RunResult reg = Signet({"artist", "register", "--server", https_, "--ca-file", P("ca.pem"),
                          "--key", P("ada.key"), "--name", "Ada"});
  ASSERT_EQ(reg.exit_code, 0) << reg.output;

  auto ff = RunArgs({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", "20", "-t", "30",
                     "-i", (fp::testing::CorpusDir() / "loyalists.ogg").string(), "-c:a",
                     "libvorbis", P("catalogue/loyalists.ogg")});
  ASSERT_EQ(ff.exit_code, 0) << ff.output;
  std::ofstream(P("no-training.json")) << R"({"ai_training": "notAllowed"})";
  // SIGNET_CA_FILE does what --ca-file does.
  const std::string env = "SIGNET_CA_FILE=" + P("ca.pem");
  RunResult work =
      RunArgs({"env", env, SIGNET_CLI_BIN, "register", "--server", https_, "--key", P("ada.key"),
               "--terms", P("no-training.json"), "--lines", P("catalogue")});
  ASSERT_EQ(work.exit_code, 0) << work.output;
  EXPECT_TRUE(Contains(work.output, "1 files: 1 registered")) << work.output;

  // Audio upload (POST /v1/match) and the streamed NDJSON check.
  RunResult match =
      Signet({"match", "--server", https_, "--ca-file", P("ca.pem"), P("catalogue/loyalists.ogg")});
  EXPECT_EQ(match.exit_code, 0) << match.output;
  EXPECT_TRUE(Contains(match.output, "loyalists")) << match.output;
  RunResult check = Signet({"check", "--server", https_, "--ca-file", P("ca.pem"), "--purpose",
                            "ai_training", "--lines", P("catalogue")});
  EXPECT_EQ(check.exit_code, 3) << check.output;
  EXPECT_TRUE(Contains(check.output, "notAllowed")) << check.output;
  EXPECT_EQ(proxy_->failed_handshakes(), 0);
}

TEST_F(SignetHttpsTest, CertificateErrorsSayWhatIsWrongAndExitOne) {
  // The system's trust store does not hold the throwaway CA.
  RunResult untrusted = Signet({"works", "list", "--server", https_, "--artist", "ar_x"});
  EXPECT_EQ(untrusted.exit_code, 1) << untrusted.output;
  EXPECT_TRUE(Contains(untrusted.output, "the TLS certificate of " + https_ + " is not trusted ("))
      << untrusted.output;
  EXPECT_TRUE(Contains(untrusted.output, "--ca-file")) << untrusted.output;

  // Trusted, but issued for 127.0.0.1, not for "localhost".
  const std::string by_name = "https://localhost:" + std::to_string(proxy_->port());
  RunResult mismatch =
      Signet({"works", "list", "--server", by_name, "--ca-file", P("ca.pem"), "--artist", "ar_x"});
  EXPECT_EQ(mismatch.exit_code, 1) << mismatch.output;
  EXPECT_TRUE(Contains(mismatch.output, "the certificate is for another name than 'localhost'"))
      << mismatch.output;

  // A CA file that is not a certificate.
  RunResult bad_ca =
      Signet({"works", "list", "--server", https_, "--ca-file", P("ext"), "--artist", "ar_x"});
  EXPECT_EQ(bad_ca.exit_code, 1) << bad_ca.output;
  EXPECT_TRUE(Contains(bad_ca.output, "cannot read the CA file " + P("ext"))) << bad_ca.output;
  EXPECT_EQ(proxy_->failed_handshakes(), 2);

  // https:// to a plain HTTP server, which answers the TLS hello with a 400
  // page as nginx or signetd's own proxies do (signetd itself waits for a
  // request head, and the handshake times out after 10 s with the same hint).
  net::io_context ioc;
  tcp::acceptor plain_http(ioc, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  std::thread responder([&] {
    tcp::socket s(ioc);
    plain_http.accept(s);
    char buf[512];
    boost::system::error_code ec;
    s.read_some(net::buffer(buf), ec);
    net::write(s,
               net::buffer(std::string_view("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                            "Connection: close\r\n\r\n")),
               ec);
  });
  const std::string plain =
      "https://127.0.0.1:" + std::to_string(plain_http.local_endpoint().port());
  RunResult not_tls = Signet({"works", "list", "--server", plain, "--artist", "ar_x"});
  EXPECT_EQ(not_tls.exit_code, 1) << not_tls.output;
  EXPECT_TRUE(Contains(not_tls.output, "TLS handshake with " + plain + " failed"))
      << not_tls.output;
  EXPECT_TRUE(Contains(not_tls.output, "a plain signetd is http://")) << not_tls.output;
  responder.join();
}

}  // namespace
}  // namespace signet::cli
