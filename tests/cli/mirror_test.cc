// signet mirror's verification (tools/signet/mirror.h) against an in-memory
// log that serves tlog-tiles exactly as signetd does, and against the same log
// with one answer tampered with at a time.
#include "tools/signet/mirror.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/merkle.h"
#include "crypto/tiles.h"
#include "registry/testing/statements.h"
#include "tools/signet/statement_auditor.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
namespace tiles = crypto::tiles;
using registry::testing::KeyFromSeedByte;
using registry::testing::RandomFingerprint;
using registry::testing::TestArtist;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("signet_mirror_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A log of real signed statements, serving its checkpoint, hash tiles and
// entry bundles for the size it "published".
class FakeLog {
 public:
  FakeLog() : signer_(crypto::note::Signer::Create("fake.test/log", KeyFromSeedByte(77)).value()) {}

  void Append(std::string entry) {
    entries_.push_back(entry);
    tree_.Append(entry);
  }
  // Appends `n` statements by three artists, one of whom rotates its key.
  void AppendStatements(std::size_t n) {
    while (n > 0) {
      std::string e;
      if (artists_.size() < 3) {
        artists_.push_back(
            TestArtist::FromSeedByte(static_cast<std::uint8_t>(10 + artists_.size()), "Artist"));
        e = artists_.back().Register();
      } else if (entries_.size() == 100) {
        e = artists_[1].RotateKey(KeyFromSeedByte(99));
      } else {
        TestArtist& a = artists_[entries_.size() % 3];
        registry::testing::WorkSpec spec;
        spec.title = "Song " + std::to_string(entries_.size());
        spec.values = RandomFingerprint(entries_.size(), 16);
        e = a.RegisterWork(spec);
      }
      Append(std::move(e));
      --n;
    }
  }
  void Publish() { published_ = entries_.size(); }
  std::string Checkpoint(std::uint64_t size) const {
    return *crypto::SignCheckpoint(
        {"fake.test/log", size, *crypto::merkle::RootHash(size, tree_.Reader()), {}}, signer_);
  }

  Result<std::string> Fetch(std::string_view path) {
    ++fetches_;
    Result<std::string> body = Serve(path);
    if (body.ok() && tamper) tamper(path, *body);
    return body;
  }

  crypto::note::Verifier key() const { return signer_.verifier(); }
  const crypto::note::Signer& signer() const { return signer_; }
  std::vector<TestArtist>& artists() { return artists_; }
  std::uint64_t published() const { return published_; }
  int fetches() const { return fetches_; }
  std::function<void(std::string_view path, std::string& body)> tamper;
  std::string checkpoint_override;

 private:
  Result<std::string> Serve(std::string_view path) {
    if (path == "checkpoint") {
      return checkpoint_override.empty() ? Checkpoint(published_) : checkpoint_override;
    }
    SIGNET_ASSIGN_OR_RETURN(tiles::Tile t, tiles::ParsePath(path));
    if (!tiles::InTree(t, published_)) return Status::NotFound(std::string(path));
    if (!t.entries) return tiles::HashTileData(t, tree_.Reader());
    std::vector<std::string> bundle(entries_.begin() + t.index * 256,
                                    entries_.begin() + t.index * 256 + t.width);
    return tiles::EncodeBundle(bundle);
  }

  crypto::note::Signer signer_;
  std::vector<std::string> entries_;
  crypto::merkle::MemoryTree tree_;
  std::vector<TestArtist> artists_;
  std::uint64_t published_ = 0;
  int fetches_ = 0;
};

Result<MirrorResult> Update(const fs::path& dir, FakeLog& log, bool with_key = true) {
  MirrorOptions o;
  o.dir = dir;
  if (with_key) o.log_key = log.key();
  return UpdateMirror(o, [&log](std::string_view p) { return log.Fetch(p); });
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Mirror, CopiesVerifiesAndResumesIncrementally) {
  TempDir dir;
  FakeLog log;
  log.AppendStatements(300);
  log.Publish();
  Result<MirrorResult> r = Update(dir.path(), log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->old_size, 0u);
  EXPECT_EQ(r->new_size, 300u);
  EXPECT_EQ(r->entries_verified, 300u);
  EXPECT_EQ(r->artists, 3u);
  EXPECT_EQ(r->tiles_verified, 3u) << "tile/0/000, tile/0/001.p/44, tile/1/000.p/1";
  EXPECT_TRUE(fs::exists(dir.path() / "tile/0/000"));
  EXPECT_TRUE(fs::exists(dir.path() / "tile/0/001.p/44"));
  EXPECT_TRUE(fs::exists(dir.path() / "tile/entries/001.p/44"));
  EXPECT_EQ(Slurp(dir.path() / "checkpoint"), log.Checkpoint(300));
  EXPECT_FALSE(fs::exists(dir.path() / ".staging"));

  // Resumes from 300 without the key (pinned) and fetches only the new range.
  log.AppendStatements(400);
  log.Publish();
  const int before = log.fetches();
  r = Update(dir.path(), log, /*with_key=*/false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->old_size, 300u);
  EXPECT_EQ(r->new_size, 700u);
  EXPECT_EQ(r->entries_verified, 400u);
  EXPECT_LE(log.fetches() - before, 1 + 2 + 2 + 1) << "checkpoint, 2 bundles, 2+1 tiles";
  EXPECT_FALSE(fs::exists(dir.path() / "tile/0/001.p/44")) << "superseded partial removed";
  EXPECT_TRUE(fs::exists(dir.path() / "tile/0/001"));
  EXPECT_TRUE(fs::exists(dir.path() / "tile/0/002.p/188"));
  EXPECT_TRUE(fs::exists(dir.path() / "tile/1/000.p/2"));

  // Nothing new: up to date, nothing fetched but the checkpoint.
  r = Update(dir.path(), log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->new_size, r->old_size);

  // The mirror is itself a tlog-tiles log: its tiles give the checkpoint's root.
  auto local = tiles::NodeReaderOverTiles(700, [&](const tiles::Tile& t) -> Result<std::string> {
    return Slurp(dir.path() / tiles::Path(t));
  });
  auto cp = crypto::OpenCheckpoint(Slurp(dir.path() / "checkpoint"), log.key());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(*crypto::merkle::RootHash(700, local), cp->root);
}

TEST(Mirror, TamperedAnswersAreInconsistentAndCommitNothing) {
  struct Case {
    const char* name;
    std::function<void(FakeLog&)> tamper;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"an entry byte changed in a bundle",
       [](FakeLog& l) {
         l.tamper = [](std::string_view p, std::string& b) {
           if (p == "tile/entries/001") b[b.size() / 2] ^= 0x01;
         };
       },
       "INCONSISTENT"},
      {"a hash changed in a level-0 tile",
       [](FakeLog& l) {
         l.tamper = [](std::string_view p, std::string& b) {
           if (p == "tile/0/001") b[40] ^= 0x01;
         };
       },
       "tile/0/001 with hashes that its entries do not make"},
      {"a level-1 tile that does not match",
       [](FakeLog& l) {
         l.tamper = [](std::string_view p, std::string& b) {
           if (p.starts_with("tile/1/")) b[0] ^= 0x01;
         };
       },
       "tile/1/000.p/2"},
      {"a bundle cut short",
       [](FakeLog& l) {
         l.tamper = [](std::string_view p, std::string& b) {
           if (p == "tile/entries/002.p/188") b.resize(b.size() - 3);
         };
       },
       "truncated"},
      {"an entry the mirror holds, rewritten",
       [](FakeLog& l) {
         l.tamper = [](std::string_view p, std::string& b) {
           if (p == "tile/entries/001") b[100] ^= 0x01;
         };
       },
       "other bytes than the mirror verified before"},
      {"a checkpoint smaller than the mirror's (rollback)",
       [](FakeLog& l) { l.checkpoint_override = l.Checkpoint(200); }, "rolled back"},
      {"a checkpoint signed by another key",
       [](FakeLog& l) {
         auto other = crypto::note::Signer::Create("fake.test/log", KeyFromSeedByte(5)).value();
         l.checkpoint_override = *crypto::SignCheckpoint(
             {"fake.test/log", 700, crypto::merkle::LeafHash("x"), {}}, other);
       },
       "no signature by the key"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    FakeLog log;
    // The mirror first holds 300 entries (tile/entries/001.p/44 partial).
    log.AppendStatements(300);
    log.Publish();
    ASSERT_TRUE(Update(dir.path(), log).ok());
    const std::string before = Slurp(dir.path() / "checkpoint");
    log.AppendStatements(400);
    log.Publish();
    c.tamper(log);
    Result<MirrorResult> r = Update(dir.path(), log);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
    EXPECT_EQ(Slurp(dir.path() / "checkpoint"), before) << "the mirror stays at the old checkpoint";
    // Once the log answers honestly again, the same directory catches up.
    log.tamper = nullptr;
    log.checkpoint_override.clear();
    Result<MirrorResult> again = Update(dir.path(), log);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->new_size, 700u);
  }
}

