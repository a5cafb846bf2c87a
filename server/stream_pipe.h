// Internal to the transport (includes Asio; do not include from headers that
// many files use). A bounded queue between a coroutine on a connection's
// strand and a worker thread: the worker blocks on a condition variable, the
// coroutine waits on a timer that the worker cancels (through the strand) when
// it changes the queue. Closing wakes both sides, so neither can wait forever
// once the connection or the handler is gone, even after the I/O threads stop.
//
// Thread safety: one producer and one consumer; one side calls the Async*
// members on the strand, the other the blocking ones on any thread.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace signet::server {

template <typename T>
class StreamPipe : public std::enable_shared_from_this<StreamPipe<T>> {
 public:
  StreamPipe(boost::asio::any_io_executor strand, std::size_t capacity)
      : strand_(strand), wake_(strand), capacity_(capacity) {
    wake_.expires_at(boost::asio::steady_timer::time_point::max());
  }

  // Blocking side. False when the pipe is closed.
  bool Push(T value) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return false;
    queue_.push_back(std::move(value));
    lock.unlock();
    WakeStrand();
    return true;
  }
  // Blocking side. nullopt when the pipe is closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    T v = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    WakeStrand();
    return v;
  }

  // Strand side.
  boost::asio::awaitable<bool> AsyncPush(T value) {
    for (;;) {
      bool done = false, pushed = false;
      {
        std::lock_guard lock(mu_);
        if (closed_) {
          done = true;
        } else if (queue_.size() < capacity_) {
          queue_.push_back(std::move(value));
          done = pushed = true;
        }
      }
      if (done) {
        cv_.notify_all();
        co_return pushed;
      }
      co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }
  boost::asio::awaitable<std::optional<T>> AsyncPop() {
    for (;;) {
      std::optional<T> v;
      bool done = false;
      {
        std::lock_guard lock(mu_);
        if (!queue_.empty()) {
          v = std::move(queue_.front());
          queue_.pop_front();
          done = true;
        } else if (closed_) {
          done = true;
        }
      }
      if (done) {
        cv_.notify_all();
        co_return v;
      }
      co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  // Either side. Items already queued can still be popped. The first error
  // given sticks.
  void Close(std::string error = {}) {
    {
      std::lock_guard lock(mu_);
      if (!closed_) error_ = std::move(error);
      closed_ = true;
    }
    cv_.notify_all();
    WakeStrand();
  }
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  void WakeStrand() {
    boost::asio::post(strand_, [self = this->shared_from_this()] { self->wake_.cancel(); });
  }

  boost::asio::any_io_executor strand_;
  boost::asio::steady_timer wake_;  // only touched on the strand
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> queue_;
  bool closed_ = false;
  std::string error_;
};

}  // namespace signet::server
