// signet mirror: keeps a verified local copy of a Signet log, fetched through
// its C2SP tlog-tiles API (/v1/log/checkpoint, /v1/log/tile/...). The checks
// and the directory layout are in tools/signet/mirror.h; this file wires
// HTTP and prints the outcome. Exit status 0 when the copy is verified and up
// to date, 1 on any inconsistency (nothing is committed) or error.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "tools/signet/commands.h"
#include "tools/signet/exit_status.h"
#include "tools/signet/log_keys.h"
#include "tools/signet/mirror.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace {

struct MirrorArgs {
  ServerOption server;
  std::string out, key;
  WitnessFlags witnesses;
  bool quiet = false;
};

int RunMirror(const MirrorArgs& a) {
  MirrorOptions options;
  options.dir = a.out;
  if (!a.key.empty()) {
    Result<crypto::note::Verifier> v = LoadLogVerifier(a.key);
    if (!v.ok()) return ReportError("mirror", v.status());
    options.log_key = std::move(*v);
  }
  Result<crypto::cosig::WitnessPolicy> policy = WitnessPolicyFrom(a.witnesses);
  if (!policy.ok()) return ReportError("mirror", policy.status());
  options.witnesses = std::move(*policy);
  if (!a.quiet) {
    options.progress = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
  }
  Result<std::unique_ptr<client::HttpClient>> http = MakeClient(a.server);
  if (!http.ok()) return ReportError("mirror", http.status());
  client::HttpClient& c = **http;
  auto fetch = [&c](std::string_view path) -> Result<std::string> {
    // A registry's per-client rate limit (429) is waited out, a few times.
    for (int attempt = 0;; ++attempt) {
      Result<std::string> body = c.Get("/v1/log/" + std::string(path));
      if (body.ok() || body.status().code() != Status::Code::kResourceExhausted || attempt == 5) {
        return body;
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  };
  Result<MirrorResult> r = UpdateMirror(options, fetch);
  if (!r.ok()) return ReportError("mirror", r.status());
  if (r->new_size == r->old_size) {
    std::printf("%s: up to date at size %llu (root %s), %zu cosignatures\n", a.out.c_str(),
                static_cast<unsigned long long>(r->new_size), r->root.c_str(), r->cosignatures);
    return kExitOk;
  }
  std::printf(
      "%s: mirrored log %s from size %llu to %llu (root %s): %llu entries verified (DSSE "
      "signatures with the keys of %zu artists as the log establishes them, leaf hashes "
      "recomputed), %llu hash tiles equal to the recomputed ones, consistent with the previous "
      "mirrored checkpoint, %zu cosignatures\n",
      a.out.c_str(), r->origin.c_str(), static_cast<unsigned long long>(r->old_size),
      static_cast<unsigned long long>(r->new_size), r->root.c_str(),
      static_cast<unsigned long long>(r->entries_verified), r->artists,
      static_cast<unsigned long long>(r->tiles_verified), r->cosignatures);
  return kExitOk;
}

}  // namespace

void AddMirrorCommand(CLI::App& app, Commands& commands) {
  auto a = std::make_shared<MirrorArgs>();
  CLI::App* cmd = app.add_subcommand(
      "mirror", "Copy a registry's transparency log through its tiles and verify every entry");
  AddServerOption(*cmd, a->server);
  cmd->add_option("--out", a->out, "Mirror directory (created; later runs resume from it)")
      ->required();
  cmd->add_option("--key", a->key,
                  "The log's verifier key, or a file holding it: required on the first run, "
                  "then pinned in DIR/log.vkey");
  AddWitnessOptions(*cmd, a->witnesses);
  cmd->add_flag("-q,--quiet", a->quiet, "No progress lines");
  cmd->footer(
      "Examples:\n"
      "  signet mirror --server http://127.0.0.1:8080 --out ./log-copy --key log.vkey\n"
      "  signet mirror --server http://127.0.0.1:8080 --out ./log-copy   # later: resumes\n"
      "  signet mirror --out ./log-copy --witness w1.vkey --witness w2.vkey "
      "--witnesses-required 1\n"
      "Exit status: 0 verified and up to date; 1 an inconsistency (INCONSISTENT: ..., nothing "
      "committed) or another error.");
  commands.Add(cmd, [a] { return RunMirror(*a); });
}

}  // namespace signet::cli
