// Unit tests of the CLI's building blocks: CSV and catalogue parsing, the file
// walker (on a real temp tree), the ordered bounded pipeline, tags of a real
// corpus recording.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/temp_dir.h"
#include "tools/signet/csv.h"
#include "tools/signet/file_walker.h"
#include "tools/signet/journal.h"
#include "tools/signet/pipeline.h"
#include "tools/signet/progress.h"
#include "tools/signet/tags.h"

namespace signet::cli {
namespace {
namespace fs = std::filesystem;

const char* kCorpus = "/usr/share/games/wesnoth/1.16/data/core/music";

TempDir MakeTempDir() { return *TempDir::Create("signet_cli_test"); }

void WriteFile(const fs::path& p, std::string_view content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

TEST(CsvTest, ParsesRfc4180Quoting) {
  auto rows = ParseCsv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"multi\nline\"\n\n1,,3");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (CsvRow{"a", "b", "c"}));
  EXPECT_EQ((*rows)[1], (CsvRow{"x, y", "say \"hi\"", "multi\nline"}));
  EXPECT_EQ((*rows)[2], (CsvRow{"1", "", "3"}));
}

TEST(CsvTest, RejectsMalformedQuotesWithLineNumber) {
  auto unterminated = ParseCsv("a,b\n1,\"open\n");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseCsv("a,b\"c\n").ok());
  EXPECT_FALSE(ParseCsv("\"a\"b\n").ok());
}

TEST(CsvTest, FieldRoundTrips) {
  for (std::string v : {"plain", "with,comma", "with \"quote\"", "line\nbreak", ""}) {
    auto rows = ParseCsv(CsvField(v) + ",end\n");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ((*rows)[0][0], v);
  }
}

TEST(CreditsTest, ParsesNameRolePairs) {
  auto c = ParseCredits(" Ada Lovelace:Composer ; Bo : performer;;Solo");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0], (Credit{"Ada Lovelace", "composer"}));
  EXPECT_EQ((*c)[1], (Credit{"Bo", "performer"}));
  EXPECT_EQ((*c)[2], (Credit{"Solo", "performer"}));
  EXPECT_FALSE(ParseCredits(":composer").ok());
  EXPECT_FALSE(ParseCredits("Name:").ok());
}

TEST(CatalogueTest, FindsRowsByPathRelativeToTheCsv) {
  TempDir dir = MakeTempDir();
  WriteFile(dir.path() / "a" / "one.ogg", "x");
  auto cat = Catalogue::Parse(
      "\xEF\xBB\xBFPath,Title,ISRC,credits\na/one.ogg,\"One, the first\",GB-AYE-06-01498,"
      "Ada:composer\n",
      dir.path());
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  const WorkMetadata* m = cat->Find(dir.path() / "a" / ".." / "a" / "one.ogg");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->title, "One, the first");
  EXPECT_EQ(m->isrc, "GB-AYE-06-01498");
  ASSERT_EQ(m->credits.size(), 1u);
  EXPECT_EQ(m->credits[0].role, "composer");
  EXPECT_EQ(cat->Find(dir.path() / "other.ogg"), nullptr);
}

TEST(CatalogueTest, RejectsUnknownColumnsAndMissingPath) {
  auto typo = Catalogue::Parse("path,titel\nx.ogg,T\n", ".");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("titel"), std::string::npos);
  EXPECT_FALSE(Catalogue::Parse("title\nT\n", ".").ok());
  EXPECT_FALSE(Catalogue::Parse("path,title\nx.ogg\n", ".").ok());
  EXPECT_FALSE(Catalogue::Parse("path\nx.ogg\nx.ogg\n", ".").ok());
}

TEST(CatalogueTest, MusicBrainzIdsAreSemicolonSeparatedCanonicalAndChecked) {
  auto cat = Catalogue::Parse(
      "path,MBID\nx.ogg, B9AD642E-B012-41C7-B72A-42CF4911F9FF;;"
      "0d1e4b3c-2f5a-4c6d-8e9f-0a1b2c3d4e5f ; b9ad642e-b012-41c7-b72a-42cf4911f9ff\ny.ogg,\n",
      "/music");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ(cat->Find("/music/x.ogg")->musicbrainz_recording_ids,
            (std::vector<std::string>{"b9ad642e-b012-41c7-b72a-42cf4911f9ff",
                                      "0d1e4b3c-2f5a-4c6d-8e9f-0a1b2c3d4e5f"}));
  EXPECT_TRUE(cat->Find("/music/y.ogg")->musicbrainz_recording_ids.empty());
  auto bad = Catalogue::Parse(
      "path,musicbrainz_recording_ids\nx.ogg,https://musicbrainz.org/recording/b9ad642e\n", "/m");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "row 2: 'https://musicbrainz.org/recording/b9ad642e' is not a MusicBrainz recording id "
            "(a UUID like b9ad642e-b012-41c7-b72a-42cf4911f9ff, as on the recording's page at "
            "musicbrainz.org)");
}

