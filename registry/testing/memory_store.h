// Test support (not for production code): a Store (registry/store.h) held in
// memory, with the same read semantics as RocksDbStore. Write() is atomic but
// durable only as long as the process: use it for unit tests of the units
// that sit on a Store (the applier, the transparency log), never for data.
// set_fail_writes(true) makes Write() fail as a full disk does.
//
// Thread safety: every method may be called from several threads at once.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "registry/store.h"

namespace signet::registry::testing {

class MemoryStore : public Store {
 public:
  Result<std::optional<std::string>> Get(Column c, std::string_view key) const override;
  Status Scan(Column c, std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  Result<std::optional<std::pair<std::string, std::string>>> FindLastAtOrBefore(
      Column c, std::string_view prefix, std::string_view upper) const override;
  Status Write(const WriteSet& batch) override;

  void set_fail_writes(bool fail) { fail_writes_ = fail; }
  // Number of entries in `c`.
  std::size_t size(Column c) const;

 private:
  mutable std::mutex mu_;
  std::array<std::map<std::string, std::string, std::less<>>, kColumnCount> columns_;
  std::atomic<bool> fail_writes_{false};
};

}  // namespace signet::registry::testing
