// Helpers shared by the fault test files (header-only, for gtest targets):
// temp dirs, a small tmpfs to fill, a disk filler, and problem+json checks.
#pragma once

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/faults/fault_support.h"
#include "tests/server/test_client.h"

namespace signet::faults {

namespace fs = std::filesystem;

inline fs::path TempDir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("signet_faults_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

inline std::string Explain(const Verification& v) {
  std::string s;
  for (const auto& p : v.problems) s += p + "\n";
  return s;
}

// A small tmpfs of our own, unmounted on destruction. Needs CAP_SYS_ADMIN.
class TmpfsMount {
 public:
  TmpfsMount(fs::path dir, const std::string& options) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool mounted() const { return mounted_; }
  const fs::path& dir() const { return dir_; }
  void Remount(unsigned long flags, const std::string& options) {
    ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | flags, options.c_str());
  }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

inline void ExpectProblemMentioning(const testing::HttpReply& r, int status,
                                    const std::string& word) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.ContentType(), "application/problem+json") << r.body;
  EXPECT_NE(r.body.find(word), std::string::npos)
      << "problem should mention \"" << word << "\": " << r.body;
}

// Writes `path` until the file system refuses another byte (a stranger
// filling the disk). Remove the file to give the space back.
inline void FillDisk(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(f) << path;
  std::vector<char> block(1 << 16, 'f');
  std::size_t chunk = block.size();
  while (chunk > 0) {
    if (std::fwrite(block.data(), 1, chunk, f) != chunk || std::fflush(f) != 0) {
      std::clearerr(f);
      chunk /= 2;
    }
  }
  std::fclose(f);
}

// A canonical 44-byte WAV header for PCM `data_bytes` long.
inline std::string WavHeader(std::uint32_t rate, std::uint16_t channels, std::uint16_t bits,
                             std::uint32_t data_bytes) {
  std::string h;
  auto u32 = [&h](std::uint32_t x) {
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  auto u16 = [&h](std::uint16_t x) {
    h.push_back(static_cast<char>(x & 0xff));
    h.push_back(static_cast<char>(x >> 8));
  };
  h += "RIFF";
  u32(36 + data_bytes);
  h += "WAVEfmt ";
  u32(16);
  u16(1);
  u16(channels);
  u32(rate);
  u32(rate * channels * bits / 8);
  u16(static_cast<std::uint16_t>(channels * bits / 8));
  u16(bits);
  h += "data";
  u32(data_bytes);
  return h;
}

}  // namespace signet::faults
