// kill -9 at random moments: a child process (crash_child.cc) submits signed
// statements from several threads and reports each acknowledgement through a
// pipe; the parent SIGKILLs it, reopens the registry and checks that every
// acknowledged statement is there and nothing is half-applied.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "common/temp_dir.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "crypto/receipt.h"
#include "registry/registry.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

constexpr int kArtists = 4;  // as in crash_child.cc

// Runs the child for `run_for` after its first acknowledgement, SIGKILLs it, returns the
// acknowledged (artist, seq) pairs it printed.
std::vector<std::pair<int, std::uint64_t>> RunAndKill(const std::string& dir,
                                                      std::chrono::milliseconds run_for,
                                                      bool from_start) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(SIGNET_CRASH_CHILD, SIGNET_CRASH_CHILD, dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  // The clock starts at the first acknowledgement, so that a slow start
  // (sanitizers, a loaded machine) still leaves `run_for` of real writing;
  // the child gets at most 20 s to start.
  // With `from_start` the clock starts at once, so the kill may land while
  // the child is still opening (recovering) the database.
  auto deadline = std::chrono::steady_clock::now() +
                  (from_start ? std::chrono::milliseconds(run_for) : std::chrono::seconds(20));
  bool started = from_start;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // the child died on its own: the checks below will say why
    out.append(buf, static_cast<std::size_t>(n));
    if (!started) {
      started = true;
      deadline = std::chrono::steady_clock::now() + run_for;
    }
  }
  kill(pid, SIGKILL);
  // Whatever was written before the kill was acknowledged too.
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child exited by itself (status " << status << ")";

  std::vector<std::pair<int, std::uint64_t>> acked;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a torn last line (no newline) was not fully reported
    std::istringstream ls(line);
    int a;
    std::uint64_t seq;
    if (ls >> a >> seq) acked.emplace_back(a, seq);
  }
  return acked;
}

TEST(CrashTest, AcknowledgedStatementsSurviveSigkill) {
  TempDir scratch = *TempDir::Create("signet-crash");
  const std::string dir = scratch.path().string();
  std::mt19937 rng(12345);
  std::map<int, std::uint64_t> max_acked;
  std::size_t total_acked = 0;
  constexpr int kRounds = 6;
  std::string previous_note;
  std::uint64_t previous_size = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto run_for = std::chrono::milliseconds(150 + rng() % 600);
    auto acked = RunAndKill(dir, run_for, /*from_start=*/round % 3 == 2);
    total_acked += acked.size();
    for (auto [a, seq] : acked) max_acked[a] = std::max(max_acked[a], seq);

    RegistryOptions o;
    o.log_origin = "signet.test/crash";
    o.server_key = std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(222));
    // Open recomputes the root from the stored nodes and compares it with the
    // stored signed checkpoint: a half-written log would fail here.
    auto reg = Registry::Open(dir, std::move(o));
    ASSERT_TRUE(reg.ok()) << "round " << round << ": " << reg.status().ToString();

    std::uint64_t sum_seq = 0, works = 0;
    for (int a = 0; a < kArtists; ++a) {
      auto artist = testing::TestArtist::FromSeedByte(static_cast<std::uint8_t>(a + 1), "Crash");
      auto got = (*reg)->GetArtist(artist.id());
      if (!got.ok()) {
        EXPECT_EQ(max_acked.count(a), 0u) << "artist " << a << " acknowledged but missing";
        continue;
      }
      // Every acknowledged statement is there.
      EXPECT_GE(got->last_seq, max_acked[a]) << "round " << round << " artist " << a;
      sum_seq += got->last_seq;
      works += got->last_seq - 1;
      // Nothing half-applied: the artist's work list matches its seq.
      Page page;
      std::size_t listed = 0;
      std::string cursor;
      do {
        auto list = (*reg)->ListArtistWorks(artist.id(), cursor, 1000, &page);
        ASSERT_TRUE(list.ok());
        listed += list->size();
        cursor = page.next_cursor;
      } while (!cursor.empty());
      EXPECT_EQ(listed, got->last_seq - 1);
      EXPECT_EQ(got->work_count, got->last_seq - 1);
    }
    // Seqs are consecutive per artist, one leaf each: log size == statements.
    EXPECT_EQ((*reg)->LogSize(), sum_seq);
    Stats s = (*reg)->GetStats();
    EXPECT_EQ(s.works, works);
    EXPECT_EQ(s.indexed_works, works);
    const auto verifier = *crypto::note::Verifier::Parse((*reg)->VerifierKey());
    const std::string note = (*reg)->Checkpoint();
    auto cp = crypto::OpenCheckpoint(note, verifier);
    ASSERT_TRUE(cp.ok());
    EXPECT_EQ(cp->size, (*reg)->LogSize());
    // The checkpoint after this crash extends the one after the previous crash.
    if (!previous_note.empty()) {
      crypto::ConsistencyProofDoc doc;
      doc.old_size = previous_size;
      doc.new_size = cp->size;
      auto proof = (*reg)->ConsistencyProof(previous_size, cp->size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      doc.proof = *proof;
      auto both = crypto::VerifyCheckpointConsistency(previous_note, note, doc, verifier);
      EXPECT_TRUE(both.ok()) << "round " << round << ": " << both.status().ToString();
    }
    previous_note = note;
    previous_size = cp->size;
  }
  EXPECT_GT(total_acked, 0u);
  std::printf("%zu acknowledged statements over %d kills\n", total_acked, kRounds);
}

}  // namespace
}  // namespace signet::registry
