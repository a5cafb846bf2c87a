#include "fingerprint/segment_manifest.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "fingerprint/segment_file.h"

namespace signet::fp::internal {
namespace {

constexpr std::string_view kManifestKind = "manifest";
constexpr std::uint32_t kManifestVersion = 1;
constexpr const char* kManifestName = "MANIFEST";

// Section "meta" of the manifest.
struct ManifestMeta {
  std::uint64_t next_file_id;
  std::uint64_t end_slot;
  std::uint64_t covered_slots;
  std::uint64_t has_cover;
  std::uint64_t cover_position;
  std::uint8_t cover_digest[32];
  std::uint64_t reserved[3];
};
static_assert(sizeof(ManifestMeta) == 96);

}  // namespace

std::filesystem::path SegmentDirectory::SegmentPath(std::uint64_t file_id) const {
  char id[24];
  std::snprintf(id, sizeof id, "%012llu", static_cast<unsigned long long>(file_id));
  return dir_ / (prefix_ + id + ".seg");
}

std::uint64_t SegmentDirectory::FileId(const std::filesystem::path& segment) const {
  const std::string name = segment.filename().string();
  if (name.size() <= prefix_.size()) return 0;
  return std::strtoull(name.c_str() + prefix_.size(), nullptr, 10);
}

bool SegmentDirectory::IsOurs(const std::string& name) const {
  return name == kManifestName || name.rfind(prefix_, 0) == 0 ||
         (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0);
}

std::filesystem::path SegmentDirectory::ManifestPath() const { return dir_ / kManifestName; }

bool SegmentDirectory::HasManifest() const {
  std::error_code ec;
  return std::filesystem::exists(dir_ / kManifestName, ec);
}

Result<Manifest> SegmentDirectory::ReadManifest() const {
  const std::filesystem::path path = dir_ / kManifestName;
  SIGNET_ASSIGN_OR_RETURN(auto file,
                          SegmentFile::Open(path, kManifestKind, kManifestVersion, kManifestVersion,
                                            SegmentFile::Verify::kAll));
  auto meta = file->Array<ManifestMeta>("meta");
  auto listed = file->Array<ManifestSegment>("segments");
  auto dead = file->Array<std::uint64_t>("dead");
  if (!meta.ok() || meta->size() != 1 || !listed.ok() || !dead.ok()) {
    return Status::Internal("index manifest " + path.string() +
                            " lacks its meta, segments or dead sections");
  }
  const ManifestMeta& mm = (*meta)[0];
  Manifest m;
  m.next_file_id = mm.next_file_id;
  m.end_slot = mm.end_slot;
  m.covered_slots = mm.covered_slots;
  if (mm.has_cover != 0) {
    IndexCover c;
    c.position = mm.cover_position;
    std::memcpy(c.digest.data(), mm.cover_digest, c.digest.size());
    m.cover = c;
  }
  m.segments.assign(listed->begin(), listed->end());
  m.dead.assign(dead->begin(), dead->end());
  return m;
}

Status SegmentDirectory::WriteManifest(const Manifest& m) const {
  ManifestMeta mm{};
  mm.next_file_id = m.next_file_id;
  mm.end_slot = m.end_slot;
  mm.covered_slots = m.covered_slots;
  if (m.cover) {
    mm.has_cover = 1;
    mm.cover_position = m.cover->position;
    std::memcpy(mm.cover_digest, m.cover->digest.data(), sizeof mm.cover_digest);
  }
  SIGNET_ASSIGN_OR_RETURN(
      auto w, SegmentFileWriter::Create(dir_ / kManifestName, kManifestKind, kManifestVersion));
  SIGNET_RETURN_IF_ERROR(w->AddArray<ManifestMeta>("meta", std::span(&mm, 1)));
  SIGNET_RETURN_IF_ERROR(w->AddArray<ManifestSegment>("segments", m.segments));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint64_t>("dead", m.dead));
  return w->Finish();
}

void SegmentDirectory::Remove(const std::unordered_set<std::string>& keep) const {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (IsOurs(name) && !keep.contains(name)) std::filesystem::remove(e.path(), ec);
  }
}

void SegmentDirectory::RemoveAll() const { Remove({}); }

void SegmentDirectory::RemoveUnlisted(const Manifest& m) const {
  std::unordered_set<std::string> keep = {kManifestName};
  for (const ManifestSegment& s : m.segments)
    keep.insert(SegmentPath(s.file_id).filename().string());
  Remove(keep);
}

}  // namespace signet::fp::internal
