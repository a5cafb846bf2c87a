#include "server/line_writer.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace signet::server {
namespace {

using Clock = std::chrono::steady_clock;

// A write of at most PIPE_BUF bytes to a pipe that polls writable does not
// block (POSIX); regular files and terminals take it at once.
constexpr std::size_t kPiece = 4096;

std::size_t CountLines(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

LineWriter::LineWriter(int fd, std::size_t max_queued_bytes,
                       std::chrono::milliseconds drain_on_close)
    : fd_(fd), max_queued_bytes_(max_queued_bytes), drain_on_close_(drain_on_close) {
  thread_ = std::thread([this] { Run(); });
}

LineWriter::~LineWriter() { Close(); }

void LineWriter::Close() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    give_up_at_ = Clock::now() + drain_on_close_;
  }
  cv_.notify_all();
  thread_.join();
}

void LineWriter::Write(std::string_view line) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queued_.size() + line.size() > max_queued_bytes_) {
      dropped_.fetch_add(std::max<std::size_t>(1, CountLines(line)));
      return;
    }
    queued_.append(line);
  }
  cv_.notify_one();
}

bool LineWriter::GiveUp() {
  std::lock_guard lock(mu_);
  return stopping_ && Clock::now() >= give_up_at_;
}

std::size_t LineWriter::WriteOut(std::string_view data) {
  std::size_t written = 0;
  while (written < data.size()) {
    pollfd p{fd_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, 50);
    if (ready < 0 && errno != EINTR) return written;
    if (ready <= 0) {
      if (GiveUp()) return written;
      continue;
    }
    if ((p.revents & (POLLERR | POLLNVAL)) != 0) return written;  // reader gone, fd closed
    // Whole lines where they fit, so that other writers of the fd interleave
    // at line boundaries.
    std::string_view rest = data.substr(written);
    std::size_t n = std::min(rest.size(), kPiece);
    if (n < rest.size()) {
      const std::size_t nl = rest.substr(0, n).rfind('\n');
      if (nl != std::string_view::npos) n = nl + 1;
    }
    const ssize_t w = ::write(fd_, rest.data(), n);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return written;  // EPIPE (SIGPIPE is ignored by signetd), EBADF, EIO...
    }
    written += static_cast<std::size_t>(w);
  }
  return written;
}

void LineWriter::Run() {
  std::string batch;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      batch.swap(queued_);
      stopping = stopping_;
    }
    if (!batch.empty()) {
      const std::size_t n = WriteOut(batch);
      if (n < batch.size()) {
        dropped_.fetch_add(std::max<std::size_t>(1, CountLines(std::string_view(batch).substr(n))));
      }
      batch.clear();
    }
    if (stopping) {
      std::lock_guard lock(mu_);
      if (queued_.empty()) return;
    }
  }
}

}  // namespace signet::server
