#include "fingerprint/audio_decoder.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace signet::fp {
namespace {

constexpr int kIoBufferSize = 64 * 1024;
// Undecodable packets in a row before we call the stream malformed. Real files
// occasionally carry a damaged frame (FFmpeg's own CLI skips them); a stream of
// garbage does not get to run for long.
constexpr int kMaxConsecutiveBadPackets = 10;

using Clock = std::chrono::steady_clock;

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(err, buf, sizeof(buf)) != 0) {
    std::snprintf(buf, sizeof(buf), "FFmpeg error %d", err);
  }
  return buf;
}

// FFmpeg allocates what a header claims: a WAV whose LIST chunk claims
// 3.2 GB made the wav demuxer av_malloc ~2 GB for an 8 kB file
// (audio_decoder_fuzzer, out of memory). No single buffer an audio decode
// needs comes near this (packets, frames, the I/O buffer are kB to a few MB),
// so larger requests fail and the open or read reports an error instead.
constexpr std::size_t kMaxFfmpegAllocation = std::size_t{64} << 20;

void SilenceFfmpegOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_QUIET);
    av_max_alloc(kMaxFfmpegAllocation);
  });
}

// ---- byte sources behind a custom AVIOContext ------------------------------

// State shared by the I/O callbacks. Exactly one of `file` / `bytes` is used.
struct IoState {
  std::span<const std::uint8_t> bytes;
  std::int64_t pos = 0;  // in `bytes`
  std::FILE* file = nullptr;
  std::int64_t size = -1;  // -1: unknown (pipe)
  std::uint64_t read_total = 0;
  std::uint64_t max_bytes = 0;
  bool over_limit = false;
  Clock::time_point deadline;
};

int ReadPacket(void* opaque, std::uint8_t* buf, int buf_size) {
  auto* io = static_cast<IoState*>(opaque);
  if (buf_size <= 0) return AVERROR(EINVAL);
  std::size_t n = 0;
  if (io->file != nullptr) {
    n = std::fread(buf, 1, static_cast<std::size_t>(buf_size), io->file);
    if (n == 0) return std::ferror(io->file) ? AVERROR(EIO) : AVERROR_EOF;
  } else {
    const auto size = static_cast<std::int64_t>(io->bytes.size());
    if (io->pos < 0 || io->pos >= size) return AVERROR_EOF;
    n = static_cast<std::size_t>(std::min<std::int64_t>(buf_size, size - io->pos));
    std::memcpy(buf, io->bytes.data() + io->pos, n);
    io->pos += static_cast<std::int64_t>(n);
  }
  io->read_total += n;
  // Sizes of regular files and buffers are checked before opening; this catches
  // pipes and devices that never end.
  if (io->size < 0 && io->read_total > io->max_bytes) {
    io->over_limit = true;
    return AVERROR(EFBIG);
  }
  return static_cast<int>(n);
}

std::int64_t Seek(void* opaque, std::int64_t offset, int whence) {
  auto* io = static_cast<IoState*>(opaque);
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return io->size >= 0 ? io->size : AVERROR(ENOSYS);
  if (io->file != nullptr) {
    if (io->size < 0) return AVERROR(ESPIPE);
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return AVERROR(EINVAL);
    if (fseeko(io->file, static_cast<off_t>(offset), whence) != 0) return AVERROR(errno);
    const off_t pos = ftello(io->file);
    return pos < 0 ? AVERROR(errno) : static_cast<std::int64_t>(pos);
  }
  std::int64_t base = 0;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = io->pos;
      break;
    case SEEK_END:
      base = io->size;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if ((offset > 0 && base > std::numeric_limits<std::int64_t>::max() - offset)) {
    return AVERROR(EINVAL);
  }
  const std::int64_t target = base + offset;
  if (target < 0 || target > io->size) return AVERROR(EINVAL);
  io->pos = target;
  return target;
}

// Demuxers that reference other resources (HLS, concat, DASH, mov external
// tracks, ...) open them through this callback: refuse all of them.
int RefuseNestedOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

int InterruptCallback(void* opaque) {
  const auto* io = static_cast<const IoState*>(opaque);
  return Clock::now() > io->deadline ? 1 : 0;
}

