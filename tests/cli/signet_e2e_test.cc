// The story of issue 7, end to end, with the real `signet` and `signetd`
// binaries on loopback and real corpus recordings:
//   an artist makes a key, registers, registers a catalogue with terms that
//   deny generative training (and the re-run duplicates nothing); an AI company
//   checks a folder mixing registered recordings (a copy, an MP3 re-encode, a
//   cut) and unrelated ones and gets the right verdict per file and exit 3; a
//   second artist registers the same recording, which `match` and `check`
//   show as disputed; the artist changes the terms and `terms show --at`
//   returns the old and the new state.
// Plus: 100k synthetic fingerprints streamed through POST /v1/check with the
// CLI's client library, with bounded memory.
// gcc 12 reports a false -Wmaybe-uninitialized inside <regex> at -O2 with the
// sanitizers; the test's own code is not affected.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "tests/fingerprint/audio_test_util.h"
#include "tools/signet/client/http_client.h"
#include "tools/signet/csv.h"

namespace signet::cli {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kCorpus = fp::testing::CorpusDir();

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunCommand(const std::vector<std::string>& args) {
  std::string cmd;
  for (const auto& a : args) cmd += fp::testing::ShellQuote(a) + " ";
  fp::testing::CommandResult r = fp::testing::RunCommand(cmd + "2>&1");
  return {r.status, std::move(r.out)};
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Ffmpeg(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"ffmpeg", "-nostdin", "-loglevel", "error", "-y"};
  all.insert(all.end(), args.begin(), args.end());
  RunResult r = RunCommand(all);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// A real signetd on 127.0.0.1 with an ephemeral port and a temp data dir.
class Signetd {
 public:
  explicit Signetd(const fs::path& dir) : log_(dir / "signetd.log") {
    fs::create_directories(dir / "data");
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log_.c_str(), "w", stdout);
      (void)f;
      dup2(fileno(stdout), fileno(stderr));
      const std::string data = (dir / "data").string();
      execl(SIGNETD_BIN, SIGNETD_BIN, "--data", data.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::regex listen_re(R"(127\.0\.0\.1:([0-9]+))");
    for (int i = 0; i < 600 && url_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::smatch m;
      const std::string log = ReadFile(log_);
      if (std::regex_search(log, m, listen_re) && m[1] != "0")
        url_ = "http://127.0.0.1:" + m[1].str();
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;
    }
  }
  ~Signetd() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }
  const std::string& url() const { return url_; }
  std::string log() const { return ReadFile(log_); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  std::string url_;
};

class SignetE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::random_device rd;
    dir_ = new fs::path(fs::temp_directory_path() / ("signet_e2e_" + std::to_string(rd())));
    fs::create_directories(*dir_);
    server_ = new Signetd(*dir_ / "server");
  }

  // The recordings, made only for the tests that use them (CTest runs each
  // test in its own process).
  static void MakeRecordings() {
    if (fs::exists(*dir_ / "loyalists_by_someone_else.mp3")) return;
    ASSERT_TRUE(fs::exists(kCorpus / "loyalists.ogg")) << "install wesnoth-1.16-music";
    fs::create_directories(*dir_ / "catalogue");
    fs::create_directories(*dir_ / "dataset" / "more");
    const fs::path& d = *dir_;
    // The artist's recordings: 40 s of three corpus tracks.
    for (const char* name : {"loyalists", "northerners", "wanderer"}) {
      Ffmpeg({"-ss", "20", "-t", "40", "-i", (kCorpus / (std::string(name) + ".ogg")).string(),
              "-c:a", "libvorbis", "-q:a", "4",
              (d / "catalogue" / (std::string(name) + ".ogg")).string()});
    }
    // The dataset: a byte copy, an MP3 re-encode, a 12 s cut, two unrelated recordings.
    fs::copy_file(d / "catalogue" / "loyalists.ogg", d / "dataset" / "copy_of_loyalists.ogg");
    Ffmpeg({"-i", (d / "catalogue" / "northerners.ogg").string(), "-c:a", "libmp3lame", "-b:a",
            "64k", (d / "dataset" / "northerners_64k.mp3").string()});
    Ffmpeg({"-ss", "15", "-t", "12", "-i", (d / "catalogue" / "wanderer.ogg").string(),
            (d / "dataset" / "more" / "wanderer_excerpt.wav").string()});
    for (const char* name : {"heroes_rite", "traveling_minstrels"}) {
      Ffmpeg({"-ss", "30", "-t", "30", "-i", (kCorpus / (std::string(name) + ".ogg")).string(),
              "-c:a", "libmp3lame", "-b:a", "128k",
              (d / "dataset" / "more" / (std::string(name) + ".mp3")).string()});
    }
    // A second artist's copy of the first recording.
    Ffmpeg({"-i", (d / "catalogue" / "loyalists.ogg").string(), "-c:a", "libmp3lame", "-b:a",
            "128k", (d / "loyalists_by_someone_else.mp3").string()});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  static RunResult Signet(std::vector<std::string> args) {
    args.insert(args.begin(), SIGNET_CLI_BIN);
    return RunCommand(args);
  }
  static std::string P(const std::string& rel) { return (*dir_ / rel).string(); }

  static fs::path* dir_;
  static Signetd* server_;
};
fs::path* SignetE2ETest::dir_ = nullptr;
Signetd* SignetE2ETest::server_ = nullptr;

// path (relative to dataset/) -> the CSV row of the check report.
std::map<std::string, CsvRow> ReadReport(const fs::path& csv, const fs::path& base) {
  std::map<std::string, CsvRow> out;
  auto rows = ParseCsv(ReadFile(csv));
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok() || rows->empty()) return out;
  EXPECT_EQ((*rows)[0],
            (CsvRow{"path", "verdict", "reason", "works", "artists", "titles", "disputes"}));
  for (std::size_t i = 1; i < rows->size(); ++i) {
    out[fs::path((*rows)[i][0]).lexically_relative(base).string()] = (*rows)[i];
  }
  return out;
}

