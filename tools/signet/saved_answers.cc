#include "tools/signet/saved_answers.h"

#include <boost/json.hpp>
#include <cstdlib>

#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/receipt.h"
#include "crypto/sha256.h"
#include "protocol/answers_json.h"
#include "protocol/statement_payload.h"
#include "protocol/terms.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Lines of `file` as [begin, end) offsets, the newline excluded; a last line
// without a newline counts too.
std::vector<std::pair<std::size_t, std::size_t>> Lines(std::string_view file) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t start = 0;
  while (start < file.size()) {
    std::size_t nl = file.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? file.size() : nl;
    out.emplace_back(start, end);
    start = end + 1;
  }
  return out;
}

std::string RootText(const crypto::Digest& d) { return crypto::Base64Encode(crypto::ByteView(d)); }

// "key value" lines of the check receipt's signed text (api/routes_check.cc).
Result<std::string> Field(const std::vector<std::string_view>& lines, std::size_t i,
                          std::string_view key) {
  if (i >= lines.size() || !lines[i].starts_with(std::string(key) + " ")) {
    return Status::InvalidArgument("the signed receipt has no \"" + std::string(key) +
                                   "\" line where the format puts it (line " +
                                   std::to_string(i + 1) + ")");
  }
  return std::string(lines[i].substr(key.size() + 1));
}

Status Changed(std::string what) {
  return Status::FailedPrecondition("the answer was changed after it was signed: " +
                                    std::move(what));
}

}  // namespace

bool LooksLikeCheckAnswers(std::string_view file) {
  auto lines = Lines(file);
  while (!lines.empty() && lines.back().first == lines.back().second) lines.pop_back();
  if (lines.empty()) return false;
  const auto [b, e] = lines.back();
  return file.substr(b, e - b).starts_with("{\"summary\"");
}

Result<VerifiedCheckAnswers> VerifyCheckAnswers(std::string_view file,
                                                const crypto::note::Verifier& log_key) {
  auto lines = Lines(file);
  while (!lines.empty() && lines.back().first == lines.back().second) lines.pop_back();
  if (lines.empty()) return Status::InvalidArgument("the file is empty");
  const auto [sb, se] = lines.back();
  auto parsed = protocol::ParseAnswer(file.substr(sb, se - sb), protocol::CheckLineFromJson);
  if (!parsed.ok()) return parsed.status().WithContext("its last line (the summary)");
  const auto* summary = std::get_if<protocol::CheckSummaryLine>(&*parsed);
  if (!summary) return Status::InvalidArgument("its last line is not the registry's summary");
  if (!summary->receipt) {
    return Status::FailedPrecondition(
        "the summary carries no receipt (the check was run without one" +
        (summary->receipt_error ? ": " + *summary->receipt_error : std::string()) +
        "); there is nothing signed to verify");
  }
  // The hash covers every byte before the summary line, newlines included.
  const crypto::Digest digest = crypto::Sha256(file.substr(0, sb));
  const std::string digest_b64 = RootText(digest);
  if (digest_b64 != summary->receipt->answer_sha256) {
    return Changed("the lines before the summary hash to " + digest_b64 + ", the receipt says " +
                   summary->receipt->answer_sha256);
  }
  auto text = crypto::note::Open(summary->receipt->note, log_key);
  if (!text.ok()) return text.status().WithContext("the receipt's signature");
  std::vector<std::string_view> t;
  for (const auto& [b, e] : Lines(*text)) t.push_back(std::string_view(*text).substr(b, e - b));
  if (t.size() < 7 || t[0] != "signet check receipt v1") {
    return Status::InvalidArgument("the receipt is not a \"signet check receipt v1\"");
  }
  VerifiedCheckAnswers out;
  out.checkpoint.origin = std::string(t[1]);
  SIGNET_ASSIGN_OR_RETURN(out.purpose, Field(t, 2, "purpose"));
  SIGNET_ASSIGN_OR_RETURN(std::string items, Field(t, 3, "items"));
  SIGNET_ASSIGN_OR_RETURN(std::string signed_digest, Field(t, 4, "answer-sha256"));
  SIGNET_ASSIGN_OR_RETURN(std::string checkpoint, Field(t, 5, "checkpoint"));
  SIGNET_ASSIGN_OR_RETURN(out.time, Field(t, 6, "time"));
  if (signed_digest != digest_b64) {
    return Changed("the signed answer-sha256 " + signed_digest + " is not the file's " +
                   digest_b64);
  }
  if (out.purpose != protocol::PurposeKey(summary->purpose)) {
    return Changed("the summary's purpose is " +
                   std::string(protocol::PurposeKey(summary->purpose)) + ", the signed one " +
                   out.purpose);
  }
  // One line per item, errors included (api/routes_check.cc).
  std::size_t answer_lines = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].first != lines[i].second) ++answer_lines;
  }
  out.items = std::strtoull(items.c_str(), nullptr, 10);
  if (std::to_string(out.items) != items || out.items != summary->items ||
      out.items != answer_lines) {
    return Changed("the signed item count " + items + " does not match the file's " +
                   std::to_string(answer_lines) + " answer lines");
  }
  const std::size_t space = checkpoint.find(' ');
  auto root = crypto::Base64Decode(space == std::string::npos ? "" : checkpoint.substr(space + 1));
  out.checkpoint.size = std::strtoull(checkpoint.c_str(), nullptr, 10);
  if (space == std::string::npos || !root.ok() || root->size() != out.checkpoint.root.size() ||
      std::to_string(out.checkpoint.size) != checkpoint.substr(0, space)) {
    return Status::InvalidArgument("the receipt's checkpoint line \"" + checkpoint +
                                   "\" is not \"<size> <base64 root>\"");
  }
  std::copy(root->begin(), root->end(), out.checkpoint.root.begin());
  return out;
}

