// Emits a small transparency log, signed by a fresh key, for the Go
// interoperability test (tlog_verify.go): the verifier key, the leaves,
// signed checkpoints at several sizes, and every inclusion and consistency
// proof between them, all produced by crypto/ alone. It also writes copies
// with exactly one thing broken each, which the Go side must reject.
//
// Usage: emit_log_vectors OUTPUT_DIR
// Writes: vkey.txt, good.txt, bad_*.txt (line format in tlog_verify.go).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

namespace {

using signet::crypto::Base64Encode;
using signet::crypto::ByteView;
using signet::crypto::Digest;
namespace merkle = signet::crypto::merkle;
namespace note = signet::crypto::note;

constexpr const char* kOrigin = "signet.interop.test/log";
constexpr std::uint64_t kSizes[] = {1, 2, 3, 5, 8, 13, 16, 17, 37};

std::string Hashes(const std::vector<Digest>& hs) {
  std::string out;
  for (const Digest& h : hs) out.append(" ").append(Base64Encode(ByteView(h)));
  return out;
}

// Changes one base64 character of the first hash in a proof line (after the
// `fields`-th space) so the line still parses but the hash is different.
std::string BreakHash(std::string line, int fields) {
  std::size_t pos = 0;
  for (int i = 0; i < fields; ++i) pos = line.find(' ', pos) + 1;
  line[pos] = line[pos] == 'A' ? 'B' : 'A';
  return line;
}

bool WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  auto key = signet::crypto::SecretKey::Generate();
  if (!key.ok()) return 1;
  auto signer = note::Signer::Create(kOrigin, std::move(key).value());
  if (!signer.ok()) return 1;

  merkle::MemoryTree tree;
  std::vector<std::string> leaf_lines;
  std::map<std::uint64_t, std::string> checkpoint_lines;
  std::vector<std::string> inclusion_lines;
  std::vector<std::string> consistency_lines;
  const std::uint64_t max_size = kSizes[std::size(kSizes) - 1];
  std::vector<std::string> leaves;
  for (std::uint64_t i = 0; i < max_size; ++i) {
    // Varied lengths, including the empty leaf.
    leaves.push_back(std::string(i % 7, static_cast<char>('a' + i % 26)) + std::to_string(i));
    if (i == 0) leaves.back().clear();
  }
  // Proofs are computed from the final tree, which must serve proofs for any
  // earlier size: that is what the registry does.
  for (const std::string& l : leaves) tree.Append(l);
  const merkle::NodeReader read = tree.Reader();

  for (std::uint64_t i = 0; i < max_size; ++i) {
    leaf_lines.push_back("leaf " + std::to_string(i) + " " + Base64Encode(leaves[i]));
  }
  for (std::uint64_t size : kSizes) {
    auto root = merkle::RootHash(size, read);
    auto signed_note = signet::crypto::SignCheckpoint({kOrigin, size, *root, {}}, signer.value());
    if (!root.ok() || !signed_note.ok()) return 1;
    checkpoint_lines[size] = "checkpoint " + Base64Encode(*signed_note);
    for (std::uint64_t index = 0; index < size; ++index) {
      auto proof = merkle::InclusionProof(index, size, read);
      if (!proof.ok()) return 1;
      inclusion_lines.push_back("inclusion " + std::to_string(index) + " " + std::to_string(size) +
                                Hashes(*proof));
    }
    for (std::uint64_t old_size : kSizes) {
      if (old_size > size) break;
      auto proof = merkle::ConsistencyProof(old_size, size, read);
      if (!proof.ok()) return 1;
      consistency_lines.push_back("consistency " + std::to_string(old_size) + " " +
                                  std::to_string(size) + Hashes(*proof));
    }
  }

  auto join = [&](const std::map<std::string, std::string>& replace) {
    std::string out;
    auto emit = [&](const std::string& line) {
      auto it = replace.find(line);
      out += (it == replace.end() ? line : it->second) + "\n";
    };
    for (const auto& l : leaf_lines) emit(l);
    for (const auto& [size, l] : checkpoint_lines) emit(l);
    for (const auto& l : inclusion_lines) emit(l);
    for (const auto& l : consistency_lines) emit(l);
    return out;
  };

  // One mutation per bad file. Inclusion proof of leaf 6 in the 13-leaf tree
  // and consistency proof 5 -> 37 both have several hashes.
  std::string incl_6_13;
  std::string cons_5_37;
  for (const auto& l : inclusion_lines) {
    if (l.starts_with("inclusion 6 13 ")) incl_6_13 = l;
  }
  for (const auto& l : consistency_lines) {
    if (l.starts_with("consistency 5 37 ")) cons_5_37 = l;
  }
  // A checkpoint whose body says size 13 but whose signature was made over a
  // different body: the signature must fail.
  auto other_root = merkle::RootHash(12, read);
  auto other_note = signet::crypto::SignCheckpoint({kOrigin, 13, *other_root, {}}, signer.value());
  std::string tampered_note = *other_note;
  {
    auto good_note = signet::crypto::SignCheckpoint({kOrigin, 13, *merkle::RootHash(13, read), {}},
                                                    signer.value());
    // Good body, signature line of the other note.
    tampered_note = good_note->substr(0, good_note->rfind("\n\n") + 2) +
                    other_note->substr(other_note->rfind("\n\n") + 2);
  }
  // A checkpoint signed by a different key with the same name.
  auto impostor = note::Signer::Create(kOrigin, signet::crypto::SecretKey::Generate().value());
  auto impostor_note =
      signet::crypto::SignCheckpoint({kOrigin, 13, *merkle::RootHash(13, read), {}}, *impostor);

  const std::map<std::string, std::map<std::string, std::string>> files = {
      {"good.txt", {}},
      {"bad_inclusion_hash.txt", {{incl_6_13, BreakHash(incl_6_13, 3)}}},
      {"bad_inclusion_index.txt",
       {{incl_6_13, "inclusion 7 13" + incl_6_13.substr(std::string("inclusion 6 13").size())}}},
      {"bad_consistency_hash.txt", {{cons_5_37, BreakHash(cons_5_37, 3)}}},
      {"bad_consistency_short.txt", {{cons_5_37, cons_5_37.substr(0, cons_5_37.rfind(' '))}}},
      {"bad_checkpoint_signature.txt",
       {{checkpoint_lines[13], "checkpoint " + Base64Encode(tampered_note)}}},
      {"bad_checkpoint_key.txt",
       {{checkpoint_lines[13], "checkpoint " + Base64Encode(*impostor_note)}}},
      {"bad_leaf.txt", {{leaf_lines[9], "leaf 9 " + Base64Encode(std::string("forged"))}}},
  };
  for (const auto& [name, replace] : files) {
    if (!WriteFile(dir / name, join(replace))) return 1;
  }
  if (!WriteFile(dir / "vkey.txt", signer->verifier().ToText() + "\n")) return 1;
  std::printf("wrote %zu leaves, %zu checkpoints, %zu inclusion and %zu consistency proofs to %s\n",
              leaf_lines.size(), checkpoint_lines.size(), inclusion_lines.size(),
              consistency_lines.size(), dir.c_str());
  return 0;
}
