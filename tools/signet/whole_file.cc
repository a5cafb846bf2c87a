#include "tools/signet/whole_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace signet::cli {
namespace fs = std::filesystem;

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return std::move(ss).str();
}

Status FsyncPath(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open " + p.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError("cannot sync " + p.string());
}

Status WriteFileSynced(const fs::path& p, std::string_view data) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + p.parent_path().string() + ": " + ec.message());
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) return Status::IoError("cannot write " + tmp.string() + " (disk full?)");
  }
  SIGNET_RETURN_IF_ERROR(FsyncPath(tmp, O_RDONLY));
  fs::rename(tmp, p, ec);
  if (ec) return Status::IoError("cannot rename " + tmp.string() + ": " + ec.message());
  return FsyncPath(p.parent_path(), O_RDONLY | O_DIRECTORY);
}

}  // namespace signet::cli