std::string WorkIdOf(const std::string& register_output, const std::string& file) {
  // "[i/n] PATH: registered wk_..." (plain lines when not on a terminal)
  std::regex re(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                R"(: (?:already )?registered (wk_[0-9a-f]{32}))");
  std::smatch m;
  return std::regex_search(register_output, m, re) ? m[1].str() : "";
}

TEST_F(SignetE2ETest, TheWholeStory) {
  ASSERT_FALSE(server_->url().empty()) << "signetd did not start:\n" << server_->log();
  ASSERT_NO_FATAL_FAILURE(MakeRecordings());
  const std::string url = server_->url();

  // 1. The artist makes a key and registers.
  RunResult keygen = Signet({"keygen", "--out", P("ada.key")});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.output;
  RunResult reg_artist = Signet(
      {"artist", "register", "--server", url, "--key", P("ada.key"), "--name", "Ada Lovelace"});
  ASSERT_EQ(reg_artist.exit_code, 0) << reg_artist.output;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(reg_artist.output, m, std::regex("registered artist (ar_[a-z2-7]+)")))
      << reg_artist.output;
  const std::string ada = m[1];
  EXPECT_EQ(ReadFile(P("ada.key.artist")), ada + "\n");
  // Registering again changes nothing and is not an error.
  RunResult again = Signet(
      {"artist", "register", "--server", url, "--key", P("ada.key"), "--name", "Ada Lovelace"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already registered"), std::string::npos) << again.output;

  // 2. The catalogue, with terms denying generative training and a CSV.
  std::ofstream(P("no-genai.json")) << R"({"ai_generative_training": "notAllowed"})";
  std::ofstream(P("catalogue.csv"))
      << "path,title,isrc,credits\n"
      << "catalogue/loyalists.ogg,Loyalists,GBAYE0601498,\"Ada Lovelace:composer;Bo:performer\"\n"
      << "catalogue/northerners.ogg,\"Northerners, live\",,Ada Lovelace:composer\n";
  const std::vector<std::string> register_args = {"register",
                                                  "--server",
                                                  url,
                                                  "--key",
                                                  P("ada.key"),
                                                  "--terms",
                                                  P("no-genai.json"),
                                                  "--metadata",
                                                  P("catalogue.csv"),
                                                  "--lines",
                                                  P("catalogue")};
  RunResult reg = Signet(register_args);
  ASSERT_EQ(reg.exit_code, 0) << reg.output;
  EXPECT_NE(reg.output.find("3 files: 3 registered, 0 already registered, 0 disputed, 0 failed"),
            std::string::npos)
      << reg.output;
  const std::string loyalists = WorkIdOf(reg.output, P("catalogue/loyalists.ogg"));
  const std::string northerners = WorkIdOf(reg.output, P("catalogue/northerners.ogg"));
  ASSERT_FALSE(loyalists.empty()) << reg.output;
  ASSERT_FALSE(northerners.empty()) << reg.output;

  // Re-running (e.g. after an interruption) duplicates nothing, with or without the journal.
  RunResult rerun = Signet(register_args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("3 files: 0 registered, 3 already registered"), std::string::npos)
      << rerun.output;
  fs::remove(P("ada.key.journal"));
  RunResult rerun2 = Signet(register_args);
  ASSERT_EQ(rerun2.exit_code, 0) << rerun2.output;
  EXPECT_NE(rerun2.output.find("3 files: 0 registered, 3 already registered"), std::string::npos)
      << rerun2.output;

  // The registry kept the CSV's metadata.
  client::HttpClient http(*client::ParseServerUrl(url));
  auto work = http.Get("/v1/works/" + northerners);
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  EXPECT_NE(work->find("Northerners, live"), std::string::npos) << *work;
  EXPECT_NE(ReadFile(P("no-genai.json")).size(), 0u);

  const std::string before_change = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    char buf[32];
    std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    return std::string(buf);
  }();

  // 3. The AI company checks a dataset.
  RunResult check = Signet({"check", "--server", url, "--purpose", "ai_generative_training",
                            "--csv", P("report.csv"), "--lines", P("dataset")});
  EXPECT_EQ(check.exit_code, 3) << check.output;
  auto report = ReadReport(P("report.csv"), P("dataset"));
  ASSERT_EQ(report.size(), 5u) << check.output;
  EXPECT_EQ(report["copy_of_loyalists.ogg"][1], "notAllowed") << check.output;
  EXPECT_EQ(report["copy_of_loyalists.ogg"][3], loyalists);
  EXPECT_EQ(report["northerners_64k.mp3"][1], "notAllowed") << check.output;
  EXPECT_EQ(report["northerners_64k.mp3"][3], northerners);
  EXPECT_EQ(report["more/wanderer_excerpt.wav"][1], "notAllowed") << check.output;
  EXPECT_EQ(report["more/heroes_rite.mp3"][1], "unregistered") << check.output;
  EXPECT_EQ(report["more/traveling_minstrels.mp3"][1], "unregistered") << check.output;
  // The registry's answer is kept verbatim as evidence: its last line is a
  // receipt over the SHA-256 of every line before it.
  {
    const std::string answers = ReadFile(P("report.csv.answers.ndjson"));
    ASSERT_FALSE(answers.empty());
    const std::size_t last = answers.rfind('\n', answers.size() - 2);
    ASSERT_NE(last, std::string::npos);
    const std::string body = answers.substr(0, last + 1);
    const json::value summary = json::parse(answers.substr(last + 1));
    const crypto::Digest d = crypto::Sha256(body);
    EXPECT_EQ(std::string(summary.at("receipt").at("answer_sha256").as_string()),
              crypto::Base64Encode(crypto::ByteView(d.data(), d.size())));
    EXPECT_EQ(summary.at("summary").at("items").to_number<int>(), 5);
  }
  // The same dataset for search: nothing reserved it, exit 0.
  RunResult search = Signet({"check", "--server", url, "--purpose", "search", "-q", P("dataset")});
  EXPECT_EQ(search.exit_code, 0) << search.output;

  // 4. A second artist registers the same recording: a dispute.
  ASSERT_EQ(Signet({"keygen", "--out", P("bo.key")}).exit_code, 0);
  RunResult bo =
      Signet({"artist", "register", "--server", url, "--key", P("bo.key"), "--name", "Bo"});
  ASSERT_EQ(bo.exit_code, 0) << bo.output;
  RunResult bo_reg = Signet({"register", "--server", url, "--key", P("bo.key"), "--lines",
                             P("loyalists_by_someone_else.mp3")});
  ASSERT_EQ(bo_reg.exit_code, 0) << bo_reg.output;
  EXPECT_NE(bo_reg.output.find("1 registered, 0 already registered, 1 disputed"), std::string::npos)
      << bo_reg.output;
  RunResult match = Signet({"match", "--server", url, P("dataset/copy_of_loyalists.ogg")});
  ASSERT_EQ(match.exit_code, 0) << match.output;
  EXPECT_NE(match.output.find("DISPUTED"), std::string::npos) << match.output;
  EXPECT_NE(match.output.find(loyalists), std::string::npos) << match.output;
  EXPECT_NE(match.output.find("Ada Lovelace"), std::string::npos) << match.output;
  RunResult match_local =
      Signet({"match", "--server", url, "--local", P("dataset/northerners_64k.mp3")});
  ASSERT_EQ(match_local.exit_code, 0) << match_local.output;
  EXPECT_NE(match_local.output.find(northerners), std::string::npos) << match_local.output;
  EXPECT_NE(match_local.output.find("Northerners, live"), std::string::npos) << match_local.output;
  RunResult match_json =
      Signet({"match", "--server", url, "--json", P("dataset/copy_of_loyalists.ogg")});
  ASSERT_EQ(match_json.exit_code, 0) << match_json.output;
  EXPECT_NO_THROW(json::parse(match_json.output)) << match_json.output;

  RunResult check2 = Signet({"check", "--server", url, "--purpose", "search", "--csv",
                             P("report2.csv"), "-q", P("dataset")});
  EXPECT_EQ(check2.exit_code, 3) << check2.output;
  auto report2 = ReadReport(P("report2.csv"), P("dataset"));
  EXPECT_EQ(report2["copy_of_loyalists.ogg"][1], "disputed") << check2.output;
  EXPECT_FALSE(report2["copy_of_loyalists.ogg"][6].empty());
  EXPECT_EQ(report2["northerners_64k.mp3"][1], "allowed") << check2.output;

  // 5. The artist changes the terms; both states stay visible.
  RunResult set = Signet({"terms", "set", "--server", url, "--key", P("ada.key"), "--work",
                          northerners, "ai_generative_training=allowed"});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  RunResult old_terms =
      Signet({"terms", "show", "--server", url, "--work", northerners, "--at", before_change});
  ASSERT_EQ(old_terms.exit_code, 0) << old_terms.output;
  EXPECT_TRUE(std::regex_search(old_terms.output, std::regex("ai_generative_training +notAllowed")))
      << old_terms.output;
  RunResult new_terms = Signet({"terms", "show", "--server", url, "--work", northerners});
  ASSERT_EQ(new_terms.exit_code, 0) << new_terms.output;
  EXPECT_TRUE(std::regex_search(new_terms.output, std::regex("ai_generative_training +allowed")))
      << new_terms.output;
  RunResult export_aipref =
      Signet({"terms", "show", "--server", url, "--work", loyalists, "--format", "aipref"});
  EXPECT_EQ(export_aipref.exit_code, 0) << export_aipref.output;
  // draft-ietf-aipref-vocab-08 has train-ai (generative training) and search only.
  EXPECT_EQ(export_aipref.output, "train-ai=n\n");
  RunResult export_tdmrep = Signet({"terms", "show", "--server", url, "--work", loyalists,
                                    "--format", "tdmrep", "--location", "/music/loyalists.flac"});
  EXPECT_EQ(export_tdmrep.exit_code, 0) << export_tdmrep.output;
  EXPECT_NE(export_tdmrep.output.find(R"("location":"/music/loyalists.flac","tdm-reservation":1,)"
                                      R"("tdm-policy":"http://)"),
            std::string::npos)
      << export_tdmrep.output;
}

TEST_F(SignetE2ETest, ErrorsSayWhatToDo) {
  ASSERT_FALSE(server_->url().empty()) << server_->log();
  ASSERT_NO_FATAL_FAILURE(MakeRecordings());
  RunResult refused = Signet({"check", "--server", "http://127.0.0.1:1", "--purpose", "ai_training",
                              P("dataset/more/heroes_rite.mp3")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("connection refused (is signetd running?)"), std::string::npos)
      << refused.output;
  RunResult bad_purpose =
      Signet({"check", "--server", server_->url(), "--purpose", "training", P("dataset")});
  EXPECT_EQ(bad_purpose.exit_code, 1);
  EXPECT_NE(bad_purpose.output.find("unknown purpose 'training'"), std::string::npos);
  // A file that is not audio is an error row, not a crash; exit 1 without verdicts that block.
  std::ofstream(P("notes.txt")) << "not audio";
  RunResult not_audio =
      Signet({"check", "--server", server_->url(), "--purpose", "ai_training", "--csv",
              P("errors.csv"), "-q", P("notes.txt"), P("dataset/more/heroes_rite.mp3")});
  EXPECT_EQ(not_audio.exit_code, 1) << not_audio.output;
  auto rows = ReadReport(P("errors.csv"), *dir_);
  EXPECT_EQ(rows["notes.txt"][1], "error") << not_audio.output;
  EXPECT_FALSE(rows["notes.txt"][2].empty());
  EXPECT_EQ(rows["dataset/more/heroes_rite.mp3"][1], "unregistered") << not_audio.output;
  ASSERT_EQ(Signet({"keygen", "--out", P("nobody.key")}).exit_code, 0);
  RunResult unregistered =
      Signet({"register", "--server", server_->url(), "--key", P("nobody.key"), P("catalogue")});
  EXPECT_EQ(unregistered.exit_code, 1);
  EXPECT_NE(unregistered.output.find("signet artist register"), std::string::npos)
      << unregistered.output;
}

// A file whose ISRC tag is malformed is still registered: the registry names
// the field ("field": "isrc" in its problem answer) and register retries
// without the tag, saying so.
TEST_F(SignetE2ETest, AMalformedIsrcTagIsDroppedNotFatal) {
  ASSERT_FALSE(server_->url().empty()) << server_->log();
  ASSERT_TRUE(fs::exists(kCorpus / "knolls.ogg")) << "install wesnoth-1.16-music";
  fs::create_directories(P("tagged"));
  Ffmpeg({"-ss", "10", "-t", "20", "-i", (kCorpus / "knolls.ogg").string(), "-c:a", "libvorbis",
          "-metadata", "ISRC=NOT-AN-ISRC", "-metadata", "title=Knolls", P("tagged/knolls.ogg")});
  ASSERT_EQ(Signet({"keygen", "--out", P("cleo.key")}).exit_code, 0);
  ASSERT_EQ(Signet({"artist", "register", "--server", server_->url(), "--key", P("cleo.key"),
                    "--name", "Cleo"})
                .exit_code,
            0);
  RunResult reg = Signet(
      {"register", "--server", server_->url(), "--key", P("cleo.key"), "--lines", P("tagged")});
  EXPECT_EQ(reg.exit_code, 0) << reg.output;
  EXPECT_NE(reg.output.find("ignoring the file's ISRC tag 'NOT-AN-ISRC'"), std::string::npos)
      << reg.output;
  EXPECT_NE(reg.output.find("1 registered"), std::string::npos) << reg.output;
}

// 100k items through POST /v1/check with the CLI's streaming call: every item
// is answered (keepalive lines in between are skipped), and the client's
// memory does not grow with the stream.
TEST_F(SignetE2ETest, StreamsAHundredThousandItems) {
  ASSERT_FALSE(server_->url().empty()) << server_->log();
  const long items = kSanitized ? 20'000 : 100'000;
  client::ClientOptions options;
  options.ndjson_keepalive = std::chrono::milliseconds(20);  // exercised by a pause below
  client::HttpClient http(*client::ParseServerUrl(server_->url()), options);
  long answered = 0;
  double summary_items = -1;
  std::map<std::string, long> verdicts;
  auto call =
      http.OpenNdjson("/v1/check?purpose=ai_generative_training", [&](std::string_view line) {
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        if (ec || !v.is_object()) return Status::Internal(std::string(line));
        const json::object& o = v.as_object();
        if (const json::value* s = o.if_contains("summary"); s && s->is_object()) {
          if (const json::value* n = s->as_object().if_contains("items"); n && n->is_number()) {
            summary_items = n->to_number<double>();
          }
          return Status::Ok();
        }
        ++answered;
        if (auto* vd = o.if_contains("verdict"); vd && vd->is_string()) {
          ++verdicts[std::string(vd->get_string())];
        }
        return Status::Ok();
      });
  std::mt19937 rng(42);
  rusage ru{};
  long rss_at_1k = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < items; ++i) {
    // 10 s of random sub-fingerprints: matches nothing registered.
    json::array fp;
    for (int k = 0; k < 81; ++k) fp.emplace_back(static_cast<std::uint32_t>(rng()));
    json::object item{{"id", std::to_string(i)}, {"fingerprint", std::move(fp)}};
    Status s = call->Send(json::serialize(item));
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (i == 10) {
      // Like a long file at the head of the pipeline: keepalive lines flow,
      // and the server must skip them.
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    if (i == 1000) {
      getrusage(RUSAGE_SELF, &ru);
      rss_at_1k = ru.ru_maxrss;
    }
  }
  Status done = call->Finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(done.ok()) << done.ToString();
  getrusage(RUSAGE_SELF, &ru);
  EXPECT_EQ(answered, items);
  EXPECT_EQ(summary_items, static_cast<double>(items));
  EXPECT_EQ(verdicts["unregistered"], items);
  // Peak RSS may grow by a few MB of allocator slack, never with the stream.
  // Under AddressSanitizer freed memory sits in its quarantine (256 MB by
  // default), so RSS says nothing about our bound there.
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(ru.ru_maxrss - rss_at_1k, 32 * 1024) << "KiB";
#endif
  std::printf(
      "streamed %ld check items in %.1f s (%.0f items/s); client max RSS %ld KiB "
      "(%ld KiB after 1k items)\n",
      items, secs, static_cast<double>(items) / secs, ru.ru_maxrss, rss_at_1k);
}

}  // namespace
}  // namespace signet::cli
