#include "tools/signet/interrupt.h"

#include <csignal>

namespace signet::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void OnInterrupt(int sig) {
  g_interrupted = 1;
  std::signal(sig, SIG_DFL);
}

}  // namespace

void InstallInterruptHandler() {
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
}

bool Interrupted() { return g_interrupted != 0; }

}  // namespace signet::cli
