#include "crypto/internal/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace signet::crypto::internal {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("writing " + path.string() + ": " + ErrnoText(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

// Writes `content` to a fresh temporary file next to `path` with `mode`, then
// link()s it to `path`, which fails if `path` exists: never overwrites, never
// leaves a partial file under the final name.
Status WriteNewFile(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists(path.string() +
                                 " already exists; refusing to overwrite it (choose another path "
                                 "or move the old file away first)");
  }
  const std::filesystem::path dir =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  // Built with append(): GCC 12 -O3 reports a false -Wrestrict for "." + string.
  std::string name(".");
  name.append(path.filename().string()).append(".tmp-XXXXXX");
  const std::string tmpl = (dir / name).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  // mkstemp creates with mode 0600 regardless of umask.
  Fd fd(::mkstemp(buf.data()));
  if (fd.get() < 0) {
    return Status::IoError("cannot create a file in " + dir.string() + ": " + ErrnoText(errno));
  }
  const std::string tmp(buf.data());
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    return fail(Status::IoError("chmod " + tmp + ": " + ErrnoText(errno)));
  }
  if (Status s = WriteAll(fd.get(), content, tmp); !s.ok()) return fail(s);
  if (::fsync(fd.get()) != 0) {
    return fail(Status::IoError("fsync " + tmp + ": " + ErrnoText(errno)));
  }
  if (::close(fd.release()) != 0) {
    return fail(Status::IoError("close " + tmp + ": " + ErrnoText(errno)));
  }
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return fail(
          Status::AlreadyExists(path.string() + " already exists; refusing to overwrite it"));
    }
    return fail(Status::IoError("creating " + path.string() + ": " + ErrnoText(err)));
  }
  ::unlink(tmp.c_str());
  return Status::Ok();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Reads a whole small file into a string whose buffer is wiped afterwards by
// the caller (it may hold a secret).
Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::string_view what,
                                  std::string_view fix, std::uintmax_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Status::NotFound(std::string(what) + " " + path.string() + " does not exist" +
                              std::string(fix));
    }
    return Status::IoError("cannot open " + std::string(what) + " " + path.string() + ": " +
                           ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status::IoError("stat " + path.string() + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path.string() + " is not a regular file");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    return Status::InvalidArgument(path.string() + " is " + std::to_string(st.st_size) +
                                   " bytes; a " + std::string(what) + " is under " +
                                   std::to_string(max_bytes) + " bytes");
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("reading " + path.string() + ": " + ErrnoText(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return content;
}

Status CheckOwnerOnly(const std::filesystem::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return Status::Ok();
  char mode[8];
  std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
  const std::string p = path.string();
  return Status::PermissionDenied(std::string(what) + " " + p + " has mode " + mode +
                                  ": other users may be able to read it. Run `chmod 600 " + p +
                                  "` (and consider the key compromised if it was shared)");
}

}  // namespace signet::crypto::internal
