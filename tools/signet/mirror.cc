#include "tools/signet/mirror.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/tiles.h"
#include "tools/signet/statement_auditor.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
namespace merkle = crypto::merkle;
namespace tiles = crypto::tiles;

constexpr std::size_t kHashBytes = 32;

Status Inconsistent(std::string what) {
  return Status::FailedPrecondition("INCONSISTENT: " + std::move(what));
}

Result<std::string> ReadFile(const fs::path& p) { return ReadWholeFile(p); }

// The committed mirror's tiles. A tile may be found wider than asked (an
// update interrupted after moving its files): its prefix is the same tile.
class LocalTiles {
 public:
  explicit LocalTiles(fs::path dir) : dir_(std::move(dir)) {}

  Result<std::string> Read(const tiles::Tile& t) {
    const std::string key = tiles::Path(t);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    SIGNET_ASSIGN_OR_RETURN(auto found, Find(t));
    std::string data = std::move(found.second);
    if (!t.entries) {
      if (data.size() < std::size_t{t.width} * kHashBytes) {
        return Status::Internal("the mirror's " + key + " is too short: the mirror is damaged");
      }
      data.resize(std::size_t{t.width} * kHashBytes);
    }
    if (cache_.size() > 64) cache_.clear();
    return cache_[key] = std::move(data);
  }

  // The first `t.width` entries of bundle t.
  Result<std::vector<std::string>> Entries(const tiles::Tile& t) {
    SIGNET_ASSIGN_OR_RETURN(auto found, Find(t));
    auto parsed = tiles::ParseBundle(found.second, found.first);
    if (!parsed.ok()) return parsed.status().WithContext("the mirror's " + tiles::Path(t));
    return std::vector<std::string>(parsed->begin(), parsed->begin() + t.width);
  }

 private:
  // (width found, bytes) of the tile at t's position at least as wide as t.
  Result<std::pair<std::uint32_t, std::string>> Find(const tiles::Tile& t) {
    for (std::uint32_t w = t.width; w <= tiles::kFullWidth; ++w) {
      tiles::Tile wider = t;
      wider.width = w;
      Result<std::string> data = ReadFile(dir_ / tiles::Path(wider));
      if (data.ok()) return std::make_pair(w, std::move(*data));
      if (data.status().code() != Status::Code::kNotFound) return data.status();
    }
    return Status::Internal("the mirror lacks " + tiles::Path(t) + ": the mirror is damaged");
  }

  fs::path dir_;
  std::map<std::string, std::string> cache_;
};

// The nodes the new leaves complete, per level, on top of the verified tree.
class TreeBuilder {
 public:
  TreeBuilder(std::uint64_t old_size, merkle::NodeReader old) : old_size_(old_size), old_(old) {}

  merkle::NodeReader Reader() const {
    return [this](std::uint32_t level, std::uint64_t index) -> Result<crypto::Digest> {
      if (level < levels_.size()) {
        const std::uint64_t base = level < 64 ? old_size_ >> level : 0;
        const auto& v = levels_[level];
        if (index >= base && index - base < v.size()) return v[index - base];
      }
      return old_(level, index);
    };
  }

  void Add(const std::vector<merkle::NodeWrite>& nodes) {
    for (const merkle::NodeWrite& n : nodes) {
      if (levels_.size() <= n.level) levels_.resize(n.level + 1);
      levels_[n.level].push_back(n.hash);
    }
  }

 private:
  std::uint64_t old_size_;
  merkle::NodeReader old_;
  std::vector<std::vector<crypto::Digest>> levels_;
};

struct Staged {
  tiles::Tile tile;
  std::uint64_t old_size;  // to find the partial tile this one supersedes
};

// The width tile t's position had in the tree of old_size leaves (0: none).
std::uint32_t OldWidth(const tiles::Tile& t, std::uint64_t old_size) {
  const std::uint64_t have = tiles::HashesAtLevel(t.entries ? 0 : t.level, old_size);
  if (have <= t.index * tiles::kFullWidth) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(have - t.index * tiles::kFullWidth, tiles::kFullWidth));
}

Status Commit(const fs::path& dir, const fs::path& staging, const std::vector<Staged>& staged) {
  std::set<fs::path> dirs;
  for (const Staged& s : staged) {
    const fs::path to = dir / tiles::Path(s.tile);
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    fs::rename(staging / tiles::Path(s.tile), to, ec);
    if (ec) return Status::IoError("cannot move " + to.string() + " into place: " + ec.message());
    dirs.insert(to.parent_path());
    const std::uint32_t old_width = OldWidth(s.tile, s.old_size);
    if (old_width != 0 && old_width != s.tile.width) {
      tiles::Tile old = s.tile;
      old.width = old_width;
      const fs::path stale = dir / tiles::Path(old);
      fs::remove(stale, ec);
      fs::remove(stale.parent_path(), ec);  // the N.p directory, once empty
    }
  }
  for (const fs::path& d : dirs) SIGNET_RETURN_IF_ERROR(FsyncPath(d, O_RDONLY | O_DIRECTORY));
  return Status::Ok();
}

}  // namespace

