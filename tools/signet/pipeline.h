// OrderedParallelMap: the CLI's bounded parallel pipeline. Items come from a
// producer, are transformed on N worker threads (fingerprinting: CPU-bound)
// and are handed to a consumer on the calling thread in input order (so
// statements are signed with increasing seq, and reports are deterministic).
//
// Memory is bounded: at most `window` items are taken from the producer but not
// yet consumed, whatever the number of items (100k files use the same memory as
// 100). A slow consumer (e.g. a server applying backpressure) stalls the
// workers instead of growing a queue.
//
// Thread safety: `next` is called under the pipeline's lock (one at a time);
// `work` runs concurrently on the workers; `consume` runs on the calling thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace signet::cli {

// Returns the number of items consumed. `consume` returning false stops the
// pipeline: no more items are taken and the rest in flight are dropped.
// REQUIRES: workers >= 1, window >= workers.
template <typename In, typename Out>
std::size_t OrderedParallelMap(std::size_t workers, std::size_t window,
                               const std::function<std::optional<In>()>& next,
                               const std::function<Out(const In&)>& work,
                               const std::function<bool(In&&, Out&&)>& consume) {
  workers = std::max<std::size_t>(workers, 1);
  window = std::max(window, workers);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<std::pair<In, Out>>> slots(window);
  std::size_t taken = 0;     // items taken from the producer
  std::size_t consumed = 0;  // items handed to `consume`
  bool exhausted = false;    // the producer has no more
  bool stop = false;         // the consumer asked to stop
  std::size_t running = workers;

  auto worker = [&] {
    for (;;) {
      std::optional<In> in;
      std::size_t index = 0;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return stop || exhausted || taken - consumed < window; });
        if (stop || exhausted) break;
        in = next();
        if (!in) {
          exhausted = true;
          cv.notify_all();
          break;
        }
        index = taken++;
      }
      Out out = work(*in);
      {
        std::lock_guard l(mu);
        slots[index % window].emplace(std::move(*in), std::move(out));
      }
      cv.notify_all();
    }
    std::lock_guard l(mu);
    --running;
    cv.notify_all();
  };

  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(worker);

  for (;;) {
    std::optional<std::pair<In, Out>> item;
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] {
        return slots[consumed % window].has_value() ||
               (running == 0 && (exhausted || stop) && consumed == taken) ||
               (exhausted && consumed == taken);
      });
      if (!slots[consumed % window].has_value()) break;
      item = std::move(slots[consumed % window]);
      slots[consumed % window].reset();
    }
    const bool go_on = consume(std::move(item->first), std::move(item->second));
    {
      std::lock_guard l(mu);
      ++consumed;
      if (!go_on) stop = true;
    }
    cv.notify_all();
    if (!go_on) break;
  }
  for (auto& t : threads) t.join();
  return consumed;
}

}  // namespace signet::cli