// ---- RAII for the C handles ------------------------------------------------

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct AvioDeleter {
  void operator()(AVIOContext* ctx) const {
    av_freep(&ctx->buffer);  // FFmpeg may have replaced our buffer: free its current one.
    avio_context_free(&ctx);
  }
};
struct FormatDeleter {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct ChannelLayout {
  AVChannelLayout layout{};
  ChannelLayout() = default;
  ChannelLayout(const ChannelLayout&) = delete;
  ChannelLayout& operator=(const ChannelLayout&) = delete;
  ~ChannelLayout() { av_channel_layout_uninit(&layout); }
};

// ---- the converter ---------------------------------------------------------

// Input parameters of the converter; a change mid-stream (chained Ogg, joined
// MP3s) rebuilds it.
struct FrameFormat {
  int format = -1;
  int sample_rate = 0;
  int channels = 0;
  std::uint64_t mask = 0;  // native-order channel mask, 0 when unspecified
  friend bool operator==(const FrameFormat&, const FrameFormat&) = default;
};

FrameFormat FormatOf(const AVFrame& f) {
  FrameFormat ff;
  ff.format = f.format;
  ff.sample_rate = f.sample_rate;
  ff.channels = f.ch_layout.nb_channels;
  ff.mask = f.ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? f.ch_layout.u.mask : 0;
  return ff;
}

class Converter {
 public:
  Converter(int out_rate, int out_channels, const PcmSink& sink)
      : out_rate_(out_rate), out_channels_(out_channels), sink_(sink) {}

  // Converts one frame (or the allowed head of it) and hands it to the sink.
  Status Push(const AVFrame& frame, int nb_samples) {
    const FrameFormat ff = FormatOf(frame);
    if (!(ff == in_)) {
      SIGNET_RETURN_IF_ERROR(Flush());
      SIGNET_RETURN_IF_ERROR(Reset(frame, ff));
    }
    if (!swr_) {
      // The decoder already produced s16 at the wanted rate and channels:
      // fpcalc feeds such frames untouched, and so do we.
      return Emit(reinterpret_cast<const std::int16_t*>(frame.data[0]), nb_samples);
    }
    const int cap = swr_get_out_samples(swr_.get(), nb_samples);
    if (cap < 0) return Status::Internal("swresample: " + AvError(cap));
    SIGNET_RETURN_IF_ERROR(Reserve(cap));
    std::uint8_t* out[1] = {reinterpret_cast<std::uint8_t*>(buffer_.data())};
    const int n = swr_convert(swr_.get(), out, cap,
                              const_cast<const std::uint8_t**>(frame.extended_data), nb_samples);
    if (n < 0) return Status::Internal("swresample could not convert audio: " + AvError(n));
    return Emit(buffer_.data(), n);
  }

  // Drains the resampler's delay line (end of stream, or before a rebuild).
  Status Flush() {
    if (!swr_) return Status::Ok();
    for (;;) {
      const int cap = std::max(swr_get_out_samples(swr_.get(), 0), 0) + 64;
      SIGNET_RETURN_IF_ERROR(Reserve(cap));
      std::uint8_t* out[1] = {reinterpret_cast<std::uint8_t*>(buffer_.data())};
      const int n = swr_convert(swr_.get(), out, cap, nullptr, 0);
      if (n < 0) return Status::Internal("swresample could not flush: " + AvError(n));
      if (n == 0) return Status::Ok();
      SIGNET_RETURN_IF_ERROR(Emit(buffer_.data(), n));
    }
  }

  std::uint64_t frames_out() const { return frames_out_; }

