// signet register: fingerprint a catalogue in parallel (Chromaprint and the
// landmark print, from one decode, on this machine), sign one work.register
// statement per recording, submit them in seq order, and optionally attach
// terms to each work. Resumable (see journal.h). A work registered before it
// had a landmark print gains one: the same work.register again, with the
// work's metadata as the registry holds it and the print (registry/
// STATEMENTS.md "Adding the landmark print"): same work id, no dispute, terms
// untouched.
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "fingerprint/extract.h"
#include "fingerprint/landmark_codec.h"
#include "protocol/ids.h"
#include "tools/signet/artist_session.h"
#include "tools/signet/batch_options.h"
#include "tools/signet/commands.h"
#include "tools/signet/csv.h"
#include "tools/signet/interrupt.h"
#include "tools/signet/journal.h"
#include "tools/signet/local_fingerprint.h"
#include "tools/signet/pipeline.h"
#include "tools/signet/progress.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"
#include "tools/signet/tags.h"
#include "tools/signet/terms_input.h"

namespace signet::cli {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

struct RegisterArgs {
  ServerOption server;
  std::string key;
  std::string artist;
  std::string terms_file;
  std::string metadata;
  std::string journal;
  std::string json_out;  // --json FILE: the registry's answers, one per line
  bool update_terms = false;
  BatchOptions batch;
};

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

struct Prepared {
  Result<LocalFingerprint> fp = Status::Internal("not fingerprinted");
  FileTags tags;
};

struct Summary {
  std::size_t registered = 0, already = 0, disputed = 0, failed = 0;
  std::size_t landmarked = 0;  // of `already`: gained the landmark print
  std::size_t mbids_set = 0;   // of `already`: MusicBrainz ids set from the catalogue
  // --terms: set on new works, changed on registered ones (--update-terms),
  // left as they are on registered ones whose own terms differ.
  std::size_t terms_set = 0, terms_changed = 0, terms_left = 0;
  std::vector<std::string> dispute_lines, failure_lines, terms_left_lines;
};

json::object WorkBody(const fs::path& file, const Prepared& p, const WorkMetadata* meta,
                      const std::string& artist_name, bool with_isrc) {
  const LocalFingerprint& lf = *p.fp;
  json::object b;
  std::string title = meta && !meta->title.empty() ? meta->title : p.tags.title;
  if (title.empty()) title = file.stem().string();
  b["title"] = title;
  json::array credits;
  if (meta && !meta->credits.empty()) {
    for (const Credit& c : meta->credits)
      credits.push_back(json::object{{"name", c.name}, {"role", c.role}});
  } else {
    if (!p.tags.artist.empty())
      credits.push_back(json::object{{"name", p.tags.artist}, {"role", "performer"}});
    if (!p.tags.composer.empty())
      credits.push_back(json::object{{"name", p.tags.composer}, {"role", "composer"}});
    if (credits.empty())
      credits.push_back(json::object{{"name", artist_name}, {"role", "performer"}});
  }
  b["credits"] = std::move(credits);
  double duration = lf.duration_seconds;
  if (duration <= 0) {
    const auto timing = fp::GetFingerprintTiming();
    duration = timing.delay_seconds +
               timing.item_seconds * static_cast<double>(lf.fingerprint.values.size());
  }
  b["duration"] = duration;
  b["fingerprint"] = lf.compressed;
  if (!lf.landmark.empty()) b["landmark"] = lf.landmark;
  b["sha256"] = lf.sha256;
  const std::string isrc = meta && !meta->isrc.empty() ? meta->isrc : p.tags.isrc;
  if (with_isrc && !isrc.empty()) b["isrc"] = isrc;
  if (meta && !meta->iswc.empty()) b["iswc"] = meta->iswc;
  if (meta && !meta->musicbrainz_recording_ids.empty()) {
    b["musicbrainz_recording_ids"] = Strings(meta->musicbrainz_recording_ids);
  }
  return b;
}

constexpr std::string_view kLandmarkTooLarge =
    "registered without its landmark print: with it the signed statement would exceed the "
    "log's 65,535 bytes (recordings over about 10 minutes), so sped-up, pitch-shifted and "
    "reverberated copies of it are not found; register it as parts of at most 10 minutes for that";

// The work.register that amends a registered work: its metadata as the
// registry holds it, unchanged, plus the landmark print when `with_landmark`
// (a work registered without one) and the catalogue's MusicBrainz recording
// ids when `mbids` is given (leaving the field out keeps the registry's).
json::object AmendBody(const protocol::Work& w, const LocalFingerprint& lf, bool with_landmark,
                       const std::vector<std::string>* mbids) {
  json::object b;
  b["title"] = w.title;
  json::array credits;
  for (const protocol::Credit& c : w.credits) {
    json::object co{{"name", c.name}, {"role", c.role}};
    if (c.isni) co["isni"] = *c.isni;
    if (c.ipi) co["ipi"] = *c.ipi;
    credits.push_back(std::move(co));
  }
  b["credits"] = std::move(credits);
  b["duration"] = w.duration_seconds;
  b["fingerprint"] = lf.compressed;
  if (with_landmark && !lf.landmark.empty()) b["landmark"] = lf.landmark;
  if (w.sha256) b["sha256"] = *w.sha256;
  if (w.isrc) b["isrc"] = *w.isrc;
  if (w.iswc) b["iswc"] = *w.iswc;
  if (mbids) b["musicbrainz_recording_ids"] = Strings(*mbids);
  return b;
}

// The work a "same recording as wk_..." refusal names: the problem's work_id
// member (registry/STATEMENTS.md "The same recording again").
std::optional<std::string> SameRecordingAs(const Status& refusal) {
  if (refusal.code() != Status::Code::kAlreadyExists || refusal.field() != "fingerprint" ||
      !protocol::IsWellFormedWorkId(refusal.work_id())) {
    return std::nullopt;
  }
  return refusal.work_id();
}

std::string DisputeText(const protocol::Dispute& d) {
  std::string s = "dispute " + d.id;
  if (!d.work_a.empty()) s += " with " + d.work_a + " by " + d.artist_a;
  return s;
}

int RunRegister(const RegisterArgs& a) {
  constexpr std::string_view kCmd = "register";
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError(kCmd, http.status());
  auto session =
      ArtistSession::Open(**http, a.key, a.artist.empty() ? std::nullopt : std::optional(a.artist));
  if (!session.ok()) return ReportError(kCmd, session.status());
  auto artist = session->FetchArtist();
  if (!artist.ok()) return ReportError(kCmd, artist.status());
  const std::string artist_name = artist->display_name;

  std::optional<Catalogue> catalogue;
  if (!a.metadata.empty()) {
    auto c = Catalogue::Load(a.metadata);
    if (!c.ok()) return ReportError(kCmd, c.status());
    catalogue = std::move(*c);
  }
  std::optional<json::object> terms;
  std::optional<protocol::Terms> wanted_terms;  // `terms` as the registry answers them
  std::string terms_hash;
  if (!a.terms_file.empty()) {
    auto t = LoadTermsFile(a.terms_file);
    if (!t.ok()) return ReportError(kCmd, t.status());
    terms = std::move(*t);
    auto decoded = protocol::TermsFromJson(json::value(*terms));
    if (!decoded.ok()) return ReportError(kCmd, decoded.status().WithContext(a.terms_file));
    wanted_terms = std::move(*decoded);
    const crypto::Digest d = crypto::Sha256(json::serialize(*terms));
    terms_hash = crypto::HexEncode(crypto::ByteView(d.data(), d.size()));
  }
  fs::path journal_path = a.journal;
  if (journal_path.empty()) {
    journal_path = session->key_file();
    journal_path += ".journal";
  }
  auto journal = RegisterJournal::Open(journal_path);
  if (!journal.ok()) return ReportError(kCmd, journal.status());

  // --json: every answer to an accepted statement (with its receipt), one per
  // line, for `signet verify answers`.
  std::ofstream answers;
  if (!a.json_out.empty()) {
    answers.open(a.json_out, std::ios::binary | std::ios::app);
    if (!answers) return ReportError(kCmd, Status::IoError("cannot write " + a.json_out));
  }
  auto keep = [&](const Result<Submitted>& sub) {
    if (sub.ok() && answers.is_open()) answers << sub->body << '\n' << std::flush;
  };

  auto collected = CollectFiles(a.batch);
  if (!collected.ok()) return ReportError(kCmd, collected.status());
  const std::vector<fs::path>& files = *collected;

  Progress progress("registering", files.size(), ProgressModeFor(a.batch));
  Summary sum;
  Status fatal;
  InstallInterruptHandler();

  std::size_t next = 0;
  const unsigned jobs = WorkerCount(a.batch);
  OrderedParallelMap<fs::path, Prepared>(
      jobs, 2 * jobs + 2,
      [&]() -> std::optional<fs::path> {
        // Files the journal knows are done are handed through untouched.
        if (next == files.size() || Interrupted()) return std::nullopt;
        return files[next++];
      },
      [&](const fs::path& file) {
        Prepared p;
        const JournalEntry* done = journal->Find(file);
        const WorkMetadata* row = catalogue ? catalogue->Find(file) : nullptr;
        // A row with MusicBrainz ids is compared with the registry's again:
        // they may have been added to the CSV since the file was registered.
        const bool row_mbids = row && !row->musicbrainz_recording_ids.empty();
        if (done && done->terms == terms_hash && !a.update_terms &&
            done->landmark == fp::kLandmarkFormatVersion && !row_mbids) {
          p.fp = Status::AlreadyExists(done->work);
          return p;
        }
        p.fp = FingerprintLocalFile(file, LandmarkDensity::kReference);
        if (p.fp.ok()) {
          const WorkMetadata* meta = catalogue ? catalogue->Find(file) : nullptr;
          if (!meta || meta->title.empty() || meta->credits.empty() || meta->isrc.empty()) {
            if (auto t = ReadFileTags(file); t.ok()) p.tags = std::move(*t);
          }
        }
        return p;
      },
      [&](fs::path&& file, Prepared&& p) {
        const std::string shown = file.string();
        if (!p.fp.ok()) {
          if (p.fp.status().code() == Status::Code::kAlreadyExists) {
            ++sum.already;
            progress.Tick(shown, "already registered (" + p.fp.status().message() + ")");
          } else {
            ++sum.failed;
            sum.failure_lines.push_back(shown + ": " + p.fp.status().message());
            progress.Tick(shown, "failed: " + p.fp.status().message());
          }
          return !Interrupted();
        }
        const WorkMetadata* meta = catalogue ? catalogue->Find(file) : nullptr;
        std::string work_id = protocol::WorkIdFor(session->artist_id(), p.fp->fingerprint.values);
        std::string outcome;
        bool already = false;
        bool landmarked = false;
        bool mbids_set = false;
        std::string same_as;  // another file of a recording registered as this work
        std::optional<protocol::Work> registered;
        std::vector<std::string> disputes;
        // The registry derives the work id from artist and fingerprint, so
        // asking for it tells whether an earlier (interrupted) run got there.
        auto existing = (*http)->Get("/v1/works/" + work_id);
        if (existing.ok()) {
          already = true;
          auto w = DecodeAnswer(*existing, "GET work", protocol::WorkFromJson);
          if (w.ok()) registered = *w;
          const bool add_landmark = w.ok() && !w->withdrawn && w->landmark_peaks == 0;
          const bool set_mbids = w.ok() && !w->withdrawn && meta &&
                                 !meta->musicbrainz_recording_ids.empty() &&
                                 meta->musicbrainz_recording_ids != w->musicbrainz_recording_ids;
          if (add_landmark || set_mbids) {
            const auto* mbids = set_mbids ? &meta->musicbrainz_recording_ids : nullptr;
            constexpr auto kWorkRegister = protocol::StatementType::kWorkRegister;
            auto sub = session->Submit(kWorkRegister, AmendBody(*w, *p.fp, add_landmark, mbids));
            keep(sub);
            // Too large with the print: said so; the ids still go, without it.
            const bool too_large = !sub.ok() &&
                                   sub.status().code() == Status::Code::kResourceExhausted &&
                                   add_landmark;
            if (too_large) {
              progress.Note("note: " + shown + ": " + std::string(kLandmarkTooLarge));
              if (set_mbids) {
                sub = session->Submit(kWorkRegister, AmendBody(*w, *p.fp, false, mbids));
                keep(sub);
              }
            }
            const std::string what = add_landmark && set_mbids
                                         ? "adding its landmark print and MusicBrainz ids"
                                     : add_landmark ? "adding its landmark print"
                                                    : "setting its MusicBrainz ids";
            if (too_large && !set_mbids) {
              // Nothing else to send.
            } else if (!sub.ok()) {
              if (sub.status().code() == Status::Code::kUnavailable) {
                fatal = sub.status();
                return false;
              }
              ++sum.failed;
              sum.failure_lines.push_back(shown + ": registered as " + work_id + " but " + what +
                                          " failed: " + sub.status().message());
              progress.Tick(shown, what + " failed: " + sub.status().message());
              return !Interrupted();
            } else {
              landmarked =
                  add_landmark && sub->accepted.work && sub->accepted.work->landmark_peaks > 0;
              mbids_set = set_mbids;
              if (sub->accepted.work) registered = *sub->accepted.work;
            }
          }
        } else if (existing.status().code() != Status::Code::kNotFound) {
          fatal = existing.status();
          return false;
        } else {
          constexpr auto kWorkRegister = protocol::StatementType::kWorkRegister;
          // A statement over the log's 65,535 bytes is refused before it is
          // sent; the landmark print (~64 B per second in the payload) is
          // then left out, and the work registered with Chromaprint alone.
          auto submit = [&](json::object body) {
            auto r = session->Submit(kWorkRegister, body);
            if (!r.ok() && r.status().code() == Status::Code::kResourceExhausted &&
                body.erase("landmark") > 0) {
              progress.Note("note: " + shown + ": " + std::string(kLandmarkTooLarge));
              r = session->Submit(kWorkRegister, body);
            }
            keep(r);
            return r;
          };
          auto sub = submit(WorkBody(file, p, meta, artist_name, true));
          const bool tag_isrc = !(meta && !meta->isrc.empty()) && !p.tags.isrc.empty();
          if (!sub.ok() && tag_isrc && sub.status().code() == Status::Code::kInvalidArgument &&
              sub.status().field() == "isrc") {
            // A malformed ISRC tag should not block the registration.
            progress.Note("note: " + shown + ": ignoring the file's ISRC tag '" + p.tags.isrc +
                          "': " + sub.status().message());
            sub = submit(WorkBody(file, p, meta, artist_name, false));
          }
          if (!sub.ok()) {
            if (auto same = SameRecordingAs(sub.status())) {
              // A re-encode (another file) of a recording this artist registered.
              already = true;
              same_as = work_id = *same;
              if (auto body = (*http)->Get("/v1/works/" + work_id); body.ok()) {
                if (auto w = DecodeAnswer(*body, "GET work", protocol::WorkFromJson); w.ok()) {
                  registered = std::move(*w);
                }
              }
            } else if (sub.status().code() == Status::Code::kAlreadyExists) {
              already = true;
            } else if (sub.status().code() == Status::Code::kUnavailable) {
              fatal = sub.status();
              return false;
            } else {
              ++sum.failed;
              sum.failure_lines.push_back(shown + ": " + sub.status().message());
              progress.Tick(shown, "failed: " + sub.status().message());
              return !Interrupted();
            }
          } else {
            for (const auto& d : sub->accepted.opened_disputes) disputes.push_back(DisputeText(d));
          }
        }
        if (registered) {
          for (const std::string& d : registered->open_disputes) disputes.push_back("dispute " + d);
        }
        // Terms change only when asked: a new work gets --terms; a registered
        // one keeps its own terms (perhaps set since with `terms set`) unless
        // --update-terms says to replace them.
        bool send_terms = false;
        if (terms) {
          const bool same = registered && registered->terms == wanted_terms;
          if (!already) {
            send_terms = true;
            ++sum.terms_set;
          } else if (!same && a.update_terms) {
            send_terms = true;
            ++sum.terms_changed;
          } else if (!same) {
            ++sum.terms_left;
            sum.terms_left_lines.push_back(shown + " (" + work_id + ")");
          }
        }
        if (send_terms) {
          auto t = session->Submit(protocol::StatementType::kWorkTerms,
                                   json::object{{"work", work_id}, {"terms", *terms}});
          keep(t);
          if (!t.ok()) {
            ++sum.failed;
            sum.failure_lines.push_back(shown + ": registered as " + work_id +
                                        " but setting its terms failed: " + t.status().message());
            progress.Tick(shown, "failed to set terms: " + t.status().message());
            return !Interrupted();
          }
        }
        if (Status js = journal->Record(file, work_id, terms_hash, fp::kLandmarkFormatVersion);
            !js.ok()) {
          progress.Note("warning: " + js.message());
        }
        if (!same_as.empty()) {
          ++sum.already;
          outcome = "already registered (same recording as " + work_id + ")";
        } else if (already) {
          ++sum.already;
          outcome = "already registered " + work_id;
          if (landmarked) {
            ++sum.landmarked;
            outcome += ", landmark print added";
          }
          if (mbids_set) {
            ++sum.mbids_set;
            outcome += ", MusicBrainz recording ids set";
          }
        } else {
          ++sum.registered;
          outcome = "registered " + work_id;
        }
        if (!disputes.empty()) {
          ++sum.disputed;
          for (const auto& d : disputes)
            sum.dispute_lines.push_back(shown + " (" + work_id + "): " + d);
          outcome += ", DISPUTED";
        }
        progress.Tick(shown, outcome);
        return !Interrupted();
      });
  progress.Finish();

  const std::size_t handled = sum.registered + sum.already + sum.failed;
  if (handled < files.size()) std::printf("%zu of ", handled);
  std::printf("%zu files: %zu registered, %zu already registered", files.size(), sum.registered,
              sum.already);
  if (sum.landmarked) std::printf(" (%zu gained the landmark print)", sum.landmarked);
  if (sum.mbids_set) std::printf(" (%zu got MusicBrainz recording ids)", sum.mbids_set);
  std::printf(", %zu disputed, %zu failed\n", sum.disputed, sum.failed);
  if (terms) {
    std::printf("terms from %s: set on %zu new works, replaced on %zu, %zu left as they are\n",
                a.terms_file.c_str(), sum.terms_set, sum.terms_changed, sum.terms_left);
  }
  if (!sum.terms_left_lines.empty()) {
    std::printf(
        "registered works whose own terms differ from %s (left unchanged; "
        "--update-terms replaces them):\n",
        a.terms_file.c_str());
    for (const auto& l : sum.terms_left_lines) std::printf("  %s\n", l.c_str());
  }
  if (!sum.dispute_lines.empty()) {
    std::printf("disputed (another artist registered a matching recording):\n");
    for (const auto& l : sum.dispute_lines) std::printf("  %s\n", l.c_str());
  }
  if (!sum.failure_lines.empty()) {
    std::printf("failed:\n");
    for (const auto& l : sum.failure_lines) std::printf("  %s\n", l.c_str());
  }
  if (!fatal.ok()) return ReportError(kCmd, fatal.WithContext("stopped; re-run to continue"));
  if (Interrupted()) {
    std::fprintf(stderr,
                 "signet register: interrupted; re-run the same command to continue "
                 "(done files are skipped)\n");
    return kExitError;
  }
  return sum.failed ? kExitError : kExitOk;
}

}  // namespace

void AddRegisterCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<RegisterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "register", "Fingerprint audio files and register them as your works (signed locally)");
  AddServerOption(*cmd, args->server);
  cmd->add_option("--key", args->key, "Secret key file made by `signet keygen`")->required();
  cmd->add_option("--artist", args->artist,
                  "Artist id, when KEYFILE.artist is missing (e.g. after a key rotation)");
  cmd->add_option("--terms", args->terms_file,
                  "JSON terms applied to every work, e.g. {\"ai_generative_training\": "
                  "\"notAllowed\"}")
      ->check(CLI::ExistingFile);
  cmd->add_option("--metadata", args->metadata, "Catalogue CSV (columns below)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--journal", args->journal, "Resume journal (default: KEYFILE.journal)");
  cmd->add_option("--json", args->json_out,
                  "Append the registry's answer to every accepted statement (with its log "
                  "receipt) to this file, one JSON object per line, for `signet verify answers`");
  cmd->add_flag("--update-terms", args->update_terms,
                "Also replace the own terms of works already registered with --terms");
  AddBatchOptions(*cmd, args->batch);
  cmd->footer(
      "Metadata CSV (RFC 4180, header row, columns in any order, names case-insensitive):\n"
      "  path      the audio file, relative to the CSV's folder or absolute (required)\n"
      "  title     the work's title\n"
      "  isrc      ISRC, e.g. GBAYE0601498\n"
      "  iswc      ISWC, e.g. T-034.524.680-1\n"
      "  credits   \"Name:role;Name:role\", e.g. \"Ada Lovelace:composer;Bo:performer\"\n"
      "  artist    performing artist (informational)\n"
      "  musicbrainz_recording_ids (or mbid)\n"
      "            MusicBrainz recording ids separated by ';' (AcoustID clients such as\n"
      "            beets and Picard get them from /v2/lookup); re-running with new ids sets them\n"
      "Without a CSV row, title, artist, composer and ISRC come from the file's tags, the\n"
      "title else from the file name, and the credit else is you as performer.\n\n"
      "Safe to interrupt (Ctrl-C) and re-run: files already registered are skipped, and\n"
      "the registry never holds the same recording twice for one artist (another file of\n"
      "it, e.g. an MP3 of a registered FLAC, is \"already registered (same recording as\n"
      "wk_...)\"). Works registered before the landmark print existed gain it when you run\n"
      "this again on their files (same work, same terms; the audio never leaves this\n"
      "machine). --terms is applied to new works only: a re-run never changes the terms\n"
      "of a registered work (e.g. set since with `signet terms set`) unless --update-terms\n"
      "is given; the summary says how many it set, replaced and left.\n"
      "Exit status: 0 all registered (or already), 1 some failed.\n\n"
      "Examples:\n"
      "  signet register --key ada.key ~/Music/catalogue\n"
      "  signet register --key ada.key --terms no-genai.json --metadata catalogue.csv music/\n"
      "  echo '{\"ai_generative_training\": \"notAllowed\"}' > no-genai.json");
  commands.Add(cmd, [args] { return RunRegister(*args); });
}

}  // namespace signet::cli
