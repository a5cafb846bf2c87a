// Segment files: the immutable, checksummed container in which fingerprint
// indexes persist their segments (and the index keeps its manifest). A file
// holds named, typed sections of flat little-endian POD arrays; it is written
// once under a temporary name, fsynced and renamed into place, then read
// through a read-only memory mapping. The byte layout is documented in
// fingerprint/INDEX.md ("Segment files"); the Chromaprint index and the
// landmark index each define their own sections on top of it.
//
// What the container guarantees to a reader: the file is complete (its size is
// in the header, which is written last), of the expected kind and versions,
// and every section lies inside the file, is aligned to 64 bytes and matches
// its CRC-32 (zlib's). Header and section table are always verified at Open;
// section data are verified at Open for small sections and for the rest when
// the caller asks (VerifyAll), so that a large index opens in milliseconds and
// is verified in the background. Readers of the section contents must still
// bounds-check what they decode: a CRC is not a proof of sane contents.
//
// Ownership: a SegmentFile owns its mapping; spans it returns are valid while
// the SegmentFile lives (hold it by shared_ptr). A writer owns its temporary
// file and removes it unless Finish succeeded.
// Thread safety: a SegmentFile is immutable and may be read from any number
// of threads. A SegmentFileWriter is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"

namespace signet::fp {

// Bytes aligned like a mapping (64), so that sections can be read in place.
template <typename T>
struct Aligned64Allocator {
  using value_type = T;
  Aligned64Allocator() = default;
  template <typename U>
  Aligned64Allocator(const Aligned64Allocator<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
  }
  void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{64}); }
  bool operator==(const Aligned64Allocator&) const { return true; }
};
using SegmentBytes = std::vector<std::byte, Aligned64Allocator<std::byte>>;

// What a section's elements are. kStruct: fixed-size records whose layout the
// owning index documents (element_size says how large).
enum class SectionType : std::uint32_t { kBytes = 1, kU8, kU16, kU32, kU64, kStruct };

inline constexpr std::size_t kSectionNameMax = 23;  // bytes, NUL-padded to 24 on disk
inline constexpr std::size_t kKindMax = 15;         // bytes, NUL-padded to 16 on disk
inline constexpr std::uint32_t kSegmentContainerVersion = 1;

struct SectionInfo {
  std::string name;
  SectionType type = SectionType::kBytes;
  std::uint32_t element_size = 1;
  std::uint64_t offset = 0;  // from the start of the file, a multiple of 64
  std::uint64_t size = 0;    // bytes
  std::uint32_t crc = 0;     // zlib crc32 of the `size` bytes
};

template <typename T>
constexpr SectionType SectionTypeOf() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return SectionType::kU8;
  if constexpr (std::is_same_v<T, std::uint16_t>) return SectionType::kU16;
  if constexpr (std::is_same_v<T, std::uint32_t>) return SectionType::kU32;
  if constexpr (std::is_same_v<T, std::uint64_t>) return SectionType::kU64;
  return SectionType::kStruct;
}

class SegmentFile {
 public:
  enum class Verify {
    kSmallSections,  // header, section table, and the data of sections up to 64 MiB
    kAll,            // every section's data too
  };
  // Opens and checks `path`: kind `kind` and a kind version in
  // [min_kind_version, max_kind_version]. Errors (kInternal, the message says
  // which file and what is wrong): missing or unreadable file, truncated or
  // overlong file, bad magic, another container or kind version, a section
  // outside the file, a checksum mismatch.
  static Result<std::shared_ptr<const SegmentFile>> Open(const std::filesystem::path& path,
                                                         std::string_view kind,
                                                         std::uint32_t min_kind_version,
                                                         std::uint32_t max_kind_version,
                                                         Verify verify = Verify::kSmallSections);
  // The same checks on bytes in memory (tests, the fuzzer); `name` labels errors.
  static Result<std::shared_ptr<const SegmentFile>> FromBytes(
      SegmentBytes bytes, std::string_view name, std::string_view kind,
      std::uint32_t min_kind_version, std::uint32_t max_kind_version, Verify verify = Verify::kAll);
  ~SegmentFile();
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  const std::string& name() const { return name_; }
  std::uint32_t kind_version() const { return kind_version_; }
  std::uint64_t file_size() const { return bytes_.size(); }
  const std::vector<SectionInfo>& sections() const { return sections_; }
  const SectionInfo* Find(std::string_view section) const;

  // Section `section` as elements of T. Errors: missing section, another type
  // or element size, a size that is not a whole number of elements.
  template <typename T>
  Result<std::span<const T>> Array(std::string_view section) const {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= 64);
    SIGNET_ASSIGN_OR_RETURN(const SectionInfo* s, Checked(section, SectionTypeOf<T>(), sizeof(T)));
    return std::span<const T>(reinterpret_cast<const T*>(bytes_.data() + s->offset),
                              s->size / sizeof(T));
  }
  Result<std::span<const std::byte>> Bytes(std::string_view section) const;

  // Checks the CRC of every section's data (reads the whole file).
  Status VerifyAll() const;

 private:
  SegmentFile() = default;
  static Result<std::shared_ptr<const SegmentFile>> Parse(std::shared_ptr<SegmentFile> f,
                                                          std::string_view kind,
                                                          std::uint32_t min_kind_version,
                                                          std::uint32_t max_kind_version,
                                                          Verify verify);
  Result<const SectionInfo*> Checked(std::string_view section, SectionType type,
                                     std::size_t element_size) const;
  Status VerifySection(const SectionInfo& s) const;
  Status Corrupt(const std::string& what) const;

  std::string name_;
  std::span<const std::byte> bytes_;  // the mapping (or owned_)
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  SegmentBytes owned_;
  std::uint32_t kind_version_ = 0;
  std::vector<SectionInfo> sections_;
};

