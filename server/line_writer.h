// LineWriter: the access log's sink. Lines are queued in memory and written to
// a file descriptor by a thread of its own, so that the I/O threads serving
// requests never block on a slow reader of stderr (a full pipe, a stalled
// terminal or log shipper). At most `max_queued_bytes` wait; beyond that, lines
// are dropped and counted rather than stalling the server.
//
// Thread safety: Write and dropped may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace signet::server {

class LineWriter {
 public:
  // `fd` stays owned by the caller and must outlive the writer.
  explicit LineWriter(int fd, std::size_t max_queued_bytes = std::size_t{8} << 20,
                      std::chrono::milliseconds drain_on_close = std::chrono::seconds(2));
  // Close()s.
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Queues one line (it should end with '\n'); never waits for the reader.
  // After Close, lines are dropped.
  void Write(std::string_view line);
  // Writes what is queued, waiting at most `drain_on_close` for the reader
  // (what it cannot write by then is dropped), then stops the thread. Safe to
  // call more than once.
  void Close();
  // Lines dropped because the queue was full, the reader gone or too slow to drain on close.
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void Run();
  // Writes `data` in pieces the fd accepts without blocking; gives up on an
  // error (reader gone) or when closing has waited drain_on_close. Returns the
  // bytes written.
  std::size_t WriteOut(std::string_view data);
  bool GiveUp();

  const int fd_;
  const std::size_t max_queued_bytes_;
  const std::chrono::milliseconds drain_on_close_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string queued_;                                // guarded by mu_
  bool stopping_ = false;                             // guarded by mu_
  std::chrono::steady_clock::time_point give_up_at_;  // guarded by mu_; set when stopping
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace signet::server