 private:
  Status Reset(const AVFrame& frame, const FrameFormat& ff) {
    swr_.reset();
    in_ = ff;
    if (ff.format == AV_SAMPLE_FMT_S16 && ff.channels == out_channels_ &&
        ff.sample_rate == out_rate_) {
      return Status::Ok();
    }
    ChannelLayout in_layout;
    if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&in_layout.layout, ff.channels);
    } else if (av_channel_layout_copy(&in_layout.layout, &frame.ch_layout) < 0) {
      return Status::Internal("out of memory copying a channel layout");
    }
    ChannelLayout out_layout;
    av_channel_layout_default(&out_layout.layout, out_channels_);
    SwrContext* raw = nullptr;
    int err = swr_alloc_set_opts2(&raw, &out_layout.layout, AV_SAMPLE_FMT_S16, out_rate_,
                                  &in_layout.layout, static_cast<AVSampleFormat>(ff.format),
                                  ff.sample_rate, 0, nullptr);
    std::unique_ptr<SwrContext, SwrDeleter> swr(raw);
    if (err < 0) return Status::InvalidArgument("unsupported audio layout: " + AvError(err));
    // FFmpeg knows default layouts only up to 24 channels (22.2); beyond,
    // the layouts are unspecified and swresample has no rematrix for them
    // ("cannot convert"). Mix those ourselves: each output channel is the
    // mean of every input channel (the same channel when the counts agree).
    if (in_layout.layout.order == AV_CHANNEL_ORDER_UNSPEC ||
        out_layout.layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      const int in = ff.channels;
      std::vector<double> matrix(static_cast<std::size_t>(out_channels_) * in, 0.0);
      for (int o = 0; o < out_channels_; ++o) {
        for (int i = 0; i < in; ++i) {
          const double w = in == out_channels_ ? (i == o ? 1.0 : 0.0) : 1.0 / in;
          matrix[static_cast<std::size_t>(o) * in + i] = w;
        }
      }
      err = swr_set_matrix(swr.get(), matrix.data(), in);
      if (err < 0)
        return Status::InvalidArgument("cannot mix this audio's channels: " + AvError(err));
    }
    // fpcalc's FFmpegAudioProcessor::SetCompatibleMode(): the resampler settings
    // Chromaprint's reference fingerprints are computed with. Upstream also sets
    // the internal format ("tsf") to s16p; Debian's fpcalc 1.5.1 demonstrably
    // converts in float (its output on float input differs from ours with "tsf"
    // set and equals it without), so we leave swresample's own choice, which is
    // s16p anyway when input and output are both 16-bit.
    av_opt_set_int(swr.get(), "resampler", SWR_ENGINE_SWR, 0);
    av_opt_set_int(swr.get(), "filter_size", 16, 0);
    av_opt_set_int(swr.get(), "phase_shift", 8, 0);
    av_opt_set_int(swr.get(), "linear_interp", 1, 0);
    av_opt_set_double(swr.get(), "cutoff", 0.8, 0);
    err = swr_init(swr.get());
    if (err < 0) return Status::InvalidArgument("cannot convert this audio: " + AvError(err));
    swr_ = std::move(swr);
    return Status::Ok();
  }

  Status Reserve(int frames) {
    const std::size_t need = static_cast<std::size_t>(frames) * out_channels_;
    if (buffer_.size() < need) buffer_.resize(need);
    return Status::Ok();
  }

  Status Emit(const std::int16_t* data, int frames) {
    if (frames <= 0) return Status::Ok();
    frames_out_ += static_cast<std::uint64_t>(frames);
    return sink_(PcmBlock{
        out_rate_, out_channels_, {data, static_cast<std::size_t>(frames) * out_channels_}});
  }

  int out_rate_;
  int out_channels_;
  const PcmSink& sink_;
  FrameFormat in_;
  std::unique_ptr<SwrContext, SwrDeleter> swr_;
  std::vector<std::int16_t> buffer_;
  std::uint64_t frames_out_ = 0;
};

// ---- the decode loop -------------------------------------------------------

Status NotAudio(const std::string& what) {
  return Status::InvalidArgument("not an audio file FFmpeg can read: " + what);
}

class Decoder {
 public:
  Decoder(const AudioSource& source, const DecodeOptions& options)
      : source_(source), opt_(options), lim_(options.limits) {}

  Result<AudioInfo> Run(const PcmSink& sink) {
    SilenceFfmpegOnce();
    io_.deadline = Clock::now() + lim_.max_decode_time;
    io_.max_bytes = lim_.max_input_bytes;
    SIGNET_RETURN_IF_ERROR(OpenInput());
    SIGNET_RETURN_IF_ERROR(OpenDecoder());
    SIGNET_RETURN_IF_ERROR(Decode(sink));
    return info_;
  }

