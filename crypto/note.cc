#include "crypto/note.h"

#include <sodium.h>

#include <cstdio>

#include "crypto/internal/files.h"
#include "crypto/sha256.h"

namespace signet::crypto::note {
namespace {

// U+2014 EM DASH followed by a space.
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i,
// or -1 for an invalid sequence (overlong, surrogate, > U+10FFFF, truncated),
// matching Go's utf8.DecodeRune validity.
long DecodeRune(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  long cp = 0;
  long min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<std::size_t>(len);
  return cp;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(long r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// Valid UTF-8 with no ASCII control characters other than "\n".
Status CheckNoteCharacters(std::string_view s, std::string_view what) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const long r = DecodeRune(s, i);
    if (r < 0) {
      return Status::InvalidArgument(std::string(what) + ": invalid UTF-8 at byte " +
                                     std::to_string(at));
    }
    if (r < 0x20 && r != '\n') {
      return Status::InvalidArgument(std::string(what) + ": control character at byte " +
                                     std::to_string(at) + " (only \\n is allowed)");
    }
  }
  return Status::Ok();
}

std::pair<std::string_view, std::string_view> Chop(std::string_view s, char sep) {
  const std::size_t i = s.find(sep);
  if (i == std::string_view::npos) return {s, {}};
  return {s.substr(0, i), s.substr(i + 1)};
}

std::string Hex8(std::uint32_t v) { return KeyIdHex(v); }

Result<std::uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return Status::InvalidArgument("key id must be 8 hex digits");
  std::uint32_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return Status::InvalidArgument("key id must be 8 hex digits");
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  return v;
}

// Decodes base64(alg || 32 bytes).
Result<Bytes> DecodeAlgKey(std::string_view b64, std::string_view what,
                           std::uint8_t alg = kAlgEd25519) {
  Result<Bytes> raw = Base64Decode(b64);
  if (!raw.ok()) return raw.status().WithContext(what);
  if (raw->empty() || (*raw)[0] != alg) {
    sodium_memzero(raw->data(), raw->size());
    return Status::InvalidArgument(
        std::string(what) + ": unknown signature type (expected 0x" + KeyIdHex(alg).substr(6) +
        (alg == kAlgEd25519 ? ", Ed25519 note signatures)" : ", Ed25519 cosignatures/v1)"));
  }
  if (raw->size() != 33) {
    sodium_memzero(raw->data(), raw->size());
    return Status::InvalidArgument(std::string(what) + ": Ed25519 key must be 32 bytes");
  }
  return raw;
}

Status CheckName(std::string_view name) {
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument("key name \"" + std::string(name) +
                                   "\" is invalid: it must be non-empty UTF-8 without spaces or "
                                   "'+'");
  }
  return Status::Ok();
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    const long r = DecodeRune(name, i);
    if (r < 0 || r == '+' || IsUnicodeSpace(r)) return false;
  }
  return true;
}

std::string KeyIdHex(std::uint32_t key_id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", key_id);
  return buf;
}

std::uint32_t KeyId(std::string_view name, const PublicKey& public_key) {
  return KeyId(name, kAlgEd25519, public_key);
}

std::uint32_t KeyId(std::string_view name, std::uint8_t alg, const PublicKey& public_key) {
  const Digest d = Sha256Hasher()
                       .Update(name)
                       .Update("\n")
                       .Update(ByteView(&alg, 1))
                       .Update(ByteView(public_key))
                       .Finish();
  return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) |
         std::uint32_t{d[3]};
}

// ---- Verifier -----------------------------------------------------------------

Verifier::Verifier(std::string name, const PublicKey& pk)
    : name_(std::move(name)), key_id_(KeyId(name_, pk)), public_key_(pk) {}

Result<Verifier> Verifier::Create(std::string_view name, const PublicKey& public_key) {
  SIGNET_RETURN_IF_ERROR(CheckName(name));
  return Verifier(std::string(name), public_key);
}

