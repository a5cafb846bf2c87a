// Progress: what a long command (register, check) shows while it runs.
//
// On a terminal: one line redrawn at most 10 times a second on stderr, e.g.
//   checking [#########.........] 4512/10000 files  38.2 files/s  ETA 2:23
// and, while work is prepared ahead of the answers (check fingerprints files
// before the registry answers for them), how far that is:
//   checking [#########.........] 4512/10000 files (4530 fingerprinted) ...
// Otherwise (a log file, CI): one plain line per finished file,
//   [4512/10000] music/a.mp3: notAllowed
// so that the output stays greppable and nothing is overwritten.
//
// Thread safety: one thread calls Tick/Note/Finish.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace signet::cli {

class Progress {
 public:
  enum class Mode { kAuto, kBar, kLines, kQuiet };
  // kAuto: a bar when stderr is a terminal, else lines.
  Progress(std::string verb, std::size_t total, Mode mode, std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One file done; `outcome` is a short word or reason.
  void Tick(std::string_view item, std::string_view outcome);
  // `prepared` items are ready ahead of done() (e.g. fingerprinted, not yet
  // answered); shown on the bar, so it moves before the first answer.
  void SetPrepared(std::size_t prepared, std::string_view what);
  // A message that must not be overwritten by the bar (warnings).
  void Note(std::string_view message);
  // Clears the bar. Idempotent.
  void Finish();

  std::size_t done() const { return done_; }
  double Rate() const;  // items per second so far

 private:
  void Draw(bool force);

  std::string verb_;
  std::size_t total_;
  Mode mode_;
  std::FILE* out_;
  std::size_t done_ = 0;
  std::size_t prepared_ = 0;
  std::string prepared_what_;
  bool bar_visible_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "1:02:03" or "2:03".
std::string FormatDuration(double seconds);

}  // namespace signet::cli
