// One memory budget for every request body the transport holds in memory at
// once (ordinary routes read their whole body before the handler runs). A
// request reserves its Content-Length before its body is read, or, chunked,
// reserves as it grows; what does not fit is refused early (503 +
// Retry-After) instead of taking the server's memory with it.
//
// Thread safety: TryReserve and Release may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace signet::server {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  std::uint64_t limit() const { return limit_; }
  std::uint64_t used() const { return used_.load(); }
  // Takes `bytes` when they fit under the limit; false (nothing taken) otherwise.
  bool TryReserve(std::uint64_t bytes) {
    std::uint64_t used = used_.load();
    do {
      if (bytes > limit_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes));
    return true;
  }
  // REQUIRES: `bytes` were reserved.
  void Release(std::uint64_t bytes) { used_.fetch_sub(bytes); }

  // What one request holds; released when it goes.
  class Reservation {
   public:
    explicit Reservation(MemoryBudget& budget) : budget_(budget) {}
    ~Reservation() { budget_.Release(held_); }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    // Grows what is held to at least `bytes`; false when the budget is spent.
    bool GrowTo(std::uint64_t bytes) {
      if (bytes <= held_) return true;
      if (!budget_.TryReserve(bytes - held_)) return false;
      held_ = bytes;
      return true;
    }
    std::uint64_t held() const { return held_; }

   private:
    MemoryBudget& budget_;
    std::uint64_t held_ = 0;
  };

 private:
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> used_{0};
};

}  // namespace signet::server