Result<VerifierKeyParts> ParseVerifierKeyText(std::string_view text, std::uint8_t alg) {
  text = internal::Trim(text);
  const std::string fmt = "verifier key must look like <name>+<8 hex digits>+<base64 key>";
  auto [name, rest] = Chop(text, '+');
  auto [hex, b64] = Chop(rest, '+');
  if (!IsValidKeyName(name) || b64.empty()) return Status::InvalidArgument(fmt);
  Result<std::uint32_t> id = ParseHex8(hex);
  if (!id.ok()) return id.status().WithContext(fmt);
  SIGNET_ASSIGN_OR_RETURN(Bytes raw, DecodeAlgKey(b64, "verifier key", alg));
  VerifierKeyParts parts;
  parts.name = std::string(name);
  std::copy(raw.begin() + 1, raw.end(), parts.public_key.begin());
  const std::uint32_t want = KeyId(parts.name, alg, parts.public_key);
  if (want != *id) {
    return Status::InvalidArgument("verifier key id " + std::string(hex) +
                                   " does not match its name and key (expected " + Hex8(want) +
                                   "): the key text is damaged");
  }
  return parts;
}

std::string FormatVerifierKeyText(std::string_view name, std::uint8_t alg,
                                  const PublicKey& public_key) {
  Bytes raw{alg};
  raw.insert(raw.end(), public_key.begin(), public_key.end());
  return std::string(name) + "+" + Hex8(KeyId(name, alg, public_key)) + "+" + Base64Encode(raw);
}

Result<Verifier> Verifier::Parse(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(VerifierKeyParts parts, ParseVerifierKeyText(text, kAlgEd25519));
  return Verifier(std::move(parts.name), parts.public_key);
}

std::string Verifier::ToText() const {
  return FormatVerifierKeyText(name_, kAlgEd25519, public_key_);
}

// ---- Signer -------------------------------------------------------------------

Signer::Signer(std::string name, SecretKey key)
    : name_(std::move(name)), key_id_(KeyId(name_, key.public_key())), key_(std::move(key)) {}

Result<Signer> Signer::Create(std::string_view name, SecretKey key) {
  SIGNET_RETURN_IF_ERROR(CheckName(name));
  return Signer(std::string(name), std::move(key));
}

Result<Signer> Signer::Parse(std::string_view text) {
  text = internal::Trim(text);
  const std::string fmt =
      "signer key must look like PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>";
  auto [p1, r1] = Chop(text, '+');
  auto [p2, r2] = Chop(r1, '+');
  auto [name, r3] = Chop(r2, '+');
  auto [hex, b64] = Chop(r3, '+');
  if (p1 != "PRIVATE" || p2 != "KEY" || !IsValidKeyName(name) || b64.empty()) {
    return Status::InvalidArgument(fmt);
  }
  Result<std::uint32_t> id = ParseHex8(hex);
  if (!id.ok()) return id.status().WithContext(fmt);
  SIGNET_ASSIGN_OR_RETURN(Bytes raw, DecodeAlgKey(b64, "signer key"));
  Result<SecretKey> key = SecretKey::FromSeed(ByteView(raw).subspan(1));
  sodium_memzero(raw.data(), raw.size());
  if (!key.ok()) return key.status();
  Signer s(std::string(name), std::move(key).value());
  if (s.key_id() != *id) {
    return Status::InvalidArgument("signer key id " + std::string(hex) +
                                   " does not match its name and key: the key text is damaged");
  }
  return s;
}

Verifier Signer::verifier() const { return Verifier(name_, key_.public_key()); }

std::string Signer::SignerKeyText() const {
  Bytes raw{kAlgEd25519};
  raw.insert(raw.end(), key_.seed().begin(), key_.seed().end());
  std::string out = "PRIVATE+KEY+" + name_ + "+" + Hex8(key_id_) + "+" + Base64Encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

Result<std::string> Signer::Sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("note text must end with a newline");
  }
  SIGNET_RETURN_IF_ERROR(CheckNoteCharacters(text, "note text"));
  const Signature sig = key_.Sign(text);
  Bytes raw(4);
  raw[0] = static_cast<std::uint8_t>(key_id_ >> 24);
  raw[1] = static_cast<std::uint8_t>(key_id_ >> 16);
  raw[2] = static_cast<std::uint8_t>(key_id_ >> 8);
  raw[3] = static_cast<std::uint8_t>(key_id_);
  raw.insert(raw.end(), sig.begin(), sig.end());
  std::string out(text);
  out += "\n";
  out += kSigPrefix;
  out += name_;
  out += ' ';
  out += Base64Encode(raw);
  out += '\n';
  return out;
}

