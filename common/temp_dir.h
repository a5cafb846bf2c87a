// TempDir: a fresh directory of its own (mkdtemp) under the system's temp
// directory ($TMPDIR, else /tmp), removed with everything in it when the
// TempDir is destroyed. For tests, benchmarks and evaluation tools that need
// scratch space; one helper instead of a copy in each.
//
// Ownership: a TempDir owns its directory; moving it moves the ownership,
// Keep() gives it up (the directory stays, e.g. for a crash to inspect).
// Thread safety: one owner; the directory is private to the process.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/status.h"

namespace signet {

class TempDir {
 public:
  // A new directory named "<prefix>-XXXXXX". IoError when none can be made.
  static Result<TempDir> Create(std::string_view prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // The directory outlives this object.
  void Keep() { keep_ = true; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  void Remove();

  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace signet
