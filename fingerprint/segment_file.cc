#include "fingerprint/segment_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace signet::fp {
namespace {

// On-disk layout (INDEX.md, "Segment files"): a 64-byte header, sections
// aligned to 64 bytes, and a table of 64-byte section entries at the end.
constexpr std::array<char, 8> kMagic = {'S', 'I', 'G', 'S', 'E', 'G', 'F', '\0'};
constexpr std::uint32_t kEndianTag = 0x01020304;
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kEntrySize = 64;
constexpr std::size_t kAlign = 64;
constexpr std::uint32_t kMaxSections = 1024;
constexpr std::uint64_t kEagerVerifyBytes = std::uint64_t{64} << 20;
constexpr std::size_t kWriteBuffer = std::size_t{1} << 20;

std::uint64_t AlignUp(std::uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

std::uint32_t Crc(std::uint32_t crc, const void* data, std::size_t n) {
  return static_cast<std::uint32_t>(
      crc32_z(crc, static_cast<const Bytef*>(data), static_cast<z_size_t>(n)));
}

template <typename T>
T Load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
void Store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

std::string FixedString(const std::byte* p, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

// ---- reading ----------------------------------------------------------------

SegmentFile::~SegmentFile() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

Status SegmentFile::Corrupt(const std::string& what) const {
  return Status::Internal("segment file " + name_ + ": " + what);
}

Result<std::shared_ptr<const SegmentFile>> SegmentFile::Open(const std::filesystem::path& path,
                                                             std::string_view kind,
                                                             std::uint32_t min_kind_version,
                                                             std::uint32_t max_kind_version,
                                                             Verify verify) {
  auto f = std::shared_ptr<SegmentFile>(new SegmentFile());
  f->name_ = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal(Errno("segment file " + f->name_ + " cannot be opened"));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const Status s = Status::Internal(Errno("segment file " + f->name_ + ": fstat"));
    ::close(fd);
    return s;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size >= kHeaderSize) {
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      const Status s = Status::Internal(Errno("segment file " + f->name_ + ": mmap"));
      ::close(fd);
      return s;
    }
    f->map_ = m;
    f->map_size_ = size;
    f->bytes_ = {static_cast<const std::byte*>(m), size};
  }
  ::close(fd);  // the mapping keeps the file
  return Parse(std::move(f), kind, min_kind_version, max_kind_version, verify);
}

Result<std::shared_ptr<const SegmentFile>> SegmentFile::FromBytes(
    SegmentBytes bytes, std::string_view name, std::string_view kind,
    std::uint32_t min_kind_version, std::uint32_t max_kind_version, Verify verify) {
  auto f = std::shared_ptr<SegmentFile>(new SegmentFile());
  f->name_ = std::string(name);
  f->owned_ = std::move(bytes);
  f->bytes_ = {f->owned_.data(), f->owned_.size()};
  return Parse(std::move(f), kind, min_kind_version, max_kind_version, verify);
}

Result<std::shared_ptr<const SegmentFile>> SegmentFile::Parse(std::shared_ptr<SegmentFile> f,
                                                              std::string_view kind,
                                                              std::uint32_t min_kind_version,
                                                              std::uint32_t max_kind_version,
                                                              Verify verify) {
  const std::span<const std::byte> b = f->bytes_;
  if (b.size() < kHeaderSize) {
    return f->Corrupt("truncated: " + std::to_string(b.size()) + " bytes, no header");
  }
  const std::byte* h = b.data();
  if (std::memcmp(h, kMagic.data(), kMagic.size()) != 0) return f->Corrupt("not a segment file");
  if (Load<std::uint32_t>(h + 60) != Crc(0, h, 60)) return f->Corrupt("header checksum mismatch");
  const auto container = Load<std::uint32_t>(h + 8);
  if (container != kSegmentContainerVersion) {
    return f->Corrupt("container version " + std::to_string(container) + ", this build reads " +
                      std::to_string(kSegmentContainerVersion));
  }
  if (Load<std::uint32_t>(h + 12) != kEndianTag) return f->Corrupt("written on a big-endian host");
  const std::string file_kind = FixedString(h + 16, 16);
  if (file_kind != kind) {
    return f->Corrupt("holds a '" + file_kind + "' segment, expected '" + std::string(kind) + "'");
  }
  f->kind_version_ = Load<std::uint32_t>(h + 32);
  if (f->kind_version_ < min_kind_version || f->kind_version_ > max_kind_version) {
    return f->Corrupt(file_kind + " format version " + std::to_string(f->kind_version_) +
                      ", this build reads " + std::to_string(min_kind_version) + " to " +
                      std::to_string(max_kind_version));
  }
  const auto count = Load<std::uint32_t>(h + 36);
  const auto table = Load<std::uint64_t>(h + 40);
  const auto file_size = Load<std::uint64_t>(h + 48);
  if (file_size != b.size()) {
    return f->Corrupt("size " + std::to_string(b.size()) + " bytes, the header says " +
                      std::to_string(file_size) + " (truncated or appended to)");
  }
  if (count > kMaxSections || table < kHeaderSize || table % kAlign != 0 || table > b.size() ||
      (b.size() - table) / kEntrySize < count) {
    return f->Corrupt("section table out of bounds");
  }
  if (Load<std::uint32_t>(h + 56) != Crc(0, b.data() + table, count * kEntrySize)) {
    return f->Corrupt("section table checksum mismatch");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::byte* e = b.data() + table + i * kEntrySize;
    SectionInfo s;
    s.name = FixedString(e, 24);
    s.type = static_cast<SectionType>(Load<std::uint32_t>(e + 24));
    s.element_size = Load<std::uint32_t>(e + 28);
    s.offset = Load<std::uint64_t>(e + 32);
    s.size = Load<std::uint64_t>(e + 40);
    s.crc = Load<std::uint32_t>(e + 48);
    if (s.offset % kAlign != 0 || s.offset < kHeaderSize || s.offset > table ||
        s.size > table - s.offset) {
      return f->Corrupt("section '" + s.name + "' lies outside the file");
    }
    if (s.element_size == 0 || s.type < SectionType::kBytes || s.type > SectionType::kStruct) {
      return f->Corrupt("section '" + s.name + "' has an unknown type");
    }
    if (f->Find(s.name) != nullptr) return f->Corrupt("section '" + s.name + "' appears twice");
    f->sections_.push_back(std::move(s));
  }
  for (const SectionInfo& s : f->sections_) {
    if (verify == Verify::kAll || s.size <= kEagerVerifyBytes) {
      SIGNET_RETURN_IF_ERROR(f->VerifySection(s));
    }
  }
  return std::shared_ptr<const SegmentFile>(std::move(f));
}

const SectionInfo* SegmentFile::Find(std::string_view section) const {
  for (const auto& s : sections_) {
    if (s.name == section) return &s;
  }
  return nullptr;
}

Result<const SectionInfo*> SegmentFile::Checked(std::string_view section, SectionType type,
                                                std::size_t element_size) const {
  const SectionInfo* s = Find(section);
  if (s == nullptr) return Corrupt("no section '" + std::string(section) + "'");
  if (s->type != type || s->element_size != element_size || s->size % element_size != 0) {
    return Corrupt("section '" + s->name + "' has type " +
                   std::to_string(static_cast<std::uint32_t>(s->type)) + " of " +
                   std::to_string(s->element_size) + "-byte elements, expected type " +
                   std::to_string(static_cast<std::uint32_t>(type)) + " of " +
                   std::to_string(element_size));
  }
  return s;
}

Result<std::span<const std::byte>> SegmentFile::Bytes(std::string_view section) const {
  const SectionInfo* s = Find(section);
  if (s == nullptr) return Corrupt("no section '" + std::string(section) + "'");
  return bytes_.subspan(s->offset, s->size);
}

Status SegmentFile::VerifySection(const SectionInfo& s) const {
  if (Crc(0, bytes_.data() + s.offset, s.size) != s.crc) {
    return Corrupt("section '" + s.name + "' checksum mismatch");
  }
  return Status::Ok();
}

Status SegmentFile::VerifyAll() const {
  for (const auto& s : sections_) SIGNET_RETURN_IF_ERROR(VerifySection(s));
  return Status::Ok();
}

// ---- writing ----------------------------------------------------------------

Result<std::unique_ptr<SegmentFileWriter>> SegmentFileWriter::Create(
    const std::filesystem::path& path, std::string_view kind, std::uint32_t kind_version) {
  if (kind.size() > kKindMax || kind.empty()) {
    return Status::InvalidArgument("segment kind must be 1 to 15 bytes");
  }
  auto w = std::unique_ptr<SegmentFileWriter>(new SegmentFileWriter());
  w->path_ = path;
  w->temp_ = path;
  w->temp_ += ".tmp";
  w->kind_ = std::string(kind);
  w->kind_version_ = kind_version;
  w->fd_ = ::open(w->temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return Status::IoError(Errno("cannot create " + w->temp_.string()));
  w->next_offset_ = kHeaderSize;
  return w;
}

std::unique_ptr<SegmentFileWriter> SegmentFileWriter::CreateInMemory(std::string_view kind,
                                                                     std::uint32_t kind_version) {
  auto w = std::unique_ptr<SegmentFileWriter>(new SegmentFileWriter());
  w->in_memory_ = true;
  w->kind_ = std::string(kind.substr(0, kKindMax));
  w->kind_version_ = kind_version;
  w->next_offset_ = kHeaderSize;
  return w;
}

SegmentFileWriter::~SegmentFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_ && !in_memory_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

Status SegmentFileWriter::WriteAt(std::uint64_t offset, const void* data, std::size_t n) {
  if (in_memory_) {
    if (memory_.size() < offset + n) memory_.resize(offset + n);
    std::memcpy(memory_.data() + offset, data, n);
    return Status::Ok();
  }
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      const bool full = errno == ENOSPC || errno == EDQUOT;
      std::string m = Errno("writing " + temp_.string());
      error_ = full ? Status::Unavailable(m + " (the disk is full)") : Status::IoError(m);
      return error_;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return Status::Ok();
}

Result<SegmentFileWriter::Section*> SegmentFileWriter::OpenSection(std::string_view name,
                                                                   SectionType type,
                                                                   std::uint32_t element_size,
                                                                   std::uint64_t capacity) {
  if (!error_.ok()) return error_;
  if (unbounded_open_) {
    return Status::Internal("segment writer: a section without capacity is still open");
  }
  if (name.empty() || name.size() > kSectionNameMax || element_size == 0) {
    return Status::InvalidArgument("segment section name must be 1 to 23 bytes");
  }
  auto s = std::make_unique<Section>();
  s->writer_ = this;
  s->info_.name = std::string(name);
  s->info_.type = type;
  s->info_.element_size = element_size;
  s->info_.offset = AlignUp(next_offset_);
  s->info_.crc = Crc(0, nullptr, 0);
  s->capacity_ = capacity;
  if (capacity == 0) {
    unbounded_open_ = true;
  } else {
    next_offset_ = s->info_.offset + capacity;
  }
  open_.push_back(std::move(s));
  return open_.back().get();
}

Status SegmentFileWriter::AddSection(std::string_view name, SectionType type,
                                     std::uint32_t element_size, std::span<const std::byte> data) {
  SIGNET_ASSIGN_OR_RETURN(Section * s, OpenSection(name, type, element_size, 0));
  SIGNET_RETURN_IF_ERROR(s->Append(data.data(), data.size()));
  return s->Close();
}

Status SegmentFileWriter::Section::Flush() {
  if (buffer_.empty()) return Status::Ok();
  SIGNET_RETURN_IF_ERROR(writer_->WriteAt(info_.offset + written_, buffer_.data(), buffer_.size()));
  written_ += buffer_.size();
  buffer_.clear();
  return Status::Ok();
}

Status SegmentFileWriter::Section::Append(const void* data, std::size_t n) {
  if (!writer_->error_.ok()) return writer_->error_;
  if (capacity_ != 0 && size_ + n > capacity_) {
    return Status::Internal("segment writer: section '" + info_.name + "' over its capacity");
  }
  info_.crc = Crc(info_.crc, data, n);
  size_ += n;
  if (buffer_.size() + n > kWriteBuffer) {
    SIGNET_RETURN_IF_ERROR(Flush());
    if (n >= kWriteBuffer) {
      SIGNET_RETURN_IF_ERROR(writer_->WriteAt(info_.offset + written_, data, n));
      written_ += n;
      return Status::Ok();
    }
  }
  const auto* p = static_cast<const std::byte*>(data);
  buffer_.insert(buffer_.end(), p, p + n);
  return Status::Ok();
}

Status SegmentFileWriter::Section::Close() {
  SIGNET_RETURN_IF_ERROR(Flush());
  SegmentFileWriter* w = writer_;
  info_.size = size_;
  if (capacity_ == 0) {
    w->unbounded_open_ = false;
    w->next_offset_ = info_.offset + size_;
  }
  w->done_.push_back(info_);
  std::erase_if(w->open_, [this](const std::unique_ptr<Section>& s) { return s.get() == this; });
  return Status::Ok();  // `this` is gone
}

Status SegmentFileWriter::Finish() {
  if (!error_.ok()) return error_;
  if (!open_.empty()) return Status::Internal("segment writer: a section is still open");
  std::vector<std::byte> table(done_.size() * kEntrySize, std::byte{0});
  for (std::size_t i = 0; i < done_.size(); ++i) {
    std::byte* e = table.data() + i * kEntrySize;
    const SectionInfo& s = done_[i];
    std::memcpy(e, s.name.data(), s.name.size());
    Store<std::uint32_t>(e + 24, static_cast<std::uint32_t>(s.type));
    Store<std::uint32_t>(e + 28, s.element_size);
    Store<std::uint64_t>(e + 32, s.offset);
    Store<std::uint64_t>(e + 40, s.size);
    Store<std::uint32_t>(e + 48, s.crc);
  }
  const std::uint64_t table_offset = AlignUp(next_offset_);
  const std::uint64_t file_size = table_offset + table.size();
  std::array<std::byte, kHeaderSize> h{};
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  Store<std::uint32_t>(h.data() + 8, kSegmentContainerVersion);
  Store<std::uint32_t>(h.data() + 12, kEndianTag);
  std::memcpy(h.data() + 16, kind_.data(), kind_.size());
  Store<std::uint32_t>(h.data() + 32, kind_version_);
  Store<std::uint32_t>(h.data() + 36, static_cast<std::uint32_t>(done_.size()));
  Store<std::uint64_t>(h.data() + 40, table_offset);
  Store<std::uint64_t>(h.data() + 48, file_size);
  Store<std::uint32_t>(h.data() + 56, Crc(0, table.data(), table.size()));
  Store<std::uint32_t>(h.data() + 60, Crc(0, h.data(), 60));
  SIGNET_RETURN_IF_ERROR(WriteAt(table_offset, table.data(), table.size()));
  if (in_memory_) {
    memory_.resize(file_size);
    SIGNET_RETURN_IF_ERROR(WriteAt(0, h.data(), h.size()));
    finished_ = true;
    return Status::Ok();
  }
  if (::ftruncate(fd_, static_cast<off_t>(file_size)) != 0) {
    return error_ = Status::IoError(Errno("truncating " + temp_.string()));
  }
  // The header last: a file torn before this point has no valid header.
  if (::fdatasync(fd_) != 0) return error_ = Status::IoError(Errno("fsync " + temp_.string()));
  SIGNET_RETURN_IF_ERROR(WriteAt(0, h.data(), h.size()));
  if (::fdatasync(fd_) != 0) return error_ = Status::IoError(Errno("fsync " + temp_.string()));
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    return error_ = Status::IoError(Errno("renaming " + temp_.string()));
  }
  finished_ = true;
  return SyncDirectory(path_.parent_path());
}

Result<std::unique_ptr<SegmentFileWriter>> CreateSegmentWriter(const SegmentTarget& target,
                                                               std::string_view kind,
                                                               std::uint32_t kind_version) {
  if (target.path.empty()) return SegmentFileWriter::CreateInMemory(kind, kind_version);
  return SegmentFileWriter::Create(target.path, kind, kind_version);
}

Result<std::shared_ptr<const SegmentFile>> FinishAndOpenSegment(
    std::unique_ptr<SegmentFileWriter> w, std::string_view kind, std::uint32_t kind_version) {
  SIGNET_RETURN_IF_ERROR(w->Finish());
  if (w->in_memory()) {
    return SegmentFile::FromBytes(w->TakeBytes(), "(in memory)", kind, kind_version, kind_version,
                                  SegmentFile::Verify::kSmallSections);
  }
  return SegmentFile::Open(w->path(), kind, kind_version, kind_version);
}

Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(Errno("cannot open directory " + dir.string()));
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0) return Status::IoError(Errno("fsync of directory " + dir.string()));
  return Status::Ok();
}

}  // namespace signet::fp
