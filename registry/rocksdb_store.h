// RocksDbStore: the Store (registry/store.h) on RocksDB, one column family
// per Column. Writes go through a WriteBatch with WriteOptions::sync = true,
// so Write() returns only after the WAL is fsynced. Group commit is done one
// level up (the registry writes one batch per group of statements).
//
// A full disk: Write() refuses a batch with Unavailable while the file system
// has less than kFreeSpaceReserveBytes (plus twice the batch) free, so ENOSPC
// never reaches the WAL; closing flushes memtables only when there is room
// (nothing is lost without it: the WAL is synced). Open() on a disk too full
// to recover the WAL opens an existing database read-only: reads are served
// and Write() answers Unavailable until space returns, then reopens it for
// writing in place (no restart).
//
// Thread safety: all methods are thread-safe (RocksDB's own guarantees; the
// switch to writable holds out readers for its duration).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "registry/store.h"

namespace signet::registry {

// Memory RocksDB may use, and how values are laid out (registry/STORAGE.md
// "RocksDB options"). The defaults suit a registry of a million works on a
// 24 GB machine next to its fingerprint index.
struct RocksDbStoreOptions {
  // Block cache for reads, shared by every column family.
  std::size_t block_cache_bytes = std::size_t{128} << 20;
  // Memtables of all column families together (each at most a quarter).
  std::size_t write_buffer_bytes = std::size_t{128} << 20;
  // Table files kept open (their index blocks stay in memory); -1: all.
  int max_open_files = 512;
  // Envelopes and raw fingerprints (kilobytes each, written once) go to
  // blob files instead of the LSM tree, so compactions do not rewrite them.
  bool blob_files = true;
};

class RocksDbStore final : public Store {
 public:
  // Write() answers Unavailable instead of writing when the data dir's file
  // system has less than this (plus twice the batch) free.
  static constexpr std::uint64_t kFreeSpaceReserveBytes = 8ull << 20;

  // Opens or creates the database at `dir`, creating missing column families.
  // An error names the directory and says what failed (permissions, lock held
  // by another signetd, corruption).
  static Result<std::unique_ptr<RocksDbStore>> Open(const std::filesystem::path& dir,
                                                    const RocksDbStoreOptions& options = {});

  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;
  ~RocksDbStore() override;

  Result<std::optional<std::string>> Get(Column c, std::string_view key) const override;
  Status Scan(Column c, std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  Result<std::optional<std::pair<std::string, std::string>>> FindLastAtOrBefore(
      Column c, std::string_view prefix, std::string_view upper) const override;
  Status Write(const WriteSet& batch) override;

 private:
  struct Handles;
  explicit RocksDbStore(std::unique_ptr<Handles> h);
  // Reopens a read-only database for writing when `free_bytes` allows.
  Status MakeWritable(std::uint64_t free_bytes, std::uint64_t needed);
  std::unique_ptr<Handles> h_;
};

}  // namespace signet::registry
