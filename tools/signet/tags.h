// Reading a recording's descriptive tags (title, artist, ISRC, ...) with
// libavformat, for `signet register` when the catalogue CSV does not give them.
// fingerprint/ decodes samples and has no tag API; only the container's
// metadata is read here (no decoding), so this is cheap.
//
// Thread safety: independent calls may run concurrently.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace signet::cli {

struct FileTags {
  std::string title;
  std::string artist;
  std::string album;
  std::string composer;
  std::string isrc;  // from ISRC / TSRC tags
};

Result<FileTags> ReadFileTags(const std::filesystem::path& path);

}  // namespace signet::cli
