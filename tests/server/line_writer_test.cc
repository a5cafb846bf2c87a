// LineWriter (the access log's sink) against real pipes: lines arrive whole
// and in order; a reader that never reads or has gone away costs dropped
// lines, counted, and never a blocked writer or a dead process.
#include "server/line_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

namespace signet::server {
namespace {

using namespace std::chrono_literals;

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  std::string ReadAvailable() const {
    ::fcntl(read, F_SETFL, ::fcntl(read, F_GETFL) | O_NONBLOCK);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(read, buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

std::string Line(int i) {
  return "{\"request\":" + std::to_string(i) + ",\"pad\":\"" + std::string(60, 'x') + "\"}\n";
}

TEST(LineWriter, WritesEveryLineInOrder) {
  Pipe p;
  std::string expected;
  {
    LineWriter w(p.write);
    for (int i = 0; i < 500; ++i) {
      w.Write(Line(i));
      expected += Line(i);
    }
  }  // drains on close
  EXPECT_EQ(p.ReadAvailable(), expected);
}

TEST(LineWriter, AReaderThatNeverReadsCostsCountedLinesNotAStall) {
  Pipe p;                        // nobody reads until the end: the pipe (64 KiB) fills at once
  constexpr int kLines = 50000;  // ~4 MB
  LineWriter w(p.write, 64 << 10, 100ms);
  for (int i = 0; i < kLines; ++i) w.Write(Line(i));  // must return: nothing waits on the fd
  EXPECT_GT(w.dropped(), 0u);
  w.Close();  // gives up draining after 100 ms
  const std::string got = p.ReadAvailable();
  // Whatever arrived is whole lines, in order, starting with the first.
  std::size_t lines = 0, at = 0;
  for (std::size_t nl; (nl = got.find('\n', at)) != std::string::npos; at = nl + 1) {
    ASSERT_EQ(got.substr(at, nl + 1 - at), Line(static_cast<int>(lines))) << lines;
    ++lines;
  }
  EXPECT_EQ(at, got.size()) << "a partial line reached the reader";
  EXPECT_GT(lines, 0u);
  EXPECT_EQ(lines + w.dropped(), static_cast<std::uint64_t>(kLines)) << "lines lost uncounted";
}

TEST(LineWriter, AReaderThatHasGoneIsNotFatal) {
  std::signal(SIGPIPE, SIG_IGN);  // as signetd does
  Pipe p;
  ::close(p.read);
  p.read = -1;
  LineWriter w(p.write, 1 << 20, 100ms);
  for (int i = 0; i < 100; ++i) w.Write(Line(i));
  for (int i = 0; i < 200 && w.dropped() < 100; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(w.dropped(), 100u);
}

}  // namespace
}  // namespace signet::server
