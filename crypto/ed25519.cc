#include "crypto/ed25519.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "crypto/sha256.h"

namespace signet::crypto {
namespace {

constexpr std::string_view kKeyFileMagic = "signet-ed25519-secret-key-v1";
// Secret key files are tiny; anything larger is not one of ours.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;
constexpr std::string_view kArtistIdPrefix = "ar_";
constexpr std::string_view kArtistIdDomain = "signet artist id v1\n";
constexpr std::size_t kArtistIdHashBytes = 15;  // 120 bits -> 24 base32 characters

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("writing " + path.string() + ": " + ErrnoText(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Writes `content` to a fresh temporary file next to `path` with `mode`, then
// link()s it to `path`, which fails if `path` exists: never overwrites, never
// leaves a partial file under the final name.
Status WriteNewFile(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists(path.string() +
                                 " already exists; refusing to overwrite it (choose another path "
                                 "or move the old file away first)");
  }
  const std::filesystem::path dir =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  // Built with append(): GCC 12 -O3 reports a false -Wrestrict for "." + string.
  std::string name(".");
  name.append(path.filename().string()).append(".tmp-XXXXXX");
  const std::string tmpl = (dir / name).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  // mkstemp creates with mode 0600 regardless of umask.
  Fd fd(::mkstemp(buf.data()));
  if (fd.get() < 0) {
    return Status::IoError("cannot create a file in " + dir.string() + ": " + ErrnoText(errno));
  }
  const std::string tmp(buf.data());
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return fail(Status::IoError("chmod " + tmp + ": " + ErrnoText(errno)));
  }
  if (Status s = WriteAll(fd.get(), content, tmp); !s.ok()) return fail(s);
  if (::fsync(fd.get()) != 0) {
    return fail(Status::IoError("fsync " + tmp + ": " + ErrnoText(errno)));
  }
  if (::close(fd.release()) != 0) {
    return fail(Status::IoError("close " + tmp + ": " + ErrnoText(errno)));
  }
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return fail(
          Status::AlreadyExists(path.string() + " already exists; refusing to overwrite it"));
    }
    return fail(Status::IoError("creating " + path.string() + ": " + ErrnoText(err)));
  }
  ::unlink(tmp.c_str());
  return Status::Ok();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Reads a whole small file into a string whose buffer is wiped afterwards by
// the caller (it may hold a secret).
Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::string_view what,
                                  std::string_view fix) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Status::NotFound(std::string(what) + " " + path.string() + " does not exist" +
                              std::string(fix));
    }
    return Status::IoError("cannot open " + std::string(what) + " " + path.string() + ": " +
                           ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status::IoError("stat " + path.string() + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path.string() + " is not a regular file");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxKeyFileBytes) {
    return Status::InvalidArgument(path.string() + " is " + std::to_string(st.st_size) +
                                   " bytes; a " + std::string(what) + " is under " +
                                   std::to_string(kMaxKeyFileBytes) + " bytes");
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("reading " + path.string() + ": " + ErrnoText(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return content;
}

}  // namespace

Status EnsureSodiumInitialized() {
  // A function-local static is initialised exactly once even under concurrent
  // first calls (C++11 "magic statics"); sodium_init itself is idempotent.
  static const int rc = sodium_init();
  if (rc < 0) return Status::Internal("libsodium failed to initialise (sodium_init)");
  return Status::Ok();
}

// ---- SecretKey ---------------------------------------------------------------

Result<SecretKey> SecretKey::Generate() {
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  SecretKey key;
  crypto_sign_keypair(key.public_key_.data(), key.expanded_.data());
  return key;
}

Result<SecretKey> SecretKey::FromSeed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Status::InvalidArgument("Ed25519 seed must be 32 bytes, got " +
                                   std::to_string(seed.size()));
  }
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  SecretKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.expanded_.data(), seed.data());
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : expanded_(other.expanded_), public_key_(other.public_key_) {
  other.Wipe();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    expanded_ = other.expanded_;
    public_key_ = other.public_key_;
    other.Wipe();
  }
  return *this;
}

SecretKey::~SecretKey() { Wipe(); }

void SecretKey::Wipe() { sodium_memzero(expanded_.data(), expanded_.size()); }

Signature SecretKey::Sign(ByteView message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), expanded_.data());
  return sig;
}

Signature SecretKey::Sign(std::string_view message) const { return Sign(AsBytes(message)); }

Status VerifySignature(const PublicKey& public_key, ByteView message, ByteView signature) {
  if (signature.size() != kEd25519SignatureSize) {
    return Status::Unauthenticated("Ed25519 signature must be 64 bytes, got " +
                                   std::to_string(signature.size()));
  }
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) != 0) {
    return Status::Unauthenticated("Ed25519 signature does not verify with this public key");
  }
  return Status::Ok();
}

