#include "tools/signet/whole_file.h"

#include <fstream>
#include <sstream>

namespace signet::cli {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return std::move(ss).str();
}

}  // namespace signet::cli
