#include "crypto/checkpoint.h"

#include <charconv>

namespace signet::crypto {
namespace {

Status CheckLine(std::string_view line, std::string_view what) {
  if (line.empty()) return Status::InvalidArgument("checkpoint " + std::string(what) + " is empty");
  if (line.find('\n') != std::string_view::npos) {
    return Status::InvalidArgument("checkpoint " + std::string(what) + " contains a newline");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> FormatCheckpointBody(const Checkpoint& c) {
  SIGNET_RETURN_IF_ERROR(CheckLine(c.origin, "origin"));
  for (const std::string& e : c.extensions) SIGNET_RETURN_IF_ERROR(CheckLine(e, "extension line"));
  std::string out = c.origin;
  out += '\n';
  out += std::to_string(c.size);
  out += '\n';
  out += Base64Encode(ByteView(c.root));
  out += '\n';
  for (const std::string& e : c.extensions) {
    out += e;
    out += '\n';
  }
  return out;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return Status::InvalidArgument("checkpoint body must end with a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) {
    return Status::InvalidArgument("checkpoint needs origin, size and root hash lines");
  }
  Checkpoint c;
  SIGNET_RETURN_IF_ERROR(CheckLine(lines[0], "origin"));
  c.origin = std::string(lines[0]);

  const std::string_view size = lines[1];
  const bool digits_only =
      !size.empty() && size.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || (size.size() > 1 && size[0] == '0')) {
    return Status::InvalidArgument("checkpoint tree size \"" + std::string(size) +
                                   "\" is not a decimal number without leading zeros");
  }
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return Status::InvalidArgument("checkpoint tree size is out of range");
  }

  Result<Bytes> root = Base64Decode(lines[2]);
  if (!root.ok()) return root.status().WithContext("checkpoint root hash");
  if (root->size() != c.root.size()) {
    return Status::InvalidArgument("checkpoint root hash must be 32 bytes, got " +
                                   std::to_string(root->size()));
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(CheckLine(lines[i], "extension line"));
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const note::Signer& signer) {
  SIGNET_ASSIGN_OR_RETURN(std::string body, FormatCheckpointBody(checkpoint));
  return signer.Sign(body);
}

Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const note::Verifier& verifier,
                                  std::string_view expected_origin) {
  SIGNET_ASSIGN_OR_RETURN(std::string body, note::Open(signed_note, verifier));
  SIGNET_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpointBody(body));
  if (!expected_origin.empty() && c.origin != expected_origin) {
    return Status::FailedPrecondition("checkpoint is for log \"" + c.origin + "\", expected \"" +
                                      std::string(expected_origin) + "\"");
  }
  return c;
}

}  // namespace signet::crypto