 private:
  Status OpenInput() {
    if (opt_.sample_rate < 0 || opt_.channels < 0 || opt_.channels > 8) {
      return Status::InvalidArgument("decode options: sample_rate must be >= 0, channels 0..8");
    }
    if (source_.is_bytes()) {
      io_.bytes = source_.bytes();
      io_.size = static_cast<std::int64_t>(io_.bytes.size());
      if (io_.bytes.size() > lim_.max_input_bytes) return TooLarge(io_.bytes.size());
      if (io_.bytes.empty()) return NotAudio("the input is empty");
    } else {
      file_.reset(std::fopen(source_.path().c_str(), "rb"));
      if (!file_) {
        return Status::IoError("cannot open " + source_.path() + ": " + std::strerror(errno));
      }
      io_.file = file_.get();
      struct stat st {};
      if (fstat(fileno(file_.get()), &st) != 0) {
        return Status::IoError("cannot stat " + source_.path() + ": " + std::strerror(errno));
      }
      if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(source_.path() + " is a directory");
      if (S_ISREG(st.st_mode)) {
        io_.size = static_cast<std::int64_t>(st.st_size);
        if (static_cast<std::uint64_t>(st.st_size) > lim_.max_input_bytes) {
          return TooLarge(static_cast<std::uint64_t>(st.st_size));
        }
        if (st.st_size == 0) return NotAudio("the file is empty");
      }
    }

    auto* buf = static_cast<std::uint8_t*>(av_malloc(kIoBufferSize));
    if (buf == nullptr) return Status::Internal("out of memory");
    AVIOContext* avio = avio_alloc_context(buf, kIoBufferSize, 0, &io_, &ReadPacket, nullptr,
                                           io_.size >= 0 ? &Seek : nullptr);
    if (avio == nullptr) {
      av_free(buf);
      return Status::Internal("out of memory");
    }
    avio_.reset(avio);
    if (io_.size < 0) avio->seekable = 0;

    AVFormatContext* fmt = avformat_alloc_context();
    if (fmt == nullptr) return Status::Internal("out of memory");
    fmt->pb = avio;
    fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    fmt->io_open = &RefuseNestedOpen;
    fmt->interrupt_callback.callback = &InterruptCallback;
    fmt->interrupt_callback.opaque = &io_;
    // The path only serves as a hint for probing by extension, as in fpcalc.
    const std::string url = source_.is_bytes() ? std::string() : source_.path();
    const int err = avformat_open_input(&fmt, url.c_str(), nullptr, nullptr);
    if (err < 0) return FfmpegFailure(err, "cannot open");  // fmt was freed by FFmpeg
    fmt_.reset(fmt);
    info_.format_name = fmt->iformat != nullptr ? fmt->iformat->name : "";

    const int serr = avformat_find_stream_info(fmt, nullptr);
    if (serr < 0) return FfmpegFailure(serr, "cannot find stream information");
    return Status::Ok();
  }

