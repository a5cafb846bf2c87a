#include "tools/signet/tags.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <memory>

namespace signet::cli {
namespace {

struct CloseInput {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};

// First non-empty value of any of `keys` (case-insensitive), container first,
// then each stream (Ogg and FLAC keep Vorbis comments on the stream).
std::string Lookup(const AVFormatContext* ctx, std::initializer_list<const char*> keys) {
  auto from = [&](const AVDictionary* dict) -> std::string {
    for (const char* k : keys) {
      if (const AVDictionaryEntry* e = av_dict_get(dict, k, nullptr, 0);
          e && e->value && *e->value) {
        return e->value;
      }
    }
    return {};
  };
  if (std::string v = from(ctx->metadata); !v.empty()) return v;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    if (std::string v = from(ctx->streams[i]->metadata); !v.empty()) return v;
  }
  return {};
}

}  // namespace

Result<FileTags> ReadFileTags(const std::filesystem::path& path) {
  av_log_set_level(AV_LOG_ERROR);
  AVFormatContext* raw = nullptr;
  if (int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); rc < 0) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(rc, buf, sizeof buf);
    return Status::InvalidArgument("cannot read tags of " + path.string() + ": " + buf);
  }
  std::unique_ptr<AVFormatContext, CloseInput> ctx(raw);
  FileTags t;
  t.title = Lookup(ctx.get(), {"title"});
  t.artist = Lookup(ctx.get(), {"artist", "album_artist"});
  t.album = Lookup(ctx.get(), {"album"});
  t.composer = Lookup(ctx.get(), {"composer"});
  t.isrc = Lookup(ctx.get(), {"isrc", "TSRC"});
  return t;
}

}  // namespace signet::cli