// ---- key files ----------------------------------------------------------------

Status WriteSignerKeyFile(const std::filesystem::path& path, const Signer& signer) {
  std::string content = signer.SignerKeyText() + "\n";
  Status s = internal::WriteNewFile(path, content, 0600);
  sodium_memzero(content.data(), content.size());
  return s;
}

Result<Signer> ReadSignerKeyFile(const std::filesystem::path& path) {
  SIGNET_RETURN_IF_ERROR(internal::CheckOwnerOnly(path, "log signing key file"));
  SIGNET_ASSIGN_OR_RETURN(std::string content,
                          internal::ReadSmallFile(path, "log signing key file", ""));
  Result<Signer> s = Signer::Parse(content);
  sodium_memzero(content.data(), content.size());
  if (!s.ok()) return s.status().WithContext(path.string());
  return s;
}

Result<Verifier> ReadVerifierKeyFile(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string content,
                          internal::ReadSmallFile(path, "verifier key file", ""));
  Result<Verifier> v = Verifier::Parse(content);
  if (!v.ok()) return v.status().WithContext(path.string());
  return v;
}

// ---- parse / open -----------------------------------------------------------------

Result<Note> Parse(std::string_view msg, const NoteLimits& limits) {
  if (msg.size() > limits.max_note_bytes) {
    return Status::ResourceExhausted("signed note is " + std::to_string(msg.size()) +
                                     " bytes; the limit is " +
                                     std::to_string(limits.max_note_bytes));
  }
  SIGNET_RETURN_IF_ERROR(CheckNoteCharacters(msg, "signed note"));
  const std::size_t split = msg.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::InvalidArgument("signed note has no blank line before its signatures");
  }
  Note note;
  note.text = std::string(msg.substr(0, split + 1));
  std::string_view sigs = msg.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Status::InvalidArgument(
        "signed note has no signature lines, or they do not end "
        "with a newline");
  }
  while (!sigs.empty()) {
    const std::size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (note.signatures.size() == limits.max_signatures) {
      return Status::ResourceExhausted("signed note has more than " +
                                       std::to_string(limits.max_signatures) + " signatures");
    }
    if (!line.starts_with(kSigPrefix)) {
      return Status::InvalidArgument("signature line does not start with \"\xE2\x80\x94 \"");
    }
    line.remove_prefix(kSigPrefix.size());
    auto [name, b64] = Chop(line, ' ');
    if (!IsValidKeyName(name) || b64.empty()) {
      return Status::InvalidArgument("signature line must be \"— <name> <base64>\"");
    }
    Result<Bytes> raw = Base64Decode(b64);
    if (!raw.ok()) return raw.status().WithContext("signature by " + std::string(name));
    if (raw->size() < 5) {
      return Status::InvalidArgument("signature by " + std::string(name) + " is too short");
    }
    NoteSignature s;
    s.name = std::string(name);
    s.key_id = (std::uint32_t{(*raw)[0]} << 24) | (std::uint32_t{(*raw)[1]} << 16) |
               (std::uint32_t{(*raw)[2]} << 8) | std::uint32_t{(*raw)[3]};
    s.signature.assign(raw->begin() + 4, raw->end());
    note.signatures.push_back(std::move(s));
  }
  return note;
}

Result<std::string> Open(std::string_view msg, const Verifier& verifier, const NoteLimits& limits) {
  SIGNET_ASSIGN_OR_RETURN(Note note, Parse(msg, limits));
  bool verified = false;
  for (const NoteSignature& s : note.signatures) {
    if (s.name != verifier.name() || s.key_id != verifier.key_id()) continue;
    Status st = VerifySignature(verifier.public_key(), note.text, s.signature);
    if (!st.ok()) {
      return Status::Unauthenticated("signed note: the signature by " + verifier.name() + " (" +
                                     Hex8(verifier.key_id()) +
                                     ") does not verify; the note was altered");
    }
    verified = true;
  }
  if (!verified) {
    return Status::Unauthenticated("signed note carries no signature by the key " +
                                   verifier.name() + "+" + Hex8(verifier.key_id()) +
                                   " (wrong log key, or a note from another log)");
  }
  return note.text;
}

}  // namespace signet::crypto::note