  Status OpenDecoder() {
    const AVCodec* codec = nullptr;
    const int idx = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (idx == AVERROR_STREAM_NOT_FOUND) {
      return NotAudio("no audio stream in " + std::string(info_.format_name) + " input");
    }
    if (idx < 0 || codec == nullptr) {
      return NotAudio("no decoder for its audio stream (" + AvError(idx) + ")");
    }
    stream_ = idx;
    const AVCodecParameters* par = fmt_->streams[idx]->codecpar;
    info_.codec_name = codec->name;
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) return Status::Internal("out of memory");
    int err = avcodec_parameters_to_context(codec_.get(), par);
    if (err < 0) return NotAudio("bad codec parameters (" + AvError(err) + ")");
    codec_->request_sample_fmt = AV_SAMPLE_FMT_S16;  // as fpcalc
    err = avcodec_open2(codec_.get(), codec, nullptr);
    if (err < 0)
      return NotAudio("cannot open the " + info_.codec_name + " decoder (" + AvError(err) + ")");
    info_.source_sample_rate = codec_->sample_rate;
    info_.source_channels = codec_->ch_layout.nb_channels;
    SIGNET_RETURN_IF_ERROR(CheckParams(info_.source_sample_rate, info_.source_channels));
    info_.sample_rate = opt_.sample_rate != 0 ? opt_.sample_rate : info_.source_sample_rate;
    info_.channels = opt_.channels != 0 ? opt_.channels : info_.source_channels;
    return Status::Ok();
  }

  Status CheckParams(int rate, int channels) const {
    if (rate < lim_.min_sample_rate || rate > lim_.max_sample_rate) {
      return Status::ResourceExhausted("sample rate " + std::to_string(rate) +
                                       " Hz is outside the accepted " +
                                       std::to_string(lim_.min_sample_rate) + ".." +
                                       std::to_string(lim_.max_sample_rate) + " Hz");
    }
    if (channels < 1 || channels > lim_.max_channels) {
      return Status::ResourceExhausted(std::to_string(channels) +
                                       " channels is outside the accepted 1.." +
                                       std::to_string(lim_.max_channels));
    }
    return Status::Ok();
  }

  Status Decode(const PcmSink& sink) {
    Converter conv(info_.sample_rate, info_.channels, sink);
    std::unique_ptr<AVPacket, PacketDeleter> pkt(av_packet_alloc());
    std::unique_ptr<AVFrame, FrameDeleter> frame(av_frame_alloc());
    if (!pkt || !frame) return Status::Internal("out of memory");

    bool eof = false;
    bool done = false;  // duration limit reached with truncation
    int bad_in_a_row = 0;
    double seconds_in = 0;  // decoded, at the source rate(s)
    while (!eof && !done) {
      SIGNET_RETURN_IF_ERROR(CheckDeadline());
      int err = av_read_frame(fmt_.get(), pkt.get());
      if (err == AVERROR_EOF) {
        eof = true;
        err = avcodec_send_packet(codec_.get(), nullptr);  // drain
      } else if (err < 0) {
        return FfmpegFailure(err, "cannot read the input");
      } else if (pkt->stream_index != stream_) {
        av_packet_unref(pkt.get());
        continue;
      } else {
        err = avcodec_send_packet(codec_.get(), pkt.get());
        av_packet_unref(pkt.get());
      }
      if (err < 0 && err != AVERROR_EOF) {
        SIGNET_RETURN_IF_ERROR(BadPacket(err, &bad_in_a_row));
        continue;
      }
      for (;;) {
        err = avcodec_receive_frame(codec_.get(), frame.get());
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
        if (err < 0) {
          SIGNET_RETURN_IF_ERROR(BadPacket(err, &bad_in_a_row));
          break;
        }
        bad_in_a_row = 0;
        SIGNET_RETURN_IF_ERROR(CheckParams(frame->sample_rate, frame->ch_layout.nb_channels));
        int n = frame->nb_samples;
        // Count duration in seconds (the rate may change mid-stream) before
        // converting anything, so a frame that claims hours of audio is refused
        // before it is resampled.
        const double frame_seconds = static_cast<double>(n) / frame->sample_rate;
        if (seconds_in + frame_seconds > lim_.max_duration_seconds) {
          if (!lim_.truncate_at_max_duration) {
            return Status::ResourceExhausted("audio is longer than the " +
                                             std::to_string(lim_.max_duration_seconds) +
                                             " s limit; send a shorter excerpt");
          }
          const double left = std::max(0.0, lim_.max_duration_seconds - seconds_in);
          n = std::min(n, static_cast<int>(std::llround(left * frame->sample_rate)));
          info_.truncated = true;
          done = true;
        }
        seconds_in += static_cast<double>(n) / frame->sample_rate;
        if (n > 0) SIGNET_RETURN_IF_ERROR(conv.Push(*frame, n));
        av_frame_unref(frame.get());
        if (done) break;
      }
    }
    SIGNET_RETURN_IF_ERROR(conv.Flush());
    info_.frames = conv.frames_out();
    if (info_.frames == 0)
      return NotAudio("no decodable audio in the " + info_.format_name + " input");
    info_.container_duration_seconds = ContainerDuration();
    return Status::Ok();
  }

  // fpcalc's FFmpegAudioReader::GetDuration(), integer milliseconds included.
  double ContainerDuration() const {
    const AVStream* st = fmt_->streams[stream_];
    std::int64_t ms = -1;
    if (st->duration != AV_NOPTS_VALUE && st->time_base.den != 0) {
      ms = av_rescale_rnd(st->duration, 1000LL * st->time_base.num, st->time_base.den,
                          AV_ROUND_ZERO);
    } else if (fmt_->duration != AV_NOPTS_VALUE) {
      ms = fmt_->duration / (AV_TIME_BASE / 1000);
    }
    if (ms < 0 || ms > std::numeric_limits<int>::max()) return -1;
    return static_cast<double>(static_cast<int>(ms)) / 1000.0;
  }

  Status BadPacket(int err, int* bad_in_a_row) {
    if (err == AVERROR_EXIT) return DeadlineExceeded();
    if (err == AVERROR(ENOMEM)) return Status::Internal("out of memory while decoding");
    ++info_.skipped_packets;
    if (++*bad_in_a_row >= kMaxConsecutiveBadPackets) {
      return Status::InvalidArgument("malformed audio: " + std::to_string(*bad_in_a_row) +
                                     " undecodable " + info_.codec_name + " packets in a row (" +
                                     AvError(err) + ")");
    }
    return Status::Ok();
  }

  Status CheckDeadline() const {
    return Clock::now() > io_.deadline ? DeadlineExceeded() : Status::Ok();
  }

  Status DeadlineExceeded() const {
    return Status::ResourceExhausted("decoding took longer than the " +
                                     std::to_string(lim_.max_decode_time.count()) + " ms limit");
  }

  Status TooLarge(std::uint64_t size) const {
    return Status::ResourceExhausted("input is " + std::to_string(size) + " bytes, more than the " +
                                     std::to_string(lim_.max_input_bytes) + " byte limit");
  }

  // Maps a demuxing failure to the right Status: our limits first, then "not audio".
  Status FfmpegFailure(int err, const char* what) const {
    if (io_.over_limit) return TooLarge(io_.read_total);
    if (err == AVERROR_EXIT || Clock::now() > io_.deadline) return DeadlineExceeded();
    if (err == AVERROR(EIO) && io_.file != nullptr) {
      return Status::IoError(std::string(what) + " " + source_.Describe() + ": read error");
    }
    return NotAudio(std::string(what) + " " + source_.Describe() + " (" + AvError(err) + ")");
  }

  const AudioSource& source_;
  const DecodeOptions& opt_;
  const DecodeLimits& lim_;
  IoState io_;
  AudioInfo info_;
  int stream_ = -1;
  // Declaration order is destruction order in reverse: the format context goes
  // before the AVIOContext it reads through, which goes before the file.
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::unique_ptr<AVIOContext, AvioDeleter> avio_;
  std::unique_ptr<AVFormatContext, FormatDeleter> fmt_;
  std::unique_ptr<AVCodecContext, CodecDeleter> codec_;
};

}  // namespace

