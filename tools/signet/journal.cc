#include "tools/signet/journal.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace signet::cli {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A journal line's members; a torn or foreign line reads as empty values.
std::string JsonString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

double JsonNumber(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : 0;
}

std::string Key(const fs::path& file) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(file), ec);
  return ec ? fs::absolute(file).lexically_normal().string() : p.string();
}
}  // namespace

bool FileStamp(const fs::path& file, std::uintmax_t* size, std::int64_t* mtime) {
  std::error_code ec;
  *size = fs::file_size(file, ec);
  if (ec) return false;
  auto t = fs::last_write_time(file, ec);
  if (ec) return false;
  *mtime = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return true;
}

Result<RegisterJournal> RegisterJournal::Open(const fs::path& path) {
  RegisterJournal j;
  j.path_ = path;
  if (std::ifstream in(path); in) {
    for (std::string line; std::getline(in, line);) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec || !v.is_object()) continue;  // a torn line from a crash
      const json::object& o = v.get_object();
      JournalEntry e;
      e.size = static_cast<std::uintmax_t>(JsonNumber(o, "size"));
      e.mtime = static_cast<std::int64_t>(JsonNumber(o, "mtime"));
      e.work = JsonString(o, "work");
      e.terms = JsonString(o, "terms");
      e.landmark = static_cast<int>(JsonNumber(o, "landmark"));
      j.entries_[JsonString(o, "path")] = std::move(e);
    }
  }
  j.out_ = std::make_unique<std::ofstream>(path, std::ios::app);
  if (!*j.out_) {
    return Status::IoError("cannot write the register journal " + path.string() +
                           " (choose another place with --journal)");
  }
  return j;
}

const JournalEntry* RegisterJournal::Find(const fs::path& file) const {
  auto it = entries_.find(Key(file));
  if (it == entries_.end()) return nullptr;
  std::uintmax_t size = 0;
  std::int64_t mtime = 0;
  if (!FileStamp(file, &size, &mtime) || size != it->second.size || mtime != it->second.mtime) {
    return nullptr;
  }
  return &it->second;
}

Status RegisterJournal::Record(const fs::path& file, const std::string& work,
                               const std::string& terms_hash, int landmark_version) {
  JournalEntry e;
  if (!FileStamp(file, &e.size, &e.mtime)) return Status::Ok();  // vanished: nothing to skip later
  e.work = work;
  e.terms = terms_hash;
  e.landmark = landmark_version;
  const std::string key = Key(file);
  json::object o{{"path", key},  {"size", e.size},      {"mtime", e.mtime},
                 {"work", work}, {"terms", terms_hash}, {"landmark", landmark_version}};
  *out_ << json::serialize(o) << '\n';
  out_->flush();
  entries_[key] = std::move(e);
  if (!*out_) return Status::IoError("cannot append to " + path_.string());
  return Status::Ok();
}

}  // namespace signet::cli
