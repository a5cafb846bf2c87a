// Internal to fingerprint/: an index directory's files and its MANIFEST
// (INDEX.md, "Persistence" and "Manifest"): which segment files make up the
// index, up to which slot the owner's cover holds, and the slots withdrawn
// since their segment was written. One home for the format and the file
// rules, shared by every print's index: the Chromaprint index in `index/`
// (segments "chroma-<id>.seg") and the landmark index in `index/landmark/`
// ("landmark-<id>.seg"). A directory touches only the files of its own prefix,
// its MANIFEST and *.tmp, so two prints never remove each other's files.
//
// Thread safety: a SegmentDirectory is an immutable value; writing the
// manifest is serialised by its owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "fingerprint/index.h"

namespace signet::fp::internal {

// Section "segments": one per segment file, in slot order.
struct ManifestSegment {
  std::uint64_t file_id;
  std::uint64_t first_slot;
  std::uint64_t end_slot;
  std::uint64_t file_size;
};
static_assert(sizeof(ManifestSegment) == 32);

struct Manifest {
  std::uint64_t next_file_id = 0;
  std::uint64_t end_slot = 0;       // slots [0, end_slot) are in the segments
  std::uint64_t covered_slots = 0;  // slots below this reflect `cover`; the rest are dropped
  std::optional<IndexCover> cover;
  std::vector<ManifestSegment> segments;
  std::vector<std::uint64_t> dead;  // slots withdrawn since their segment was written
};

class SegmentDirectory {
 public:
  // prefix: what this index's segment file names start with ("chroma-").
  SegmentDirectory(std::filesystem::path dir, std::string prefix)
      : dir_(std::move(dir)), prefix_(std::move(prefix)) {}

  const std::filesystem::path& path() const { return dir_; }
  // "<prefix><id, 12 digits>.seg" in the directory.
  std::filesystem::path SegmentPath(std::uint64_t file_id) const;
  // The id in a path SegmentPath made.
  std::uint64_t FileId(const std::filesystem::path& segment) const;

  std::filesystem::path ManifestPath() const;
  bool HasManifest() const;
  // Reads the manifest, verified in full. Errors: kInternal when it is
  // missing, damaged or lacks a section (the message names the file).
  Result<Manifest> ReadManifest() const;
  // Writes the manifest durably (temporary file, fsync, rename, directory
  // fsync): after it returns a crash leaves this manifest, before it the last.
  Status WriteManifest(const Manifest& m) const;

  // Removes this index's files: all of them, or those `m` does not name.
  void RemoveAll() const;
  void RemoveUnlisted(const Manifest& m) const;

 private:
  bool IsOurs(const std::string& name) const;
  void Remove(const std::unordered_set<std::string>& keep) const;

  std::filesystem::path dir_;
  std::string prefix_;
};

}  // namespace signet::fp::internal
