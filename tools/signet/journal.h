// RegisterJournal: what `signet register` has already done, so that an
// interrupted run can be re-run without fingerprinting or sending again.
//
// One JSON object per line, appended and flushed after each file is done:
//   {"path":"/abs/file.ogg","size":123,"mtime":1700000000,"work":"wk_...","terms":"<sha256>",
//    "landmark":1}
// `terms` is the SHA-256 of the terms JSON applied to the work ("" for none);
// `landmark` the landmark print format version the work was registered with
// (absent: none, a line of a CLI before landmark prints). A file is skipped
// when path, size and mtime match, the terms asked for now are the ones
// already applied and the work has the current landmark print. A torn last line (crash) is ignored.
// The journal is only a shortcut: the registry itself also answers "already registered" for a work
// it has (the work id is derived from artist and fingerprint), so losing the journal costs time,
// never duplicates.
//
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_map>

#include "common/status.h"

namespace signet::cli {

struct JournalEntry {
  std::uintmax_t size = 0;
  std::int64_t mtime = 0;
  std::string work;
  std::string terms;
  int landmark = 0;  // landmark print format version; 0: none
};

class RegisterJournal {
 public:
  static Result<RegisterJournal> Open(const std::filesystem::path& path);

  // The entry for `file` when it is unchanged since it was recorded.
  const JournalEntry* Find(const std::filesystem::path& file) const;
  Status Record(const std::filesystem::path& file, const std::string& work,
                const std::string& terms_hash, int landmark_version);
  std::size_t size() const { return entries_.size(); }

 private:
  std::filesystem::path path_;
  std::unordered_map<std::string, JournalEntry> entries_;
  std::unique_ptr<std::ofstream> out_;
};

// size and mtime (seconds) of a file; false when it cannot be stat'ed.
bool FileStamp(const std::filesystem::path& file, std::uintmax_t* size, std::int64_t* mtime);

}  // namespace signet::cli
