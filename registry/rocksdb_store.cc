#include "registry/rocksdb_store.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace signet::registry {
namespace {

constexpr std::array<std::string_view, kColumnCount> kNames = {
    "default", "log_leaves",   "log_nodes",     "statement_ids", "artists",
    "works",   "artist_works", "terms_history", "work_history",  "fingerprints",
    "sha256",  "disputes",     "search",        "landmarks"};

// rocksdb::Status -> Status. Out of space and I/O failures are Unavailable /
// IoError so the API answers 503 / 500 and the caller can retry later.
Status Translate(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string m(what);
  m.append(": ").append(s.ToString());
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace) {
    return Status::Unavailable(m + " (the disk is full; free space and retry)");
  }
  if (s.IsCorruption()) return Status::Internal(m);
  if (s.IsIOError()) return Status::IoError(m);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Unavailable(m);
  return Status::IoError(m);
}

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

// Bytes free for unprivileged writers on the file system holding `dir`;
// nullopt when it cannot be told.
std::optional<std::uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(vfs.f_bavail) * static_cast<std::uint64_t>(vfs.f_frsize);
}

// What opening for writing may write before the first batch: the recovered
// WAL flushed to a table file, a new MANIFEST and WAL, plus the reserve.
std::uint64_t NeededToOpenWritable(const std::string& dir) {
  std::uint64_t wal = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".log") wal += e.file_size(ec);
  }
  return RocksDbStore::kFreeSpaceReserveBytes + wal;
}

std::string NoSpaceMessage(const std::string& dir, std::uint64_t free_bytes, std::uint64_t needed) {
  return "the registry's disk is nearly full: " + std::to_string(free_bytes >> 20) +
         " MiB free in " + dir + ", " + std::to_string(needed >> 20) +
         " MiB needed to write safely; free some space and retry (nothing was written)";
}

// RocksDB's info log (DIR/LOG, the previous one kept as LOG.old), written
// with plain write(2) whose errors are ignored. RocksDB's own file logger
// goes through a WritableFileWriter, and once a write of it meets a full disk
// the next flush or close trips the assertion Debian's build keeps
// (AssertFalseAndGetStatusForPrevError): a full disk must cost log lines, not
// the process.
class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(const std::string& dir) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
    const std::string path = dir + "/LOG";
    std::rename(path.c_str(), (path + ".old").c_str());
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::size_t n = std::strftime(line, sizeof line, "%Y/%m/%d-%H:%M:%S ", &tm);
    const int m = std::vsnprintf(line + n, sizeof line - n - 1, format, ap);
    if (m < 0) return;
    n = std::min(sizeof line - 2, n + static_cast<std::size_t>(m));
    if (line[n - 1] != '\n') line[n++] = '\n';
    [[maybe_unused]] auto written = ::write(fd_, line, n);
  }

 private:
  int fd_ = -1;
};

