// The recordings signet-eval works on: the registered set (Wesnoth by
// default) and unregistered music from other Debian packages (the negative
// set), fingerprinted once; excerpts cut from them with ffmpeg.
// ../shared/corpus/README.md lists the packages.
//
// Thread safety: LoadRecordings uses its own threads; the rest is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "fingerprint/audio_decoder.h"

namespace signet::eval {

struct Recording {
  std::string name;  // file name without extension, relative to its set's music directory
  std::string path;
  std::string set;  // "wesnoth", or the Debian package it came from
  double seconds = 0;
  std::vector<std::uint32_t> fp;  // FingerprintFile(path)
};

// Audio files (.ogg .opus .mp3 .flac .wav) under `dir`, recursively, sorted.
std::vector<std::string> AudioFilesUnder(const std::string& dir);
// The music a Debian package installed: `dpkg -L`, audio files under a
// directory named music. kNotFound when the package is not installed.
Result<std::vector<std::string>> PackageMusicFiles(const std::string& package);

// Fingerprints `paths` on `threads` threads. Files that cannot be decoded are
// reported on stderr and left out. `root`: stripped from names.
std::vector<Recording> LoadRecordings(const std::vector<std::string>& paths,
                                      const std::string& root, const std::string& set, int threads);

// Pairs of the Wesnoth corpus that share material: a match to the sibling is correct.
bool Siblings(const std::string& a, const std::string& b);

// [start, start + seconds) of a recording, 44.1 kHz stereo (ffmpeg -ss -t).
Result<fp::Pcm> Cut(const Recording& r, double start, double seconds, const std::string& tmp_dir);

}  // namespace signet::eval