Result<std::vector<VerifiedAcceptance>> VerifyAcceptedAnswers(
    std::string_view file, const crypto::note::Verifier& log_key) {
  std::vector<VerifiedAcceptance> out;
  std::size_t n = 0;
  for (const auto& [b, e] : Lines(file)) {
    ++n;
    std::string_view line = file.substr(b, e - b);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = "line " + std::to_string(n);
    auto accepted = protocol::ParseAnswer(line, protocol::AcceptedFromJson);
    if (!accepted.ok()) {
      return accepted.status().WithContext(where + " (not an answer to an accepted statement)");
    }
    auto cp = crypto::VerifyReceipt(accepted->receipt, std::nullopt, log_key);
    if (!cp.ok()) return cp.status().WithContext(where + ": its receipt");
    if (accepted->receipt.leaf_index != accepted->log_index) {
      return Changed(where + ": log_index " + std::to_string(accepted->log_index) +
                     " but the receipt proves leaf " +
                     std::to_string(accepted->receipt.leaf_index));
    }
    VerifiedAcceptance v;
    v.statement_id = accepted->statement_id;
    v.type = std::string(protocol::StatementTypeName(accepted->type));
    v.leaf_index = accepted->receipt.leaf_index;
    v.leaf_hash = accepted->receipt.leaf_hash;
    v.checkpoint = {cp->origin, cp->size, cp->root};
    out.push_back(std::move(v));
  }
  if (out.empty()) return Status::InvalidArgument("the file holds no answers");
  return out;
}

Status ProveExtends(const LoggedState& older, const crypto::Checkpoint& current,
                    const RegistryGet& get, std::string_view older_what) {
  const std::string was = std::string(older_what) + " (size " + std::to_string(older.size) +
                          ", root " + RootText(older.root) + ")";
  if (older.origin != current.origin) {
    return Status::InvalidArgument(was + " is of log " + older.origin + ", the server's is " +
                                   current.origin);
  }
  if (older.size > current.size) {
    return Status::FailedPrecondition("ROLLBACK: the registry's log now has " +
                                      std::to_string(current.size) + " entries, fewer than " + was +
                                      ": entries were removed");
  }
  std::vector<crypto::Digest> proof;
  if (older.size != current.size && older.size != 0) {
    SIGNET_ASSIGN_OR_RETURN(std::string body,
                            get("/v1/log/proof/consistency?old=" + std::to_string(older.size) +
                                "&new=" + std::to_string(current.size)));
    SIGNET_ASSIGN_OR_RETURN(auto doc, crypto::ParseConsistencyProofJson(body));
    if (doc.old_size != older.size || doc.new_size != current.size) {
      return Status::InvalidArgument("the registry's consistency proof is for other sizes");
    }
    proof = std::move(doc.proof);
  }
  if (Status s = crypto::merkle::VerifyConsistency(older.size, current.size, older.root,
                                                   current.root, proof);
      !s.ok()) {
    return Status::FailedPrecondition("FORK: the registry's log at size " +
                                      std::to_string(current.size) + " (root " +
                                      RootText(current.root) + ") does not extend " + was +
                                      ": its history was rewritten (" + s.message() + ")");
  }
  return Status::Ok();
}

fs::path CheckpointMemory::DefaultDir() {
  if (const char* d = std::getenv("SIGNET_STATE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "signet";
  if (const char* h = std::getenv("HOME"); h && *h) {
    return fs::path(h) / ".local" / "state" / "signet";
  }
  return fs::path(".signet-state");
}

fs::path CheckpointMemory::PathFor(std::string_view origin) const {
  std::string name;
  for (char c : origin) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-';
    name.push_back(plain ? c : '_');
  }
  // The hash keeps two origins that differ only in replaced characters apart.
  const crypto::Digest d = crypto::Sha256(origin);
  name.push_back('.');
  name.append(crypto::HexEncode(crypto::ByteView(d.data(), 4)));
  return dir_ / "checkpoints" / name;
}

Result<std::optional<crypto::Checkpoint>> CheckpointMemory::Load(
    std::string_view origin, const crypto::note::Verifier& log_key) const {
  const fs::path p = PathFor(origin);
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<crypto::Checkpoint>();
  SIGNET_ASSIGN_OR_RETURN(std::string note, ReadWholeFile(p));
  auto cp = crypto::OpenCheckpoint(note, log_key, origin);
  if (!cp.ok()) return cp.status().WithContext("the checkpoint saved in " + p.string());
  return std::optional<crypto::Checkpoint>(std::move(*cp));
}

Status CheckpointMemory::Save(std::string_view origin, std::string_view signed_note) const {
  return WriteFileSynced(PathFor(origin), signed_note);
}

}  // namespace signet::cli