TEST(FileWalkerTest, WalksRecursivelyInSortedOrderAndSniffs) {
  TempDir dir = MakeTempDir();
  const fs::path d = dir.path();
  WriteFile(d / "b" / "z.mp3", "not really");
  WriteFile(d / "b" / "a.FLAC", "x");
  WriteFile(d / "a.ogg", "x");
  WriteFile(d / "notes.txt", "hello");
  WriteFile(d / "noext", std::string("OggS\0\2\0\0\0\0\0\0\0\0", 14));
  WriteFile(d / "riff.bin", std::string("RIFF\x10\0\0\0WAVEfmt ", 16));
  WriteFile(d / ".hidden.mp3", "x");
  fs::create_directory_symlink(d / "b", d / "link_to_b");
  auto r = FindAudioFiles({d.string(), (d / "a.ogg").string(), (d / "notes.txt").string()});
  ASSERT_TRUE(r.ok());
  std::vector<std::string> names;
  for (const auto& p : r->files) names.push_back(p.lexically_relative(d).string());
  EXPECT_EQ(names, (std::vector<std::string>{"a.ogg", "b/a.FLAC", "b/z.mp3", "noext", "riff.bin",
                                             "notes.txt"}));
  auto missing = FindAudioFiles({(d / "nope").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

TEST(FileWalkerTest, SniffsCommonContainers) {
  EXPECT_TRUE(LooksLikeAudio("ID3\x04"));
  EXPECT_TRUE(LooksLikeAudio(std::string("\xFF\xFB\x90\x00", 4)));
  EXPECT_TRUE(
      LooksLikeAudio(std::string("\0\0\0\x20"
                                 "ftypM4A ",
                                 12)));
  EXPECT_TRUE(LooksLikeAudio("fLaC\0\0\0\x22"));
  EXPECT_FALSE(LooksLikeAudio("%PDF-1.7"));
  EXPECT_FALSE(LooksLikeAudio(std::string("\x89PNG\r\n\x1a\n", 8)));
  EXPECT_FALSE(LooksLikeAudio(""));
}

TEST(PipelineTest, KeepsInputOrderAndBoundsItemsInFlight) {
  constexpr std::size_t kItems = 2000, kWindow = 16;
  std::size_t produced = 0;
  std::atomic<std::size_t> max_in_flight{0};
  std::atomic<long> in_flight{0};
  std::vector<std::size_t> seen;
  std::mt19937 rng(7);
  std::vector<int> delays(kItems);
  for (auto& v : delays) v = static_cast<int>(rng() % 50);
  const std::size_t n = OrderedParallelMap<std::size_t, std::size_t>(
      4, kWindow,
      [&]() -> std::optional<std::size_t> {
        if (produced == kItems) return std::nullopt;
        long now = ++in_flight;
        std::size_t prev = max_in_flight.load();
        while (static_cast<std::size_t>(now) > prev &&
               !max_in_flight.compare_exchange_weak(prev, static_cast<std::size_t>(now))) {
        }
        return produced++;
      },
      [&](const std::size_t& i) {
        std::this_thread::sleep_for(std::chrono::microseconds(delays[i]));
        return i * 2;
      },
      [&](std::size_t&& in, std::size_t&& out) {
        EXPECT_EQ(out, in * 2);
        seen.push_back(in);
        --in_flight;
        return true;
      });
  EXPECT_EQ(n, kItems);
  ASSERT_EQ(seen.size(), kItems);
  for (std::size_t i = 0; i < kItems; ++i) ASSERT_EQ(seen[i], i);
  EXPECT_LE(max_in_flight.load(), kWindow);
}

TEST(PipelineTest, ConsumerCanStopEarly) {
  std::size_t produced = 0;
  const std::size_t n = OrderedParallelMap<int, int>(
      3, 8, [&]() -> std::optional<int> { return static_cast<int>(produced++); },  // endless
      [](const int& i) { return i; }, [](int&& in, int&&) { return in < 9; });
  EXPECT_EQ(n, 10u);
  EXPECT_LE(produced, 10u + 8u);
}

TEST(PipelineTest, EmptyInput) {
  const std::size_t n = OrderedParallelMap<int, int>(
      2, 4, []() -> std::optional<int> { return std::nullopt; }, [](const int& i) { return i; },
      [](int&&, int&&) { return true; });
  EXPECT_EQ(n, 0u);
}

TEST(ProgressTest, PlainLinesWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("checking", 2, Progress::Mode::kAuto, f);
    p.Tick("a.mp3", "allowed");
    p.Tick("b.mp3", "notAllowed");
  }
  std::rewind(f);
  char buf[256] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "[1/2] a.mp3: allowed\n[2/2] b.mp3: notAllowed\n");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(65), "1:05");
}