Status VerifySignature(const PublicKey& public_key, std::string_view message, ByteView signature) {
  return VerifySignature(public_key, AsBytes(message), signature);
}

// ---- public key text, ids ------------------------------------------------------

std::string PublicKeyToText(const PublicKey& public_key) { return Base64Encode(public_key); }

Result<PublicKey> ParsePublicKey(std::string_view text) {
  Result<Bytes> raw = Base64Decode(Trim(text));
  if (!raw.ok()) return raw.status().WithContext("public key");
  if (raw->size() != kEd25519PublicKeySize) {
    return Status::InvalidArgument("public key must be 32 bytes (44 base64 characters), got " +
                                   std::to_string(raw->size()) + " bytes");
  }
  PublicKey pk{};
  std::copy(raw->begin(), raw->end(), pk.begin());
  return pk;
}

Result<PublicKey> ReadPublicKeyFile(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, "public key file", ""));
  Result<PublicKey> pk = ParsePublicKey(text);
  if (!pk.ok()) return pk.status().WithContext(path.string());
  return pk;
}

std::string DsseKeyId(const PublicKey& public_key) {
  const Digest d = Sha256(ByteView(public_key));
  return HexEncode(ByteView(d.data(), 8));
}

std::string ArtistId(const PublicKey& first_public_key) {
  const Digest d = Sha256Hasher().Update(kArtistIdDomain).Update(first_public_key).Finish();
  return std::string(kArtistIdPrefix) + Base32LowerEncode(ByteView(d.data(), kArtistIdHashBytes));
}

bool IsWellFormedArtistId(std::string_view id) {
  constexpr std::size_t kChars = (kArtistIdHashBytes * 8 + 4) / 5;
  if (id.size() != kArtistIdPrefix.size() + kChars || !id.starts_with(kArtistIdPrefix)) {
    return false;
  }
  for (char c : id.substr(kArtistIdPrefix.size())) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

// ---- key files -------------------------------------------------------------------

Status WriteSecretKeyFile(const std::filesystem::path& path, const SecretKey& key) {
  std::string content;
  content.append(kKeyFileMagic).append("\n");
  content.append("seed ").append(Base64Encode(key.seed())).append("\n");
  content.append("public ").append(PublicKeyToText(key.public_key())).append("\n");
  Status s = WriteNewFile(path, content, 0600);
  sodium_memzero(content.data(), content.size());
  return s;
}

Result<SecretKey> ReadSecretKeyFile(const std::filesystem::path& path) {
  const std::string p = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return Status::PermissionDenied("secret key file " + p + " has mode " + mode +
                                    ": other users may be able to read it. Run `chmod 600 " + p +
                                    "` (and consider the key compromised if it was shared)");
  }
  SIGNET_ASSIGN_OR_RETURN(
      std::string content,
      ReadSmallFile(path, "secret key file", "; create one with `signet keygen --out " + p + "`"));
  struct Wiper {
    std::string& s;
    ~Wiper() { sodium_memzero(s.data(), s.size()); }
  } wiper{content};

  const std::string malformed = "secret key file " + p + " is malformed: ";
  std::vector<std::string_view> lines;
  std::string_view rest = content;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::InvalidArgument(malformed + "last line does not end with a newline");
    }
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() != 3 || lines[0] != kKeyFileMagic) {
    return Status::InvalidArgument(malformed + "expected 3 lines starting with '" +
                                   std::string(kKeyFileMagic) + "'");
  }
  if (!lines[1].starts_with("seed ") || !lines[2].starts_with("public ")) {
    return Status::InvalidArgument(malformed + "expected 'seed <base64>' and 'public <base64>'");
  }
  Result<Bytes> seed = Base64Decode(lines[1].substr(5));
  if (!seed.ok() || seed->size() != kEd25519SeedSize) {
    if (seed.ok()) sodium_memzero(seed->data(), seed->size());
    return Status::InvalidArgument(malformed + "seed is not 32 bytes of base64");
  }
  Result<SecretKey> key = SecretKey::FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  if (!key.ok()) return key.status();
  Result<PublicKey> pk = ParsePublicKey(lines[2].substr(7));
  if (!pk.ok()) return Status::InvalidArgument(malformed + pk.status().message());
  if (*pk != key->public_key()) {
    return Status::InvalidArgument(malformed +
                                   "public key line does not match the seed (file corrupted?)");
  }
  return key;
}

Status WritePublicKeyFile(const std::filesystem::path& path, const PublicKey& public_key) {
  return WriteNewFile(path, PublicKeyToText(public_key) + "\n", 0644);
}

}  // namespace signet::crypto
