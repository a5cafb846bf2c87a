// Internal to signet_registry: writes pending over the committed Store, with
// read-your-writes. The group-commit writer (registry/group_commit.h) keeps
// one Overlay per commit group and applies each statement in a child Overlay
// that it merges into the group's only when the statement is accepted, so a
// rejected statement leaves nothing behind; the group's Overlay becomes the
// one WriteSet of the group. Tests apply statements to an Overlay over an
// in-memory Store the same way.
//
// Thread safety: not thread-safe; the Store underneath may be read by others
// meanwhile (it sees none of the pending writes).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "registry/store.h"

namespace signet::registry {

class Overlay {
 public:
  // Reads fall through to `parent` (when not null), then to `store`.
  // REQUIRES: both outlive the Overlay.
  explicit Overlay(const Store* store, Overlay* parent = nullptr)
      : store_(store), parent_(parent) {}
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  Result<std::optional<std::string>> Get(Column c, std::string_view key) const {
    auto it = writes_.find({c, std::string(key)});
    if (it != writes_.end()) return it->second;
    if (parent_) return parent_->Get(c, key);
    return store_->Get(c, key);
  }
  void Put(Column c, std::string key, std::string value) {
    writes_[{c, std::move(key)}] = std::move(value);
  }
  void Delete(Column c, std::string key) { writes_[{c, std::move(key)}] = std::nullopt; }

  // The decoded record under `key`, nullopt when absent.
  template <typename T>
  Result<std::optional<T>> GetRecord(Column c, std::string_view key,
                                     Result<T> (*decode)(std::string_view)) const {
    SIGNET_ASSIGN_OR_RETURN(auto v, Get(c, key));
    if (!v) return std::optional<T>();
    SIGNET_ASSIGN_OR_RETURN(T t, decode(*v));
    return std::optional<T>(std::move(t));
  }

  // REQUIRES: a parent.
  void MergeIntoParent() {
    for (auto& [k, v] : writes_) parent_->writes_[k] = std::move(v);
    writes_.clear();
  }
  void AppendTo(WriteSet& ws) const {
    for (const auto& [k, v] : writes_) {
      if (v) {
        ws.Put(k.first, k.second, *v);
      } else {
        ws.Delete(k.first, k.second);
      }
    }
  }

 private:
  const Store* store_;
  Overlay* parent_;
  std::map<std::pair<Column, std::string>, std::optional<std::string>> writes_;
};

}  // namespace signet::registry
