#include "tools/signet/csv.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "protocol/ids.h"

namespace signet::cli {
namespace fs = std::filesystem;

Result<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  std::size_t line = 1;
  std::size_t quote_line = 0;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
    row.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || field_was_quoted) {
          return Status::InvalidArgument("line " + std::to_string(line) +
                                         ": a quote inside an unquoted field; quote the whole "
                                         "field and double the quote (\"\")");
        }
        in_quotes = true;
        field_was_quoted = true;
        quote_line = line;
        break;
      case ',':
        end_field();
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        end_row();
        ++line;
        break;
      case '\n':
        end_row();
        ++line;
        break;
      default:
        if (field_was_quoted) {
          return Status::InvalidArgument("line " + std::to_string(line) +
                                         ": text after a closing quote; expected , or a line end");
        }
        field.push_back(c);
    }
  }
  if (in_quotes) {
    return Status::InvalidArgument("line " + std::to_string(quote_line) +
                                   ": unterminated quoted field");
  }
  if (!field.empty() || field_was_quoted || !row.empty()) end_row();
  return rows;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Key(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  if (ec) abs = fs::absolute(p).lexically_normal();
  return abs.string();
}

}  // namespace

Result<std::vector<Credit>> ParseCredits(std::string_view text) {
  std::vector<Credit> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    std::string part = Trim(text.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    Credit c;
    std::size_t colon = part.rfind(':');
    if (colon == std::string::npos) {
      c.name = part;
      c.role = "performer";
    } else {
      c.name = Trim(std::string_view(part).substr(0, colon));
      c.role = Lower(Trim(std::string_view(part).substr(colon + 1)));
    }
    if (c.name.empty() || c.role.empty()) {
      return Status::InvalidArgument("credit '" + part +
                                     "' needs a name and a role, like \"Ada Lovelace:composer\"");
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<std::string>> ParseMusicBrainzIds(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string part = Trim(text.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    std::string id = protocol::CanonicalMusicBrainzId(part);
    if (id.empty()) {
      return Status::InvalidArgument(
          "'" + part +
          "' is not a MusicBrainz recording id (a UUID like b9ad642e-b012-41c7-b72a-42cf4911f9ff, "
          "as on the recording's page at musicbrainz.org)");
    }
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  }
  return out;
}

Result<Catalogue> Catalogue::Load(const fs::path& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read metadata file " + csv_path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = Parse(ss.str(), csv_path.parent_path());
  if (!c.ok()) return c.status().WithContext(csv_path.string());
  return c;
}

Result<Catalogue> Catalogue::Parse(std::string_view text, const fs::path& base_dir) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseCsv(text));
  if (rows.empty()) return Status::InvalidArgument("empty catalogue: expected a header row");
  enum Col { kPath, kTitle, kIsrc, kIswc, kCredits, kArtist, kMbids };
  std::vector<Col> cols;
  bool has_path = false;
  for (const std::string& raw : rows[0]) {
    const std::string h = Lower(Trim(raw));
    if (h == "path" || h == "file") {
      cols.push_back(kPath);
      has_path = true;
    } else if (h == "title") {
      cols.push_back(kTitle);
    } else if (h == "isrc") {
      cols.push_back(kIsrc);
    } else if (h == "iswc") {
      cols.push_back(kIswc);
    } else if (h == "credits") {
      cols.push_back(kCredits);
    } else if (h == "artist") {
      cols.push_back(kArtist);
    } else if (h == "musicbrainz_recording_ids" || h == "mbid") {
      cols.push_back(kMbids);
    } else {
      return Status::InvalidArgument(
          "unknown column '" + raw +
          "'; known columns: path, title, isrc, iswc, credits, artist, musicbrainz_recording_ids");
    }
  }
  if (!has_path) return Status::InvalidArgument("the header needs a 'path' (or 'file') column");
  Catalogue cat;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    const std::string where = "row " + std::to_string(r + 1);
    if (row.size() != cols.size()) {
      return Status::InvalidArgument(where + " has " + std::to_string(row.size()) +
                                     " fields, the header has " + std::to_string(cols.size()));
    }
    WorkMetadata m;
    std::string path;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      std::string v = Trim(row[i]);
      switch (cols[i]) {
        case kPath:
          path = v;
          break;
        case kTitle:
          m.title = v;
          break;
        case kIsrc:
          m.isrc = v;
          break;
        case kIswc:
          m.iswc = v;
          break;
        case kArtist:
          m.artist = v;
          break;
        case kCredits: {
          auto credits = ParseCredits(v);
          if (!credits.ok()) return credits.status().WithContext(where);
          m.credits = std::move(*credits);
          break;
        }
        case kMbids: {
          auto ids = ParseMusicBrainzIds(v);
          if (!ids.ok()) return ids.status().WithContext(where);
          m.musicbrainz_recording_ids = std::move(*ids);
          break;
        }
      }
    }
    if (path.empty()) return Status::InvalidArgument(where + " has an empty path");
    fs::path p(path);
    if (p.is_relative()) p = base_dir / p;
    if (!cat.rows_.emplace(Key(p), std::move(m)).second) {
      return Status::InvalidArgument(where + " repeats the file " + path);
    }
  }
  return cat;
}

const WorkMetadata* Catalogue::Find(const fs::path& audio_file) const {
  auto it = rows_.find(Key(audio_file));
  return it == rows_.end() ? nullptr : &it->second;
}

}  // namespace signet::cli