Result<MirrorResult> UpdateMirror(const MirrorOptions& options, const LogFetcher& fetch) {
  const fs::path& dir = options.dir;
  auto say = [&](const std::string& m) {
    if (options.progress) options.progress(m);
  };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir.string() + ": " + ec.message());

  // The log's key: pinned by the first update.
  std::optional<crypto::note::Verifier> key;
  if (Result<std::string> pinned = ReadFile(dir / "log.vkey"); pinned.ok()) {
    Result<crypto::note::Verifier> v = crypto::note::Verifier::Parse(*pinned);
    if (!v.ok()) return v.status().WithContext((dir / "log.vkey").string());
    if (options.log_key && options.log_key->ToText() != v->ToText()) {
      return Status::InvalidArgument(dir.string() + " mirrors the log with key " + v->ToText() +
                                     ", not " + options.log_key->ToText() +
                                     "; use another directory for another log");
    }
    key = std::move(*v);
  } else if (options.log_key) {
    key = options.log_key;
  } else {
    return Status::InvalidArgument(
        "the first mirror into " + dir.string() +
        " needs --key: the log's verifier key, obtained out of band (GET /v1/log/key shows "
        "it, but only a copy you trust proves anything)");
  }

  MirrorResult result;
  crypto::Digest old_root = merkle::EmptyRoot();
  std::string old_text;
  if (Result<std::string> t = ReadFile(dir / "checkpoint"); t.ok()) {
    Result<crypto::Checkpoint> old = crypto::OpenCheckpoint(*t, *key);
    if (!old.ok()) return old.status().WithContext("the mirror's checkpoint");
    result.old_size = old->size;
    result.origin = old->origin;
    old_root = old->root;
    old_text = std::move(*t);
  } else if (t.status().code() != Status::Code::kNotFound) {
    return t.status();
  }
  const fs::path staging = dir / ".staging";
  fs::remove_all(staging, ec);

  LocalTiles local(dir);
  const std::uint64_t old_size = result.old_size;
  merkle::NodeReader old_reader = tiles::NodeReaderOverTiles(
      old_size, [&local](const tiles::Tile& t) { return local.Read(t); });
  if (old_size > 0) {
    Result<crypto::Digest> root = merkle::RootHash(old_size, old_reader);
    if (!root.ok() || *root != old_root) {
      return Status::Internal("the mirror in " + dir.string() +
                              " is damaged: its tiles do not hash to its own checkpoint" +
                              (root.ok() ? std::string() : " (" + root.status().message() + ")"));
    }
  }

  // The log's checkpoint now.
  SIGNET_ASSIGN_OR_RETURN(std::string text, fetch("checkpoint"));
  Result<crypto::cosig::WitnessedCheckpoint> now =
      crypto::cosig::OpenWitnessedCheckpoint(text, *key, options.witnesses, result.origin);
  if (!now.ok()) return now.status().WithContext("the log's checkpoint");
  const std::uint64_t n = now->checkpoint.size;
  result.new_size = n;
  result.origin = now->checkpoint.origin;
  result.cosignatures = now->cosignatures.size();
  result.root = crypto::Base64Encode(crypto::ByteView(now->checkpoint.root));
  if (n < old_size) {
    return Inconsistent("the log serves a checkpoint of size " + std::to_string(n) +
                        ", smaller than the size " + std::to_string(old_size) +
                        " this mirror verified before: the log was rolled back");
  }

  // The artists' keys at the mirrored size.
  StatementAuditor auditor;
  {
    std::uint64_t keys_size = 0;
    Result<std::string> keys_text = ReadFile(dir / "artist-keys");
    Result<StatementAuditor> parsed = keys_text.ok()
                                          ? StatementAuditor::Parse(*keys_text, keys_size)
                                          : Result<StatementAuditor>(keys_text.status());
    if (parsed.ok() && keys_size == old_size) {
      auditor = std::move(*parsed);
    } else if (old_size > 0) {
      say("rebuilding the artists' keys from the " + std::to_string(old_size) +
          " mirrored entries");
      for (std::uint64_t b = 0; b * tiles::kFullWidth < old_size; ++b) {
        SIGNET_ASSIGN_OR_RETURN(auto entries, local.Entries(tiles::TileFor(true, 0, b, old_size)));
        for (std::size_t i = 0; i < entries.size(); ++i) {
          SIGNET_RETURN_IF_ERROR(auditor.Apply(b * tiles::kFullWidth + i, entries[i]));
        }
      }
    }
  }

  if (n == old_size) {
    if (now->checkpoint.root != old_root) {
      return Inconsistent("the log serves a checkpoint of size " + std::to_string(n) +
                          " whose root differs from the one this mirror verified: a fork");
    }
    if (!fs::exists(dir / "log.vkey")) {
      SIGNET_RETURN_IF_ERROR(WriteFileSynced(dir / "log.vkey", key->ToText() + "\n"));
    }
    if (text != old_text) SIGNET_RETURN_IF_ERROR(WriteFileSynced(dir / "checkpoint", text));
    result.artists = auditor.artists();
    return result;
  }

  TreeBuilder tree(old_size, old_reader);
  const merkle::NodeReader reader = tree.Reader();
  std::vector<Staged> staged;

  // Entry bundles: verify each new entry, recompute its leaf hash.
  std::vector<std::string> old_partial;
  if (old_size % tiles::kFullWidth != 0) {
    SIGNET_ASSIGN_OR_RETURN(old_partial, local.Entries(tiles::TileFor(
                                             true, 0, old_size / tiles::kFullWidth, old_size)));
  }
  for (std::uint64_t b = old_size / tiles::kFullWidth; b * tiles::kFullWidth < n; ++b) {
    const tiles::Tile t = tiles::TileFor(true, 0, b, n);
    const std::string path = tiles::Path(t);
    SIGNET_ASSIGN_OR_RETURN(std::string data, fetch(path));
    Result<std::vector<std::string_view>> entries = tiles::ParseBundle(data, t.width);
    if (!entries.ok()) return Inconsistent(path + ": " + entries.status().message());
    for (std::uint32_t i = 0; i < t.width; ++i) {
      const std::uint64_t index = b * tiles::kFullWidth + i;
      const std::string_view entry = (*entries)[i];
      if (index < old_size) {
        if (entry != old_partial[i]) {
          return Inconsistent("the log now serves entry " + std::to_string(index) +
                              " with other bytes than the mirror verified before (" + path + ")");
        }
        continue;
      }
      Status audit = auditor.Apply(index, entry);
      if (!audit.ok()) return Inconsistent(audit.message());
      SIGNET_ASSIGN_OR_RETURN(auto nodes,
                              merkle::AppendLeaf(index, merkle::LeafHash(entry), reader));
      tree.Add(nodes);
      ++result.entries_verified;
    }
    SIGNET_RETURN_IF_ERROR(WriteFileSynced(staging / path, data));
    staged.push_back({t, old_size});
    if ((b + 1) % 256 == 0) {
      say("verified " + std::to_string((b + 1) * tiles::kFullWidth) + " of " + std::to_string(n) +
          " entries");
    }
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(n, reader));
  if (root != now->checkpoint.root) {
    return Inconsistent("the log's entries hash to root " +
                        crypto::Base64Encode(crypto::ByteView(root)) +
                        ", not to the root of its signed checkpoint of size " + std::to_string(n));
  }
  if (old_size > 0) {
    SIGNET_ASSIGN_OR_RETURN(auto proof, merkle::ConsistencyProof(old_size, n, reader));
    SIGNET_RETURN_IF_ERROR(merkle::VerifyConsistency(old_size, n, old_root, root, proof));
  }

  // Hash tiles: what the log serves must be what its entries make.
  for (unsigned level = 0; level <= tiles::kMaxLevel && tiles::HashesAtLevel(level, n) > 0;
       ++level) {
    const std::uint64_t first = tiles::HashesAtLevel(level, old_size) / tiles::kFullWidth;
    for (std::uint64_t i = first; i * tiles::kFullWidth < tiles::HashesAtLevel(level, n); ++i) {
      const tiles::Tile t = tiles::TileFor(false, level, i, n);
      if (tiles::InTree(t, old_size)) continue;  // unchanged since the last update
      SIGNET_ASSIGN_OR_RETURN(std::string ours, tiles::HashTileData(t, reader));
      SIGNET_ASSIGN_OR_RETURN(std::string theirs, fetch(tiles::Path(t)));
      if (theirs != ours) {
        return Inconsistent("the log serves " + tiles::Path(t) +
                            " with hashes that its entries do not make");
      }
      SIGNET_RETURN_IF_ERROR(WriteFileSynced(staging / tiles::Path(t), ours));
      staged.push_back({t, old_size});
      ++result.tiles_verified;
    }
  }

  // Commit: tiles, then the artists' keys, then the checkpoint.
  SIGNET_RETURN_IF_ERROR(Commit(dir, staging, staged));
  SIGNET_RETURN_IF_ERROR(WriteFileSynced(dir / "artist-keys", auditor.Serialize(n)));
  if (!fs::exists(dir / "log.vkey")) {
    SIGNET_RETURN_IF_ERROR(WriteFileSynced(dir / "log.vkey", key->ToText() + "\n"));
  }
  SIGNET_RETURN_IF_ERROR(WriteFileSynced(dir / "checkpoint", text));
  fs::remove_all(staging, ec);
  result.artists = auditor.artists();
  return result;
}

}  // namespace signet::cli
