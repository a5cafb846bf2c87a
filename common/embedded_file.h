// A file embedded into a binary at build time by signet_embed_files()
// (cmake/SignetEmbed.cmake): the OpenAPI document, the web app's assets.
// The views point into storage the generated code owns for the whole life of
// the program. Thread safety: immutable.
#pragma once

#include <string_view>

namespace signet {

struct EmbeddedFile {
  std::string_view path;     // relative to the directory it was embedded from
  std::string_view content;  // the file's bytes
  std::string_view sha256;   // lowercase hex SHA-256 of content
};

}  // namespace signet
