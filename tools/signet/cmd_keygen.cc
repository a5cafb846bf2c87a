// signet keygen --out KEYFILE: creates an artist's Ed25519 key pair locally.
// The secret key file is written with mode 0600 and never overwrites anything;
// the public key goes to KEYFILE.pub. With --log-name it instead creates a
// transparency log signing key (C2SP signer key) for signetd.
// Formats: crypto/FORMATS.md.
#include <cstdio>
#include <memory>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "tools/signet/commands.h"

namespace signet::cli {
namespace {

struct KeygenArgs {
  std::string out;
  std::string log_name;
};

int RunKeygen(const KeygenArgs& args) {
  Result<crypto::SecretKey> key = crypto::SecretKey::Generate();
  if (!key.ok()) {
    std::fprintf(stderr, "error: %s\n", key.status().ToString().c_str());
    return kExitError;
  }
  if (!args.log_name.empty()) {
    Result<crypto::note::Signer> signer =
        crypto::note::Signer::Create(args.log_name, std::move(key).value());
    Status s = signer.ok() ? crypto::note::WriteSignerKeyFile(args.out, *signer) : signer.status();
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      return kExitError;
    }
    std::printf("log signing key written to %s (mode 0600)\n", args.out.c_str());
    std::printf("verifier key (publish it; `signet verify --key` takes it):\n%s\n",
                signer->verifier().ToText().c_str());
    return kExitOk;
  }
  const std::string pub = args.out + ".pub";
  if (Status s = crypto::WriteSecretKeyFile(args.out, *key); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    return kExitError;
  }
  if (Status s = crypto::WritePublicKeyFile(pub, key->public_key()); !s.ok()) {
    std::fprintf(stderr, "warning: secret key written, but not the public key file: %s\n",
                 s.ToString().c_str());
  }
  std::printf("secret key written to %s (mode 0600; back it up, never share it)\n",
              args.out.c_str());
  std::printf("public key:  %s\n", crypto::PublicKeyToText(key->public_key()).c_str());
  std::printf(
      "artist id:   %s (yours if this is your first key; it stays the same when you "
      "rotate keys)\n",
      crypto::ArtistId(key->public_key()).c_str());
  return kExitOk;
}

}  // namespace

void AddKeygenCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* cmd = app.add_subcommand("keygen", "Create an Ed25519 key pair on this machine");
  cmd->add_option("--out", args->out, "Secret key file to create (refuses to overwrite)")
      ->required();
  cmd->add_option("--log-name", args->log_name,
                  "Create a transparency log signing key with this name (the log's origin, "
                  "e.g. registry.example/log) instead of an artist key");
  cmd->footer(
      "Examples:\n"
      "  signet keygen --out ada.key          # ada.key (0600) and ada.key.pub\n"
      "  signet keygen --out log.key --log-name registry.example/log");
  commands.Add(cmd, [args] { return RunKeygen(*args); });
}

}  // namespace signet::cli