std::string AudioSource::Describe() const {
  if (!is_bytes_) return path_;
  // Built with append: GCC 12 -O3 warns falsely (-Wrestrict) on "lit" + string.
  std::string s(1, '<');
  s.append(std::to_string(bytes_.size())).append(" bytes>");
  return s;
}

std::vector<float> ToMonoFloat(const Pcm& pcm) {
  std::vector<float> out;
  if (pcm.channels <= 0) return out;
  const std::size_t frames = pcm.frames();
  out.resize(frames);
  const float scale = 1.0f / (32768.0f * static_cast<float>(pcm.channels));
  for (std::size_t i = 0; i < frames; ++i) {
    int sum = 0;
    for (int c = 0; c < pcm.channels; ++c) sum += pcm.samples[i * pcm.channels + c];
    out[i] = static_cast<float>(sum) * scale;
  }
  return out;
}

Result<AudioInfo> DecodeAudioStream(const AudioSource& source, const DecodeOptions& options,
                                    const PcmSink& sink) {
  Decoder decoder(source, options);
  return decoder.Run(sink);
}

Result<Pcm> DecodeAudio(const AudioSource& source, const DecodeOptions& options) {
  Pcm pcm;
  const std::uint64_t max_samples = options.limits.max_pcm_bytes / sizeof(std::int16_t);
  auto info = DecodeAudioStream(source, options, [&](const PcmBlock& b) {
    if (pcm.samples.size() + b.samples.size() > max_samples) {
      return Status::ResourceExhausted(
          "decoded audio needs more than the " + std::to_string(options.limits.max_pcm_bytes) +
          " byte limit; ask for a lower rate or fewer channels, or send a shorter excerpt");
    }
    pcm.samples.insert(pcm.samples.end(), b.samples.begin(), b.samples.end());
    return Status::Ok();
  });
  if (!info.ok()) return info.status();
  pcm.info = std::move(info).value();
  pcm.sample_rate = pcm.info.sample_rate;
  pcm.channels = pcm.info.channels;
  return pcm;
}

}  // namespace signet::fp
