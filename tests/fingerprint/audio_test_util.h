// Helpers for fingerprint tests: the real-recordings corpus, running external
// tools (fpcalc, ffmpeg) and writing small WAV files. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/temp_dir.h"

namespace signet::fp::testing {

inline const std::filesystem::path& CorpusDir() {
  static const std::filesystem::path dir = "/usr/share/games/wesnoth/1.16/data/core/music";
  return dir;
}

inline bool HaveCorpus() { return std::filesystem::exists(CorpusDir() / "battle.ogg"); }

inline bool HaveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Skips the test unless the corpus and the named tools are installed
// (`make test` installs them: scripts/install-deps.sh test).
#define SIGNET_REQUIRE_CORPUS_AND(tool)                                       \
  do {                                                                        \
    if (!::signet::fp::testing::HaveCorpus())                                 \
      GTEST_SKIP() << "corpus missing: apt-get install wesnoth-1.16-music";   \
    if (!std::string(tool).empty() && !::signet::fp::testing::HaveTool(tool)) \
      GTEST_SKIP() << tool << " missing: scripts/install-deps.sh test";       \
  } while (0)

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs a shell command, returns its stdout and exit status.
struct CommandResult {
  std::string out;
  int status = -1;
};
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// fpcalc -length 0 [extra] FILE. Debian's fpcalc 1.5.1 exits 3 after a valid
// result (shared/corpus/README.md), so 0 and 3 both count when it printed one.
inline std::optional<std::string> Fpcalc(const std::filesystem::path& file,
                                         const std::string& extra = "") {
  auto r =
      RunCommand("fpcalc -length 0 " + extra + " " + ShellQuote(file.string()) + " 2>/dev/null");
  if ((r.status != 0 && r.status != 3) || r.out.empty()) return std::nullopt;
  return r.out;
}

inline std::vector<std::uint8_t> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void WriteFile(const std::filesystem::path& p, const std::vector<std::uint8_t>& data) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// A 16-bit PCM WAV. `declared_rate` lets a test lie in the header.
inline std::vector<std::uint8_t> MakeWav(
    const std::vector<std::int16_t>& interleaved, int rate, int channels,
    std::optional<std::uint32_t> declared_rate = std::nullopt) {
  std::vector<std::uint8_t> w;
  auto u32 = [&w](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) w.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&w](std::uint16_t v) {
    w.push_back(static_cast<std::uint8_t>(v));
    w.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  auto tag = [&w](const char* t) { w.insert(w.end(), t, t + 4); };
  const std::uint32_t data_bytes = static_cast<std::uint32_t>(interleaved.size() * 2);
  const std::uint32_t r = declared_rate.value_or(static_cast<std::uint32_t>(rate));
  tag("RIFF");
  u32(36 + data_bytes);
  tag("WAVE");
  tag("fmt ");
  u32(16);
  u16(1);
  u16(static_cast<std::uint16_t>(channels));
  u32(r);
  u32(r * static_cast<std::uint32_t>(channels) * 2);
  u16(static_cast<std::uint16_t>(channels * 2));
  u16(16);
  tag("data");
  u32(data_bytes);
  for (std::int16_t s : interleaved) u16(static_cast<std::uint16_t>(s));
  return w;
}

// Seeded white noise, so a test's audio is the same on every run.
inline std::vector<std::int16_t> Noise(std::size_t samples, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-8000, 8000);
  std::vector<std::int16_t> out(samples);
  for (auto& s : out) s = static_cast<std::int16_t>(d(rng));
  return out;
}

// A fresh directory removed at scope exit (common/temp_dir.h).
class TempDir {
 public:
  TempDir() : dir_(*signet::TempDir::Create("signet-fp")) {}
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  signet::TempDir dir_;
};

}  // namespace signet::fp::testing