// The bar moves while files are fingerprinted, before the first answer.
TEST(ProgressTest, TheBarShowsWorkPreparedAheadOfTheAnswers) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("checking", 41, Progress::Mode::kBar, f);
    p.SetPrepared(3, "fingerprinted");
    p.Note("-");  // forces a redraw
  }
  std::rewind(f);
  char buf[512] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_NE(std::string(buf, n).find("0/41 files (3 fingerprinted)"), std::string::npos)
      << std::string(buf, n);
}

TEST(TagsTest, ReadsTagsOfARealRecordingAndFailsOnNonAudio) {
  const fs::path ogg = fs::path(kCorpus) / "battle.ogg";
  ASSERT_TRUE(fs::exists(ogg)) << "install wesnoth-1.16-music (see /work/shared/corpus)";
  auto tags = ReadFileTags(ogg);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  TempDir dir = MakeTempDir();
  WriteFile(dir.path() / "t.txt", "this is not audio at all");
  EXPECT_FALSE(ReadFileTags(dir.path() / "t.txt").ok());
}

TEST(TagsTest, ReadsTitleAndIsrcWrittenByFfmpeg) {
  TempDir dir = MakeTempDir();
  const fs::path out = dir.path() / "tagged.ogg";
  const std::string cmd =
      "ffmpeg -nostdin -loglevel error -f lavfi -i sine=frequency=440:duration=1 "
      "-metadata title='Tagged Title' -metadata ISRC=GBAYE0601498 "
      "-metadata artist='Some Artist' '" +
      out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto tags = ReadFileTags(out);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->title, "Tagged Title");
  EXPECT_EQ(tags->artist, "Some Artist");
  EXPECT_EQ(tags->isrc, "GBAYE0601498");
}

TEST(JournalTest, RemembersUnchangedFilesAcrossRuns) {
  TempDir dir = MakeTempDir();
  const fs::path a = dir.path() / "a.ogg", b = dir.path() / "b.ogg";
  WriteFile(a, "aaaa");
  WriteFile(b, "bbbb");
  const fs::path jpath = dir.path() / "key.journal";
  {
    auto j = RegisterJournal::Open(jpath);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_EQ(j->Find(a), nullptr);
    ASSERT_TRUE(j->Record(a, "wk_a", "t1", 1).ok());
    ASSERT_TRUE(j->Record(b, "wk_b", "", 0).ok());
  }
  // A crash mid-write leaves a torn last line: it is ignored.
  std::ofstream(jpath, std::ios::app) << "{\"path\":\"/x\",\"si";
  WriteFile(b, "changed, longer");
  auto j = RegisterJournal::Open(jpath);
  ASSERT_TRUE(j.ok());
  const JournalEntry* ea = j->Find(dir.path() / "." / "a.ogg");
  ASSERT_NE(ea, nullptr);
  EXPECT_EQ(ea->work, "wk_a");
  EXPECT_EQ(ea->terms, "t1");
  EXPECT_EQ(ea->landmark, 1);
  EXPECT_EQ(j->Find(b), nullptr) << "a changed file must be registered again";
}

TEST(JournalTest, LinesWithoutALandmarkVersionReadAsRegisteredWithoutOne) {
  TempDir dir = MakeTempDir();
  const fs::path a = dir.path() / "a.ogg";
  WriteFile(a, "aaaa");
  std::uintmax_t size = 0;
  std::int64_t mtime = 0;
  ASSERT_TRUE(FileStamp(a, &size, &mtime));
  const fs::path jpath = dir.path() / "key.journal";
  // A line written by a CLI before landmark prints existed.
  std::ofstream(jpath) << "{\"path\":\"" << fs::weakly_canonical(a).string()
                       << "\",\"size\":" << size << ",\"mtime\":" << mtime
                       << ",\"work\":\"wk_a\",\"terms\":\"\"}\n";
  auto j = RegisterJournal::Open(jpath);
  ASSERT_TRUE(j.ok());
  const JournalEntry* e = j->Find(a);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->landmark, 0) << "so `signet register` sends the landmark print for it";
}

}  // namespace
}  // namespace signet::cli
