#include "tools/eval/corpus.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "fingerprint/extract.h"
#include "fingerprint/matcher.h"
#include "tools/eval/degrade.h"

namespace signet::eval {
namespace {

bool IsAudio(const std::filesystem::path& p) {
  const std::string e = p.extension().string();
  return e == ".ogg" || e == ".opus" || e == ".mp3" || e == ".flac" || e == ".wav";
}

}  // namespace

std::vector<std::string> AudioFilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file() && IsAudio(e.path())) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> PackageMusicFiles(const std::string& package) {
  FILE* p = popen(("dpkg -L " + ShellQuote(package) + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return Status::Internal("cannot run dpkg -L");
  std::vector<std::string> out;
  std::array<char, 4096> line;
  while (std::fgets(line.data(), line.size(), p) != nullptr) {
    std::string s(line.data());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.find("/music/") != std::string::npos && IsAudio(s) && std::filesystem::is_regular_file(s))
      out.push_back(s);
  }
  pclose(p);
  if (out.empty()) {
    return Status::NotFound(fmt::format(
        "package {} has no music files installed (apt-get install {})", package, package));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Recording> LoadRecordings(const std::vector<std::string>& paths,
                                      const std::string& root, const std::string& set,
                                      int threads) {
  std::vector<Recording> recs(paths.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < paths.size();) {
        std::filesystem::path rel = std::filesystem::path(paths[i]).lexically_relative(root);
        if (rel.empty() || rel.string().starts_with(".."))
          rel = std::filesystem::path(paths[i]).filename();
        recs[i].name = rel.replace_extension().string();
        recs[i].path = paths[i];
        recs[i].set = set;
        auto r = fp::FingerprintFile(paths[i]);
        if (!r.ok()) {
          fmt::print(stderr, "skipped {}: {}\n", paths[i], r.status().ToString());
          continue;
        }
        recs[i].fp = std::move(r).value().fingerprint.values;
        recs[i].seconds = static_cast<double>(recs[i].fp.size()) * fp::kSecondsPerPosition + 2.6;
      }
    });
  }
  for (auto& t : pool) t.join();
  std::erase_if(recs, [](const Recording& r) { return r.fp.empty(); });
  return recs;
}

bool Siblings(const std::string& a, const std::string& b) {
  auto pair = [&](const char* x, const char* y) {
    return (a == x && b == y) || (a == y && b == x);
  };
  return a == b || pair("battle", "battle-epic") || pair("frantic", "frantic-old");
}

Result<fp::Pcm> Cut(const Recording& r, double start, double seconds, const std::string& tmp_dir) {
  const std::string out = tmp_dir + "/cut.wav";
  const std::string cmd =
      fmt::format("ffmpeg -v error -y -ss {:.3f} -t {:.3f} -i {} -ar {} -ac {} -c:a pcm_s16le {}",
                  start, seconds, ShellQuote(r.path), kEvalRate, kEvalChannels, ShellQuote(out));
  if (!RunQuiet(cmd)) return Status::Internal("cut failed: " + cmd);
  return DecodeForEval(fp::AudioSource::File(out));
}

}  // namespace signet::eval
