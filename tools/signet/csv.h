// CSV (RFC 4180) and the catalogue metadata file of `signet register --metadata`.
//
// ParseCsv: fields separated by commas, optionally "quoted" (a quote inside is
// written ""), quoted fields may hold commas and line breaks; CRLF or LF line
// ends; a UTF-8 byte-order mark is ignored; blank lines are skipped.
//
// Catalogue columns (header row required, names case-insensitive, order free,
// unknown columns are an error so that a typo is not silently ignored):
//   path (or file)  the audio file, relative to the CSV's folder or absolute
//   title           the work's title
//   isrc            ISRC, e.g. GBAYE0601498 (hyphens allowed)
//   iswc            ISWC, e.g. T-034.524.680-1
//   credits         "Name:role;Name:role", e.g. "Ada Lovelace:composer;Bo:performer"
//   artist          display name of the performing artist (informational)
//   musicbrainz_recording_ids (or mbid)
//                   MusicBrainz recording ids separated by ';', UUIDs as
//                   MusicBrainz shows them (upper case is lowered); each is
//                   checked here, so a typo names its row before anything is signed
// Empty cells mean "not given" (the file's tags are used for title and ISRC).
//
// Thread safety: values; no shared state.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::cli {

using CsvRow = std::vector<std::string>;

// Errors name the line: "line 7: unterminated quoted field".
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

// Writes one CSV field, quoted when it needs to be.
std::string CsvField(std::string_view value);

struct Credit {
  std::string name;
  std::string role;
  friend bool operator==(const Credit&, const Credit&) = default;
};

// "Name:role;Name:role" -> credits. A part without ':' is a name with role
// "performer". Errors say which part is malformed.
Result<std::vector<Credit>> ParseCredits(std::string_view text);

struct WorkMetadata {
  std::string title;
  std::string isrc;
  std::string iswc;
  std::string artist;
  std::vector<Credit> credits;
  std::vector<std::string> musicbrainz_recording_ids;  // canonical MBIDs, distinct
};

// "id;id" -> canonical MusicBrainz ids (protocol/ids.h), in order, repeats
// dropped. Errors name the part that is not an MBID.
Result<std::vector<std::string>> ParseMusicBrainzIds(std::string_view text);

class Catalogue {
 public:
  // Reads and validates a catalogue CSV.
  static Result<Catalogue> Load(const std::filesystem::path& csv_path);
  static Result<Catalogue> Parse(std::string_view text, const std::filesystem::path& base_dir);

  // The row for `audio_file`, or nullptr. Files are compared by absolute,
  // normalised path.
  const WorkMetadata* Find(const std::filesystem::path& audio_file) const;
  std::size_t size() const { return rows_.size(); }

 private:
  std::map<std::string, WorkMetadata> rows_;  // key: normalised absolute path
};

}  // namespace signet::cli
