// signetd entry point (placeholder until the HTTP server issue lands).
#include <fmt/core.h>

int main() {
  fmt::print(stderr, "signetd: the HTTP server is not built yet\n");
  return 1;
}