// One open RocksDB instance with its column families.
struct Db {
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kColumnCount> cf{};
  bool read_only = false;
  std::string dir;

  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() {
    if (!db) return;
    // Flushing memtables on a clean shutdown spares the next Open a WAL
    // replay, but only with room for the table files: a flush that meets
    // ENOSPC leaves RocksDB's writer in the state Debian's build asserts on.
    // Without it nothing is lost: every acknowledged batch is in the synced WAL.
    auto free_bytes = FreeBytes(dir);
    if (!read_only && free_bytes && *free_bytes >= NeededToOpenWritable(dir)) {
      std::vector<rocksdb::ColumnFamilyHandle*> all(cf.begin(), cf.end());
      db->Flush(rocksdb::FlushOptions(), all).PermitUncheckedError();
    }
    for (auto* h : cf) {
      if (h) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
  }
};

Result<std::unique_ptr<Db>> OpenDb(const std::string& dir, const RocksDbStoreOptions& options,
                                   bool read_only) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // Closing never flushes on its own (the WAL holds every acknowledged
  // batch); Db's destructor flushes when there is room.
  db_options.avoid_flush_during_shutdown = true;
  db_options.info_log = std::make_shared<InfoLog>(dir);
  db_options.keep_log_file_num = 4;
  db_options.max_open_files = options.max_open_files;
  // One budget for every memtable; a full one is flushed early.
  db_options.db_write_buffer_size = options.write_buffer_bytes;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Index and filter blocks live in the cache too, so max_open_files does
  // not decide the memory they take.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.write_buffer_size = std::max<std::size_t>(options.write_buffer_bytes / 4, 4u << 20);
  cf_options.max_write_buffer_number = 3;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (std::size_t i = 0; i < kColumnCount; ++i) {
    rocksdb::ColumnFamilyOptions o = cf_options;
    const auto c = static_cast<Column>(i);
    if (options.blob_files && (c == Column::kLogLeaves || c == Column::kFingerprints)) {
      o.enable_blob_files = true;
      o.min_blob_size = 512;
      o.blob_file_size = std::uint64_t{256} << 20;
      o.blob_compression_type = rocksdb::kNoCompression;  // base64 and raw values barely shrink
      o.enable_blob_garbage_collection = true;  // withdrawn works rewrite their fingerprint entry
    }
    descriptors.emplace_back(std::string(kNames[i]), o);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // Read-only, RocksDB replays the WAL into memory and writes nothing.
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw)
                : rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  if (!s.ok()) {
    return Translate(
        s, "cannot open the registry database in " + dir + " (is another signetd using it?)");
  }
  auto db = std::make_unique<Db>();
  db->db.reset(raw);
  db->dir = dir;
  db->read_only = read_only;
  for (std::size_t i = 0; i < kColumnCount; ++i) db->cf[i] = handles[i];
  return db;
}

}  // namespace

std::string_view ColumnName(Column c) { return kNames[static_cast<std::size_t>(c)]; }

// The open database behind a lock: reads share it; the switch from read-only
// to writable (when space has returned) takes it alone.
struct RocksDbStore::Handles {
  std::string dir;
  RocksDbStoreOptions options;
  mutable std::shared_mutex mu;
  std::unique_ptr<Db> db;  // guarded by mu
};

RocksDbStore::RocksDbStore(std::unique_ptr<Handles> h) : h_(std::move(h)) {}
RocksDbStore::~RocksDbStore() = default;

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const std::filesystem::path& dir,
                                                         const RocksDbStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IoError("cannot create the data directory " + dir.string() + ": " +
                           ec.message());
  }
  auto h = std::make_unique<Handles>();
  h->dir = dir.string();
  h->options = options;
  // On a disk too full to recover the WAL into table files, an existing
  // database opens read-only: reads are served, writes answer Unavailable
  // until Write finds room and reopens it for writing.
  const bool exists = std::filesystem::exists(dir / "CURRENT", ec);
  auto free_bytes = FreeBytes(h->dir);
  const bool short_of_space = free_bytes && *free_bytes < NeededToOpenWritable(h->dir);
  SIGNET_ASSIGN_OR_RETURN(h->db, OpenDb(h->dir, options, exists && short_of_space));
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(h)));
}

