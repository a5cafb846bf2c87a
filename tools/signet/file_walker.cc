#include "tools/signet/file_walker.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <unordered_set>

namespace signet::cli {
namespace fs = std::filesystem;

bool HasAudioExtension(const fs::path& path) {
  static const std::unordered_set<std::string> kAudio = {
      ".mp3",  ".mp2", ".ogg", ".oga", ".opus", ".flac", ".wav", ".wave", ".aif", ".aiff",
      ".aifc", ".m4a", ".m4b", ".mp4", ".aac",  ".wma",  ".wv",  ".ape",  ".mka", ".webm",
      ".caf",  ".mpc", ".spx", ".amr", ".ac3",  ".au",   ".snd", ".alac", ".dsf", ".tta"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kAudio.contains(ext);
}

bool LooksLikeAudio(std::string_view h) {
  auto at = [&](std::size_t off, std::string_view magic) {
    return h.size() >= off + magic.size() && h.substr(off, magic.size()) == magic;
  };
  if (at(0, "OggS") || at(0, "fLaC") || at(0, "ID3") || at(0, "wvpk") || at(0, "MAC ") ||
      at(0, "caff") || at(0, ".snd") || at(0, "#!AMR") || at(0, "MPCK") || at(0, "TTA1")) {
    return true;
  }
  if (at(0, "RIFF") && (at(8, "WAVE") || at(8, "RF64"))) return true;
  if (at(0, "RF64") || at(0, "BW64")) return true;
  if (at(0, "FORM") && (at(8, "AIFF") || at(8, "AIFC"))) return true;
  if (at(4, "ftyp")) return true;                              // MP4 / M4A / 3GP
  if (at(0, "\x1A\x45\xDF\xA3")) return true;                  // Matroska / WebM
  if (at(0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11")) return true;  // ASF / WMA
  if (h.size() >= 2) {
    const auto b0 = static_cast<unsigned char>(h[0]);
    const auto b1 = static_cast<unsigned char>(h[1]);
    // MPEG audio frame sync (11 set bits) with a valid layer, or ADTS AAC.
    if (b0 == 0xFF && (b1 & 0xE0) == 0xE0 && (b1 & 0x06) != 0) return true;
    if (b0 == 0xFF && (b1 & 0xF6) == 0xF0) return true;
  }
  return false;
}

namespace {

bool SniffFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> buf{};
  in.read(buf.data(), buf.size());
  return LooksLikeAudio(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
}

bool IsHidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

struct Walker {
  WalkResult out;
  std::unordered_set<std::string> seen;

  void Add(const fs::path& p) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(p, ec);
    if (ec) key = fs::absolute(p);
    if (seen.insert(key.string()).second) out.files.push_back(p);
  }

  void Walk(const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) {
      out.warnings.push_back("cannot read directory " + dir.string() + ": " + ec.message() +
                             " (skipped)");
      return;
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const auto& e : entries) {
      if (IsHidden(e.path())) continue;
      std::error_code sec;
      if (e.is_symlink(sec) && e.is_directory(sec)) continue;
      if (e.is_directory(sec)) {
        Walk(e.path());
      } else if (e.is_regular_file(sec)) {
        if (HasAudioExtension(e.path()) || SniffFile(e.path())) Add(e.path());
      }
    }
  }
};

}  // namespace

Result<WalkResult> FindAudioFiles(const std::vector<std::string>& roots) {
  Walker w;
  for (const std::string& root : roots) {
    fs::path p(root);
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      return Status::NotFound("no such file or directory: " + root);
    }
    if (fs::is_directory(st)) {
      w.Walk(p);
    } else {
      w.Add(p);
    }
  }
  return std::move(w.out);
}

}  // namespace signet::cli
