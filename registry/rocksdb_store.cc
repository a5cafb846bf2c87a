#include "registry/rocksdb_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <vector>

namespace signet::registry {
namespace {

constexpr std::array<std::string_view, kColumnCount> kNames = {
    "default",      "log_leaves",    "log_nodes",    "statement_ids", "artists", "works",
    "artist_works", "terms_history", "work_history", "fingerprints",  "sha256",  "disputes"};

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

}  // namespace

std::string_view ColumnName(Column c) { return kNames[static_cast<std::size_t>(c)]; }

struct RocksDbStore::Handles {
  std::unique_ptr<rocksdb::DB> db;
  std::string dir;
  std::array<rocksdb::ColumnFamilyHandle*, kColumnCount> cf{};

  ~Handles() {
    if (!db) return;
    // Flushing memtables on a clean shutdown spares the next Open a WAL replay.
    std::vector<rocksdb::ColumnFamilyHandle*> all(cf.begin(), cf.end());
    db->Flush(rocksdb::FlushOptions(), all).PermitUncheckedError();
    for (auto* h : cf) {
      if (h) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
  }
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
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
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
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir.string(), descriptors, &handles, &raw);
  if (!s.ok()) {
    return Translate(s, "cannot open the registry database in " + dir.string() +
                            " (is another signetd using it?)");
  }
  auto h = std::make_unique<Handles>();
  h->db.reset(raw);
  h->dir = dir.string();
  for (std::size_t i = 0; i < kColumnCount; ++i) h->cf[i] = handles[i];
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(h)));
}

Result<std::optional<std::string>> RocksDbStore::Get(Column c, std::string_view key) const {
  std::string value;
  rocksdb::Status s = h_->db->Get(rocksdb::ReadOptions(), h_->cf[static_cast<std::size_t>(c)],
                                  ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Translate(s, "reading " + std::string(ColumnName(c)));
  return std::optional<std::string>(std::move(value));
}

Status RocksDbStore::Scan(
    Column c, std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      h_->db->NewIterator(rocksdb::ReadOptions(), h_->cf[static_cast<std::size_t>(c)]));
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
  std::unique_ptr<rocksdb::Iterator> it(
      h_->db->NewIterator(rocksdb::ReadOptions(), h_->cf[static_cast<std::size_t>(c)]));
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
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops()) {
    auto* cf = h_->cf[static_cast<std::size_t>(op.column)];
    rocksdb::Status s =
        op.value ? wb.Put(cf, ToSlice(op.key), ToSlice(*op.value)) : wb.Delete(cf, ToSlice(op.key));
    if (!s.ok()) return Translate(s, "building the write batch");
  }
  // Refuse a write that could run the disk out of space. Debian's RocksDB
  // (7.8.3, assertions on) aborts the process on the next WAL sync after a
  // failed one (fixed upstream in facebook/rocksdb#12448), so ENOSPC must
  // never reach the WAL: keep a reserve for the batch, memtable flushes and
  // the MANIFEST. Nothing is written, nothing is acknowledged.
  if (struct statvfs vfs{}; ::statvfs(h_->dir.c_str(), &vfs) == 0) {
    const std::uint64_t free_bytes =
        static_cast<std::uint64_t>(vfs.f_bavail) * static_cast<std::uint64_t>(vfs.f_frsize);
    const std::uint64_t needed = kFreeSpaceReserveBytes + 2 * wb.GetDataSize();
    if (free_bytes < needed) {
      return Status::Unavailable(
          "the registry's disk is nearly full: " + std::to_string(free_bytes >> 20) +
          " MiB free in " + h_->dir + ", " + std::to_string(needed >> 20) +
          " MiB needed to write safely; free some space and retry (nothing was written)");
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = h_->db->Write(wo, &wb);
  if (!s.ok() && !s.IsInvalidArgument()) {
    // A failed WAL write (e.g. disk full) puts RocksDB in a read-only error
    // state; ask it to recover so that a later write succeeds once the cause
    // is gone. This batch stays failed: the caller acknowledged nothing.
    h_->db->Resume().PermitUncheckedError();
  }
  return Translate(s, "committing to the registry database");
}

}  // namespace signet::registry