Result<std::optional<std::string>> RocksDbStore::Get(Column c, std::string_view key) const {
  std::string value;
  std::shared_lock lock(h_->mu);
  rocksdb::Status s = h_->db->db->Get(
      rocksdb::ReadOptions(), h_->db->cf[static_cast<std::size_t>(c)], ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Translate(s, "reading " + std::string(ColumnName(c)));
  return std::optional<std::string>(std::move(value));
}

Status RocksDbStore::Scan(
    Column c, std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::shared_lock lock(h_->mu);
  std::unique_ptr<rocksdb::Iterator> it(
      h_->db->db->NewIterator(rocksdb::ReadOptions(), h_->db->cf[static_cast<std::size_t>(c)]));
  it->Seek(ToSlice(start > prefix ? start : prefix));
  for (; it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return Translate(it->status(), "scanning " + std::string(ColumnName(c)));
}

Result<std::optional<std::pair<std::string, std::string>>> RocksDbStore::FindLastAtOrBefore(
    Column c, std::string_view prefix, std::string_view upper) const {
  std::shared_lock lock(h_->mu);
  std::unique_ptr<rocksdb::Iterator> it(
      h_->db->db->NewIterator(rocksdb::ReadOptions(), h_->db->cf[static_cast<std::size_t>(c)]));
  it->SeekForPrev(ToSlice(upper));
  using Entry = std::optional<std::pair<std::string, std::string>>;
  if (!it->Valid()) {
    SIGNET_RETURN_IF_ERROR(Translate(it->status(), "seeking " + std::string(ColumnName(c))));
    return Entry();
  }
  std::string_view key(it->key().data(), it->key().size());
  if (!key.starts_with(prefix)) return Entry();
  return Entry(std::make_pair(std::string(key), it->value().ToString()));
}

Status RocksDbStore::Write(const WriteSet& batch) {
  // Refuse a write that could run the disk out of space. Debian's RocksDB
  // (7.8.3, assertions on) aborts the process on the next WAL sync after a
  // failed one (fixed upstream in facebook/rocksdb#12448), so ENOSPC must
  // never reach the WAL: keep a reserve for the batch, memtable flushes and
  // the MANIFEST. Nothing is written, nothing is acknowledged.
  std::uint64_t batch_bytes = 0;
  for (const auto& op : batch.ops())
    batch_bytes += op.key.size() + (op.value ? op.value->size() : 0);
  const auto free_bytes = FreeBytes(h_->dir);
  std::uint64_t needed = kFreeSpaceReserveBytes + 2 * batch_bytes;
  if (free_bytes && *free_bytes < needed) {
    return Status::Unavailable(NoSpaceMessage(h_->dir, *free_bytes, needed));
  }
  SIGNET_RETURN_IF_ERROR(MakeWritable(free_bytes.value_or(0), needed));

  std::shared_lock lock(h_->mu);
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops()) {
    auto* cf = h_->db->cf[static_cast<std::size_t>(op.column)];
    rocksdb::Status s =
        op.value ? wb.Put(cf, ToSlice(op.key), ToSlice(*op.value)) : wb.Delete(cf, ToSlice(op.key));
    if (!s.ok()) return Translate(s, "building the write batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = batch.sync();
  rocksdb::Status s = h_->db->db->Write(wo, &wb);
  if (!s.ok() && !s.IsInvalidArgument()) {
    // A failed write (e.g. a background flush that met a full disk) puts
    // RocksDB in a read-only error state; ask it to recover so that a later
    // write succeeds once the cause is gone. This batch stays failed: the
    // caller acknowledged nothing.
    h_->db->db->Resume().PermitUncheckedError();
  }
  return Translate(s, "committing to the registry database");
}

Status RocksDbStore::MakeWritable(std::uint64_t free_bytes, std::uint64_t needed) {
  {
    std::shared_lock lock(h_->mu);
    if (!h_->db->read_only) return Status::Ok();
  }
  std::unique_lock lock(h_->mu);
  if (!h_->db->read_only) return Status::Ok();
  needed += NeededToOpenWritable(h_->dir);
  if (free_bytes < needed) return Status::Unavailable(NoSpaceMessage(h_->dir, free_bytes, needed));
  // Reopen for writing. Readers wait on the lock meanwhile; if it fails, the
  // read-only instance comes back so reads go on.
  h_->db.reset();
  auto writable = OpenDb(h_->dir, h_->options, /*read_only=*/false);
  if (writable.ok()) {
    h_->db = std::move(*writable);
    return Status::Ok();
  }
  auto again = OpenDb(h_->dir, h_->options, /*read_only=*/true);
  if (!again.ok()) return again.status();
  h_->db = std::move(*again);
  return Status::Unavailable("the registry database could not be reopened for writing (" +
                             writable.status().message() + "); retry later");
}

}  // namespace signet::registry
