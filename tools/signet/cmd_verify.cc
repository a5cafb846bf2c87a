// signet verify receipt|consistency|checkpoint|statement: offline checks of
// what a Signet registry handed out, optionally requiring k of n named
// witnesses to have cosigned the checkpoint; signet verify answers: the files
// the CLI writes (check's OUT.answers.ndjson, the --json answers of register
// and the statement commands), with --server also against the registry's
// log now and the last checkpoint this machine saw (saved_answers.h). All
// verification logic lives in crypto/ (receipt.h, checkpoint.h,
// cosignature.h, dsse.h) and saved_answers.h; this file reads files and
// prints results.
// Exit status 0 when the check passes, 1 when it fails or input is unusable.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "crypto/cosignature.h"
#include "crypto/dsse.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/receipt.h"
#include "tools/signet/commands.h"
#include "tools/signet/log_keys.h"
#include "tools/signet/saved_answers.h"
#include "tools/signet/server_option.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {
namespace {

// Verification inputs are small (receipts, checkpoints, envelopes).
constexpr std::streamsize kMaxInputBytes = 16 << 20;

Result<std::string> ReadInput(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(std::string(what) + " " + path + " cannot be opened");
  std::string data;
  data.resize(static_cast<std::size_t>(kMaxInputBytes) + 1);
  in.read(data.data(), kMaxInputBytes + 1);
  if (in.gcount() > kMaxInputBytes) {
    return Status::ResourceExhausted(std::string(what) + " " + path + " is larger than 16 MiB");
  }
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

// --public-key takes base64 text or a file holding it (KEYFILE.pub).
Result<crypto::PublicKey> LoadPublicKey(const std::string& key) {
  if (!std::ifstream(key)) return crypto::ParsePublicKey(key);
  return crypto::ReadPublicKeyFile(key);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "FAILED: %s\n", s.message().c_str());
  return kExitError;
}

std::string RootText(const crypto::Checkpoint& c) {
  return crypto::Base64Encode(crypto::ByteView(c.root));
}

// Applies the --witness policy to a checkpoint the log's key already verified;
// returns the sentence to print ("" when no witness was named).
Result<std::string> CheckWitnesses(std::string_view checkpoint_note,
                                   const crypto::note::Verifier& log, const WitnessFlags& flags) {
  SIGNET_ASSIGN_OR_RETURN(crypto::cosig::WitnessPolicy policy, WitnessPolicyFrom(flags));
  if (policy.witnesses.empty()) return std::string();
  SIGNET_ASSIGN_OR_RETURN(auto witnessed,
                          crypto::cosig::OpenWitnessedCheckpoint(checkpoint_note, log, policy));
  std::string names;
  for (const auto& c : witnessed.cosignatures) names += (names.empty() ? "" : ", ") + c.witness;
  return "cosigned by " + std::to_string(witnessed.cosignatures.size()) + " of " +
         std::to_string(policy.witnesses.size()) + " named witnesses (" +
         std::to_string(policy.required) + " required): " + (names.empty() ? "none" : names);
}

struct ReceiptArgs {
  std::string key, receipt, statement;
  WitnessFlags witnesses;
};

int RunReceipt(const ReceiptArgs& a) {
  Result<crypto::note::Verifier> v = LoadLogVerifier(a.key);
  if (!v.ok()) return Fail(v.status());
  Result<std::string> json = ReadInput(a.receipt, "receipt");
  if (!json.ok()) return Fail(json.status());
  Result<crypto::Receipt> receipt = crypto::ParseReceiptJson(*json);
  if (!receipt.ok()) return Fail(receipt.status().WithContext(a.receipt));

  std::optional<std::string> envelope;
  if (!a.statement.empty()) {
    Result<std::string> bytes = ReadInput(a.statement, "statement");
    if (!bytes.ok()) return Fail(bytes.status());
    envelope = std::move(*bytes);
    // Editors and `curl > file` often add a final newline the registry never
    // saw; the log commits to the bytes it stored, so try without it too.
    if (crypto::merkle::LeafHash(*envelope) != receipt->leaf_hash && !envelope->empty() &&
        envelope->back() == '\n') {
      std::string trimmed = envelope->substr(0, envelope->size() - 1);
      if (crypto::merkle::LeafHash(trimmed) == receipt->leaf_hash) envelope = std::move(trimmed);
    }
  }
  Result<crypto::Checkpoint> cp = crypto::VerifyReceipt(
      *receipt, envelope ? std::optional<std::string_view>(*envelope) : std::nullopt, *v);
  if (!cp.ok()) return Fail(cp.status());
  Result<std::string> witnessed = CheckWitnesses(receipt->checkpoint, *v, a.witnesses);
  if (!witnessed.ok()) return Fail(witnessed.status());
  std::printf(
      "OK: %s is leaf %llu of log %s at tree size %llu (root %s), checkpoint signed by "
      "%s\n",
      envelope ? a.statement.c_str() : "the receipt's statement",
      static_cast<unsigned long long>(receipt->leaf_index), cp->origin.c_str(),
      static_cast<unsigned long long>(cp->size), RootText(*cp).c_str(), v->ToText().c_str());
  if (!witnessed->empty()) std::printf("OK: the checkpoint is %s\n", witnessed->c_str());
  if (!envelope) {
    std::printf(
        "note: pass --statement ENVELOPE.json to check that the receipt is for that "
        "statement\n");
  }
  return kExitOk;
}

struct ConsistencyArgs {
  std::string key, old_checkpoint, new_checkpoint, proof;
  WitnessFlags witnesses;
};

int RunConsistency(const ConsistencyArgs& a) {
  Result<crypto::note::Verifier> v = LoadLogVerifier(a.key);
  if (!v.ok()) return Fail(v.status());
  Result<std::string> old_note = ReadInput(a.old_checkpoint, "old checkpoint");
  Result<std::string> new_note = ReadInput(a.new_checkpoint, "new checkpoint");
  Result<std::string> proof_json = ReadInput(a.proof, "consistency proof");
  for (const Status& s : {old_note.status(), new_note.status(), proof_json.status()}) {
    if (!s.ok()) return Fail(s);
  }
  Result<crypto::ConsistencyProofDoc> proof = crypto::ParseConsistencyProofJson(*proof_json);
  if (!proof.ok()) return Fail(proof.status().WithContext(a.proof));
  auto both = crypto::VerifyCheckpointConsistency(*old_note, *new_note, *proof, *v);
  if (!both.ok()) return Fail(both.status());
  const auto& [older, newer] = *both;
  Result<std::string> witnessed = CheckWitnesses(*new_note, *v, a.witnesses);
  if (!witnessed.ok()) return Fail(witnessed.status().WithContext("the new checkpoint"));
  std::printf(
      "OK: log %s at size %llu (root %s) extends size %llu (root %s): nothing was "
      "removed or rewritten\n",
      newer.origin.c_str(), static_cast<unsigned long long>(newer.size), RootText(newer).c_str(),
      static_cast<unsigned long long>(older.size), RootText(older).c_str());
  if (!witnessed->empty()) std::printf("OK: the new checkpoint is %s\n", witnessed->c_str());
  return kExitOk;
}

struct CheckpointArgs {
  std::string key, checkpoint;
  WitnessFlags witnesses;
};

int RunCheckpoint(const CheckpointArgs& a) {
  Result<crypto::note::Verifier> v = LoadLogVerifier(a.key);
  if (!v.ok()) return Fail(v.status());
  Result<std::string> note = ReadInput(a.checkpoint, "checkpoint");
  if (!note.ok()) return Fail(note.status());
  Result<crypto::Checkpoint> cp = crypto::OpenCheckpoint(*note, *v);
  if (!cp.ok()) return Fail(cp.status().WithContext(a.checkpoint));
  Result<std::string> witnessed = CheckWitnesses(*note, *v, a.witnesses);
  if (!witnessed.ok()) return Fail(witnessed.status());
  std::printf("OK: checkpoint of log %s at size %llu (root %s), signed by %s\n", cp->origin.c_str(),
              static_cast<unsigned long long>(cp->size), RootText(*cp).c_str(),
              v->ToText().c_str());
  if (!witnessed->empty()) std::printf("OK: %s\n", witnessed->c_str());
  return kExitOk;
}

struct StatementArgs {
  std::string envelope, public_key;
};

int RunStatement(const StatementArgs& a) {
  Result<crypto::PublicKey> pk = LoadPublicKey(a.public_key);
  if (!pk.ok()) return Fail(pk.status().WithContext("--public-key"));
  Result<std::string> json = ReadInput(a.envelope, "statement");
  if (!json.ok()) return Fail(json.status());
  Result<crypto::dsse::Envelope> env = crypto::dsse::ParseJson(*json);
  if (!env.ok()) return Fail(env.status().WithContext(a.envelope));
  if (Status s = crypto::dsse::Verify(*env, *pk); !s.ok()) return Fail(s);
  std::printf("OK: %s (%s, %zu payload bytes) is signed by %s\n", a.envelope.c_str(),
              env->payload_type.c_str(), env->payload.size(), crypto::PublicKeyToText(*pk).c_str());
  return kExitOk;
}

struct AnswersArgs {
  std::string key, state_dir;
  std::vector<std::string> files;
  ServerOption server;
};

std::string Root(const crypto::Digest& d) { return crypto::Base64Encode(crypto::ByteView(d)); }

int RunAnswers(const AnswersArgs& a) {
  Result<crypto::note::Verifier> v = LoadLogVerifier(a.key);
  if (!v.ok()) return Fail(v.status());
  // What the files commit to, to prove against the log now (with --server).
  std::vector<std::pair<LoggedState, std::string>> states;
  std::vector<std::pair<VerifiedAcceptance, std::string>> statements;
  for (const std::string& file : a.files) {
    // The user's own file, perhaps the answer to 100k items: not bounded.
    Result<std::string> bytes = ReadWholeFile(file);
    if (!bytes.ok()) return Fail(bytes.status());
    if (LooksLikeCheckAnswers(*bytes)) {
      auto check = VerifyCheckAnswers(*bytes, *v);
      if (!check.ok()) return Fail(check.status().WithContext(file));
      std::printf(
          "OK: %s: %llu answers for %s, signed %s by log %s at size %llu (root %s); not one "
          "byte changed\n",
          file.c_str(), static_cast<unsigned long long>(check->items), check->purpose.c_str(),
          check->time.c_str(), check->checkpoint.origin.c_str(),
          static_cast<unsigned long long>(check->checkpoint.size),
          Root(check->checkpoint.root).c_str());
      states.emplace_back(check->checkpoint, "the checkpoint " + file + " was answered against");
      continue;
    }
    auto accepted = VerifyAcceptedAnswers(*bytes, *v);
    if (!accepted.ok()) return Fail(accepted.status().WithContext(file));
    std::printf("OK: %s: %zu accepted statements, each proved in its signed checkpoint:\n",
                file.c_str(), accepted->size());
    for (const VerifiedAcceptance& s : *accepted) {
      std::printf("  %s %s: leaf %llu of log %s at size %llu\n", s.type.c_str(),
                  s.statement_id.c_str(), static_cast<unsigned long long>(s.leaf_index),
                  s.checkpoint.origin.c_str(), static_cast<unsigned long long>(s.checkpoint.size));
      states.emplace_back(s.checkpoint, "the receipt of " + s.statement_id + " in " + file);
      statements.emplace_back(s, file);
    }
  }
  if (a.server.url.empty()) {
    std::printf(
        "note: checked offline; add --server URL to prove the registry's log still holds "
        "them, has not forked, and extends the checkpoint this machine saw last\n");
    return kExitOk;
  }
  auto http = MakeClient(a.server);
  if (!http.ok()) return Fail(http.status());
  RegistryGet get = [&](const std::string& path) { return (*http)->Get(path); };
  Result<std::string> note = get("/v1/log/checkpoint");
  if (!note.ok()) return Fail(note.status().WithContext("GET /v1/log/checkpoint"));
  Result<crypto::Checkpoint> now = crypto::OpenCheckpoint(*note, *v);
  if (!now.ok()) return Fail(now.status().WithContext("the registry's checkpoint"));
  const CheckpointMemory memory(a.state_dir.empty() ? CheckpointMemory::DefaultDir()
                                                    : std::filesystem::path(a.state_dir));
  auto seen = memory.Load(now->origin, *v);
  if (!seen.ok()) return Fail(seen.status());
  if (*seen) {
    const LoggedState last{(*seen)->origin, (*seen)->size, (*seen)->root};
    Status s = ProveExtends(
        last, *now, get,
        "the checkpoint this machine saw last (" + memory.PathFor(now->origin).string() + ")");
    if (!s.ok()) return Fail(s);
  }
  for (const auto& [state, what] : states) {
    if (Status s = ProveExtends(state, *now, get, what); !s.ok()) return Fail(s);
  }
  // The statements themselves, as the log serves them.
  for (const auto& [s, file] : statements) {
    auto entry = get("/v1/log/entries/" + std::to_string(s.leaf_index));
    if (!entry.ok())
      return Fail(entry.status().WithContext("log entry " + std::to_string(s.leaf_index)));
    const crypto::Digest id = crypto::Sha256(*entry);
    if (crypto::merkle::LeafHash(*entry) != s.leaf_hash ||
        crypto::HexEncode(crypto::ByteView(id)) != s.statement_id) {
      return Fail(Status::FailedPrecondition("log entry " + std::to_string(s.leaf_index) +
                                             " is not statement " + s.statement_id + " that " +
                                             file + " says was accepted there"));
    }
  }
  if (Status s = memory.Save(now->origin, *note); !s.ok()) return Fail(s);
  std::printf("OK: the registry's log %s at size %llu (root %s) extends ", now->origin.c_str(),
              static_cast<unsigned long long>(now->size), Root(now->root).c_str());
  if (!states.empty()) std::printf("every checkpoint above%s", *seen ? " and " : "");
  if (*seen) {
    std::printf("the size %llu this machine saw last",
                static_cast<unsigned long long>((*seen)->size));
  }
  if (states.empty() && !*seen) std::printf("nothing yet (first run)");
  std::printf("; %zu statements found in it as accepted; saved as the last seen (%s)\n",
              statements.size(), memory.PathFor(now->origin).c_str());
  return kExitOk;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Commands& commands) {
  CLI::App* verify = app.add_subcommand(
      "verify", "Check receipts, log consistency and statement signatures offline");
  verify->require_subcommand(1);

  auto r = std::make_shared<ReceiptArgs>();
  CLI::App* receipt = verify->add_subcommand(
      "receipt", "Check that a receipt proves a statement is in the registry's log");
  receipt->add_option("--key", r->key, "Log verifier key, or a file holding it")->required();
  receipt->add_option("receipt", r->receipt, "Receipt JSON file")->required();
  receipt->add_option("--statement", r->statement,
                      "The statement's DSSE envelope file: also check the receipt is for it");
  AddWitnessOptions(*receipt, r->witnesses);
  receipt->footer(
      "Examples:\n"
      "  signet verify receipt --key log.vkey receipt.json --statement ada-optout.json\n"
      "  curl -s $SIGNET_SERVER/v1/log/receipt?index=4 > witnessed.json   # the published "
      "checkpoint\n"
      "  signet verify receipt --key log.vkey witnessed.json --witness w1.vkey --witness "
      "w2.vkey --witness w3.vkey --witnesses-required 2");
  commands.Add(receipt, [r] { return RunReceipt(*r); });

  auto c = std::make_shared<ConsistencyArgs>();
  CLI::App* consistency = verify->add_subcommand(
      "consistency", "Check that a newer signed checkpoint extends one you saved earlier");
  consistency->add_option("--key", c->key, "Log verifier key, or a file holding it")->required();
  consistency->add_option("--old", c->old_checkpoint, "Earlier checkpoint (signed note)")
      ->required();
  consistency->add_option("--new", c->new_checkpoint, "Newer checkpoint (signed note)")->required();
  consistency->add_option("--proof", c->proof, "Consistency proof JSON for their sizes")
      ->required();
  AddWitnessOptions(*consistency, c->witnesses);
  consistency->footer(
      "Example:\n"
      "  signet verify consistency --key log.vkey --old saved.checkpoint --new now.checkpoint "
      "--proof proof.json");
  commands.Add(consistency, [c] { return RunConsistency(*c); });

  auto k = std::make_shared<CheckpointArgs>();
  CLI::App* checkpoint = verify->add_subcommand(
      "checkpoint", "Check a checkpoint's log signature and the witnesses that cosigned it");
  checkpoint->add_option("--key", k->key, "Log verifier key, or a file holding it")->required();
  checkpoint->add_option("checkpoint", k->checkpoint, "Checkpoint file (signed note)")->required();
  AddWitnessOptions(*checkpoint, k->witnesses);
  checkpoint->footer(
      "Example:\n"
      "  curl -s $SIGNET_SERVER/v1/log/checkpoint > now.checkpoint\n"
      "  signet verify checkpoint --key log.vkey now.checkpoint --witness w1.vkey --witness "
      "w2.vkey --witnesses-required 1");
  commands.Add(checkpoint, [k] { return RunCheckpoint(*k); });

  auto s = std::make_shared<StatementArgs>();
  CLI::App* statement =
      verify->add_subcommand("statement", "Re-verify the signature of a statement (DSSE)");
  statement->add_option("envelope", s->envelope, "DSSE envelope JSON file")->required();
  statement
      ->add_option("--public-key", s->public_key,
                   "Signer's public key (base64), or a file holding it (KEYFILE.pub)")
      ->required();
  statement->footer(
      "Example:\n"
      "  signet verify statement ada-optout.json --public-key ada.key.pub");
  commands.Add(statement, [s] { return RunStatement(*s); });

  auto w = std::make_shared<AnswersArgs>();
  CLI::App* answers = verify->add_subcommand(
      "answers",
      "Verify what signet wrote (check's *.answers.ndjson, --json answers with receipts), "
      "and with --server that the log still holds them and has not forked");
  answers->add_option("files", w->files,
                      "OUT.answers.ndjson of `signet check`, or the --json output of "
                      "`signet register` and the statement commands");
  answers->add_option("--key", w->key, "Log verifier key, or a file holding it")->required();
  answers->add_option("--server", w->server.url,
                      "Also fetch the log's checkpoint and consistency proofs from this registry");
  answers->add_option("--ca-file", w->server.ca_file, "https: CA certificates to trust (PEM)")
      ->check(CLI::ExistingFile);
  answers->add_option("--state-dir", w->state_dir,
                      "Where the last checkpoint seen of each log is kept (default: "
                      "$SIGNET_STATE_DIR, $XDG_STATE_HOME/signet or ~/.local/state/signet)");
  answers->footer(
      "Offline it checks every signature, hash and inclusion proof in the files. With\n"
      "--server it also proves, with the registry's consistency proofs, that its log now\n"
      "extends every checkpoint the files name and the last checkpoint this machine saw\n"
      "(then saves the new one), and that each accepted statement is the log's entry at\n"
      "its index. A log that shrank (ROLLBACK) or rewrote its history (FORK) fails.\n"
      "With no files and --server: only the log against the last checkpoint seen.\n"
      "Exit status: 0 verified, 1 failed or unusable input.\n\n"
      "Examples:\n"
      "  signet verify answers --key log.vkey report.csv.answers.ndjson\n"
      "  signet register --key ada.key --json registered.ndjson catalogue/\n"
      "  signet verify answers --key log.vkey --server $SIGNET_SERVER registered.ndjson");
  commands.Add(answers, [w] {
    if (w->files.empty() && w->server.url.empty()) {
      return Fail(Status::InvalidArgument("give answer files, --server URL, or both"));
    }
    return RunAnswers(*w);
  });
}

}  // namespace signet::cli