TEST(Mirror, AForkedLogIsRefused) {
  TempDir dir;
  FakeLog log;
  log.AppendStatements(300);
  log.Publish();
  ASSERT_TRUE(Update(dir.path(), log).ok());
  // The same size under the log's key, another root: a split view.
  log.checkpoint_override = *crypto::SignCheckpoint(
      {"fake.test/log", 300, crypto::merkle::LeafHash("fork"), {}}, log.signer());
  Result<MirrorResult> r = Update(dir.path(), log);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a fork"), std::string::npos) << r.status().message();
  // A larger tree under the log's key that the served entries do not make.
  log.AppendStatements(10);
  log.Publish();
  log.checkpoint_override = *crypto::SignCheckpoint(
      {"fake.test/log", 310, crypto::merkle::LeafHash("fork"), {}}, log.signer());
  r = Update(dir.path(), log);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not to the root of its signed checkpoint"),
            std::string::npos)
      << r.status().message();
}

TEST(Mirror, EntriesMustBeSignedWithTheKeysTheLogEstablishes) {
  // A log that hashes honestly but holds a statement signed with a key the
  // artist rotated away: only the signature check catches it.
  TempDir dir;
  FakeLog log;
  log.AppendStatements(120);                                  // artist 1 rotated at entry 100
  TestArtist stale = TestArtist::FromSeedByte(11, "Artist");  // artist 1's first key
  stale.set_last_seq(1000);
  log.Append(stale.Sign("work.withdraw", R"("work":"wk_00000000000000000000000000000000")"));
  log.Publish();
  Result<MirrorResult> r = Update(dir.path(), log);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("log entry 120"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("rotated away"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dir.path() / "checkpoint"));
}