// Writes one segment file. Sections are streams: Open one, Append to it, Close
// it; several may be open at once when each is given its capacity (the most it
// will hold: it gets a region of its own, and space it leaves unused is a hole
// in the file). A section opened without a capacity must be the last one open.
// Finish writes the section table and then the header (so a torn file never
// has a valid header), fsyncs, renames the temporary file to `path` and
// fsyncs the directory: after Finish returns the file survives a crash, and
// before it nothing is at `path`.
class SegmentFileWriter {
 public:
  class Section;

  // Errors: kIoError when the temporary file cannot be created;
  // kInvalidArgument for a kind longer than kKindMax.
  static Result<std::unique_ptr<SegmentFileWriter>> Create(const std::filesystem::path& path,
                                                           std::string_view kind,
                                                           std::uint32_t kind_version);
  // A writer whose file stays in memory (an index without a directory):
  // Finish then TakeBytes, and SegmentFile::FromBytes.
  static std::unique_ptr<SegmentFileWriter> CreateInMemory(std::string_view kind,
                                                           std::uint32_t kind_version);
  ~SegmentFileWriter();  // removes the temporary file unless Finish succeeded
  SegmentFileWriter(const SegmentFileWriter&) = delete;
  SegmentFileWriter& operator=(const SegmentFileWriter&) = delete;

  // capacity 0: unbounded, and no other section may be opened until it is closed.
  Result<Section*> OpenSection(std::string_view name, SectionType type, std::uint32_t element_size,
                               std::uint64_t capacity = 0);
  // A whole section at once.
  Status AddSection(std::string_view name, SectionType type, std::uint32_t element_size,
                    std::span<const std::byte> data);
  template <typename T>
  Status AddArray(std::string_view name, std::span<const T> data) {
    static_assert(std::is_trivially_copyable_v<T>);
    return AddSection(name, SectionTypeOf<T>(), sizeof(T), std::as_bytes(data));
  }
  // REQUIRES: every opened section closed.
  Status Finish();

  // In memory: the finished file. REQUIRES: Finish succeeded.
  SegmentBytes TakeBytes() { return std::move(memory_); }
  bool in_memory() const { return in_memory_; }
  const std::filesystem::path& path() const { return path_; }
  // Tests: the temporary file being written.
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  friend class Section;
  SegmentFileWriter() = default;
  Status WriteAt(std::uint64_t offset, const void* data, std::size_t n);

  std::filesystem::path path_, temp_;
  int fd_ = -1;
  bool in_memory_ = false;
  SegmentBytes memory_;
  bool finished_ = false;
  std::string kind_;
  std::uint32_t kind_version_ = 0;
  std::uint64_t next_offset_ = 0;  // where the next section's region starts
  bool unbounded_open_ = false;
  std::vector<std::unique_ptr<Section>> open_;
  std::vector<SectionInfo> done_;
  Status error_;
};

class SegmentFileWriter::Section {
 public:
  Status Append(const void* data, std::size_t n);
  template <typename T>
  Status AppendArray(std::span<const T> data) {
    return Append(data.data(), data.size_bytes());
  }
  std::uint64_t size() const { return size_; }
  // Writes what is buffered and records the section. The Section is gone after.
  Status Close();

 private:
  friend class SegmentFileWriter;
  Status Flush();

  SegmentFileWriter* writer_ = nullptr;
  SectionInfo info_;
  std::uint64_t capacity_ = 0;  // 0: unbounded
  std::uint64_t size_ = 0;
  std::uint64_t written_ = 0;  // bytes already at info_.offset + ...
  std::vector<std::byte> buffer_;
};

// Where a finished segment goes: a file (`path` set) or memory (an index
// without a directory).
struct SegmentTarget {
  std::filesystem::path path;  // empty: in memory
};

// A writer of `kind` for `target`: on disk (SegmentFileWriter::Create) or in memory.
Result<std::unique_ptr<SegmentFileWriter>> CreateSegmentWriter(const SegmentTarget& target,
                                                               std::string_view kind,
                                                               std::uint32_t kind_version);
// Finishes `w` and opens what it wrote (mapped, or the bytes it kept in
// memory), verifying the header, the table and sections up to 64 MiB.
Result<std::shared_ptr<const SegmentFile>> FinishAndOpenSegment(
    std::unique_ptr<SegmentFileWriter> w, std::string_view kind, std::uint32_t kind_version);

// Fsyncs a directory, so that a rename or unlink in it is durable.
Status SyncDirectory(const std::filesystem::path& dir);

}  // namespace signet::fp
