// Finding the audio files a command works on: `signet register PATH...` and
// `signet check PATH...` accept files and directories.
//
// Directories are walked recursively in a deterministic order (entries sorted
// by name, byte-wise, depth first; symlinked directories are not followed, so
// loops are impossible). A file in a directory is taken when its extension is
// a known audio one, or else when its first bytes look like an audio container
// (Ogg, RIFF/WAVE, FLAC, MP3/ID3, MP4/M4A, Matroska/WebM, AIFF, ASF/WMA, ...).
// Hidden entries (".name") are skipped. A file named explicitly on the command
// line is always taken: the user asked for it, and a decode error will say why
// it failed. A file reached twice is listed once.
//
// Thread safety: pure functions of the file system.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace signet::cli {

struct WalkResult {
  std::vector<std::filesystem::path> files;  // in walk order
  std::vector<std::string> warnings;         // unreadable directories, etc.
};

// Fails when a root does not exist (a typo should not look like "0 files").
Result<WalkResult> FindAudioFiles(const std::vector<std::string>& roots);

// True for extensions like ".mp3", ".OGG", ".flac" (case-insensitive).
bool HasAudioExtension(const std::filesystem::path& path);
// True when `head` (the first bytes of a file, at least 12 for a sure answer)
// starts like an audio container FFmpeg reads.
bool LooksLikeAudio(std::string_view head);

}  // namespace signet::cli
