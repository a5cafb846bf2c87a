#include "registry/testing/memory_store.h"

#include <vector>

namespace signet::registry::testing {

Result<std::optional<std::string>> MemoryStore::Get(Column c, std::string_view key) const {
  std::lock_guard lock(mu_);
  const auto& m = columns_[static_cast<std::size_t>(c)];
  auto it = m.find(key);
  if (it == m.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStore::Scan(
    Column c, std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  // Copied out so that `visit` runs without the lock (it may read the store).
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard lock(mu_);
    const auto& m = columns_[static_cast<std::size_t>(c)];
    for (auto it = m.lower_bound(start > prefix ? start : prefix);
         it != m.end() && it->first.starts_with(prefix); ++it) {
      entries.emplace_back(*it);
    }
  }
  for (const auto& [k, v] : entries) {
    if (!visit(k, v)) break;
  }
  return Status::Ok();
}

Result<std::optional<std::pair<std::string, std::string>>> MemoryStore::FindLastAtOrBefore(
    Column c, std::string_view prefix, std::string_view upper) const {
  using Entry = std::optional<std::pair<std::string, std::string>>;
  std::lock_guard lock(mu_);
  const auto& m = columns_[static_cast<std::size_t>(c)];
  auto it = m.upper_bound(upper);
  if (it == m.begin()) return Entry();
  --it;
  if (!it->first.starts_with(prefix)) return Entry();
  return Entry(*it);
}

Status MemoryStore::Write(const WriteSet& batch) {
  if (fail_writes_) return Status::Unavailable("no space left on device (injected)");
  std::lock_guard lock(mu_);
  for (const auto& op : batch.ops()) {
    auto& m = columns_[static_cast<std::size_t>(op.column)];
    if (op.value) {
      m.insert_or_assign(op.key, *op.value);
    } else {
      m.erase(op.key);
    }
  }
  return Status::Ok();
}

std::size_t MemoryStore::size(Column c) const {
  std::lock_guard lock(mu_);
  return columns_[static_cast<std::size_t>(c)].size();
}

}  // namespace signet::registry::testing