TEST(Mirror, WitnessPolicyIsAppliedToEveryCheckpoint) {
  TempDir dir;
  FakeLog log;
  log.AppendStatements(10);
  log.Publish();
  auto w1 = crypto::cosig::Cosigner::Create("w1.test", KeyFromSeedByte(41)).value();
  auto w2 = crypto::cosig::Cosigner::Create("w2.test", KeyFromSeedByte(42)).value();
  MirrorOptions o;
  o.dir = dir.path();
  o.log_key = log.key();
  o.witnesses = {{w1.verifier(), w2.verifier()}, 2};
  auto fetch = [&log](std::string_view p) { return log.Fetch(p); };
  const std::string cp = log.Checkpoint(10);
  const std::string body = cp.substr(0, cp.find("\n\n") + 1);
  log.checkpoint_override = *crypto::cosig::AppendSignatureLines(cp, *w1.Cosign(body, 100));
  Result<MirrorResult> r = UpdateMirror(o, fetch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 of the 2 required"), std::string::npos)
      << r.status().message();
  log.checkpoint_override =
      *crypto::cosig::AppendSignatureLines(log.checkpoint_override, *w2.Cosign(body, 101));
  r = UpdateMirror(o, fetch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->cosignatures, 2u);
  EXPECT_EQ(Slurp(dir.path() / "checkpoint"), log.checkpoint_override);
}

TEST(Mirror, FirstRunNeedsTheKeyAndAnotherKeyIsRefused) {
  TempDir dir;
  FakeLog log;
  log.AppendStatements(3);
  log.Publish();
  Result<MirrorResult> r = Update(dir.path(), log, /*with_key=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("needs --key"), std::string::npos);
  ASSERT_TRUE(Update(dir.path(), log).ok());
  MirrorOptions o;
  o.dir = dir.path();
  o.log_key = crypto::note::Signer::Create("fake.test/log", KeyFromSeedByte(3)).value().verifier();
  r = UpdateMirror(o, [&log](std::string_view p) { return log.Fetch(p); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("use another directory"), std::string::npos);
}

TEST(StatementAuditor, StateRoundTripsAndRebuildsEqually) {
  FakeLog log;
  log.AppendStatements(150);
  log.Publish();
  TempDir dir;
  ASSERT_TRUE(Update(dir.path(), log).ok());
  // Remove the saved keys: the next update rebuilds them from the mirrored entries.
  const std::string saved = Slurp(dir.path() / "artist-keys");
  std::uint64_t size = 0;
  Result<StatementAuditor> parsed = StatementAuditor::Parse(saved, size);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(size, 150u);
  EXPECT_EQ(parsed->Serialize(150), saved);
  fs::remove(dir.path() / "artist-keys");
  log.AppendStatements(10);
  log.Publish();
  Result<MirrorResult> r = Update(dir.path(), log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->artists, 3u);
  EXPECT_FALSE(StatementAuditor::Parse("junk", size).ok());
}

}  // namespace
}  // namespace signet::cli
