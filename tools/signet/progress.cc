#include "tools/signet/progress.h"

#include <unistd.h>

#include <cmath>

namespace signet::cli {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::string verb, std::size_t total, Mode mode, std::FILE* out)
    : verb_(std::move(verb)),
      total_(total),
      mode_(mode),
      out_(out),
      start_(std::chrono::steady_clock::now()) {
  if (mode_ == Mode::kAuto) mode_ = isatty(fileno(out_)) ? Mode::kBar : Mode::kLines;
}

Progress::~Progress() { Finish(); }

double Progress::Rate() const {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return secs > 0 ? static_cast<double>(done_) / secs : 0.0;
}

void Progress::Tick(std::string_view item, std::string_view outcome) {
  ++done_;
  if (mode_ == Mode::kLines) {
    std::fprintf(out_, "[%zu/%zu] %.*s: %.*s\n", done_, total_, static_cast<int>(item.size()),
                 item.data(), static_cast<int>(outcome.size()), outcome.data());
    std::fflush(out_);
  } else if (mode_ == Mode::kBar) {
    Draw(done_ == total_);
  }
}

void Progress::SetPrepared(std::size_t prepared, std::string_view what) {
  prepared_ = prepared;
  prepared_what_ = what;
  if (mode_ == Mode::kBar) Draw(false);
}

void Progress::Note(std::string_view message) {
  if (mode_ == Mode::kQuiet) return;
  if (bar_visible_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "%.*s\n", static_cast<int>(message.size()), message.data());
  bar_visible_ = false;
  if (mode_ == Mode::kBar) Draw(true);
  std::fflush(out_);
}

void Progress::Draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 24;
  const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double rate = Rate();
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : NAN;
  std::string prepared;
  if (prepared_ > done_) prepared = " (" + std::to_string(prepared_) + " " + prepared_what_ + ")";
  std::fprintf(out_, "\r\033[K%s [%s] %zu/%zu files%s  %.1f files/s  ETA %s", verb_.c_str(),
               bar.c_str(), done_, total_, prepared.c_str(), rate, FormatDuration(eta).c_str());
  std::fflush(out_);
  bar_visible_ = true;
}

void Progress::Finish() {
  if (bar_visible_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    bar_visible_ = false;
  }
}

}  // namespace signet::cli
