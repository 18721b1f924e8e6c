#include "proto/ctl/codec.h"

#include "proto/ctl/wire.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sekisho::proto::ctl {

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNotFound: return "not-found";
    case Status::kUnsupportedVersion: return "unsupported-version";
    case Status::kMalformed: return "malformed";
    case Status::kUnknownRequest: return "unknown-request";
    case Status::kInternal: return "internal";
    case Status::kTooLarge: return "too-large";
    case Status::kNotSupported: return "not-supported";
  }
  return "unknown";
}

std::string_view BanScopeName(BanScope scope) {
  return scope == BanScope::kUser ? "user" : "address";
}

namespace {

// Appends fields to a growing byte vector. Records are written by reserving the field header
// and patching its length afterwards, so nested data needs no temporary buffers.
class FieldWriter {
 public:
  explicit FieldWriter(Bytes& out) : out_(out) {}

  void U64(std::uint8_t tag, std::uint64_t v) {
    Header(tag, 8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  void String(std::uint8_t tag, std::string_view s) {
    if (s.size() > wire::kMaxFieldSize) {
      too_large_ = true;
      return;
    }
    Header(tag, s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  // Returns the offset to pass to EndRecord.
  std::size_t BeginRecord(std::uint8_t tag) {
    Header(tag, 0);
    return out_.size();
  }
  void EndRecord(std::size_t start) {
    std::size_t len = out_.size() - start;
    if (len > wire::kMaxFieldSize) {
      too_large_ = true;
      return;
    }
    StoreU16(out_.data() + start - 2, static_cast<std::uint16_t>(len));
  }
  bool too_large() const { return too_large_; }

 private:
  void Header(std::uint8_t tag, std::size_t len) {
    out_.push_back(tag);
    out_.push_back(static_cast<std::uint8_t>(len >> 8));
    out_.push_back(static_cast<std::uint8_t>(len));
  }
  Bytes& out_;
  bool too_large_ = false;
};

// Writes the length prefix and header; `body` fills the fields.
template <class Body>
Result<Bytes> BuildFrame(std::uint8_t type, Status status, Body&& body) {
  Bytes out(wire::kLengthPrefixSize, 0);
  out.push_back(wire::kVersion);
  out.push_back(type);
  out.push_back(static_cast<std::uint8_t>(status));
  FieldWriter w(out);
  body(w);
  if (w.too_large()) {
    return Fail(Errc::kTooLarge, "ctl field or record exceeds 65535 bytes");
  }
  std::size_t payload = out.size() - wire::kLengthPrefixSize;
  if (payload > wire::kMaxMessageSize) {
    return Fail(Errc::kTooLarge, "ctl message exceeds 1 MiB");
  }
  for (std::size_t i = 0; i < wire::kLengthPrefixSize; ++i) {
    out[i] = static_cast<std::uint8_t>(payload >> (8 * (wire::kLengthPrefixSize - 1 - i)));
  }
  return out;
}

struct Field {
  std::uint8_t tag = 0;
  ByteSpan value;
};

// Iterates over the fields of a payload body or a record.
class FieldReader {
 public:
  explicit FieldReader(ByteSpan data) : reader_(data) {}

  // False at the end; sets error on a truncated field.
  bool Next(Field& field) {
    if (reader_.remaining() == 0) {
      return false;
    }
    std::uint16_t len = 0;
    if (!reader_.ReadU8(field.tag) || !reader_.ReadU16(len) ||
        !reader_.ReadBytes(len, field.value)) {
      error_ = true;
      return false;
    }
    return true;
  }
  bool error() const { return error_; }

 private:
  ByteReader reader_;
  bool error_ = false;
};

bool ReadU64(ByteSpan v, std::uint64_t& out) {
  if (v.size() != 8) {
    return false;
  }
  out = 0;
  for (std::uint8_t b : v) {
    out = (out << 8) | b;
  }
  return true;
}

std::string ReadString(ByteSpan v) { return std::string(AsChars(v)); }

Unexpected<Error> Malformed(std::string what) { return Fail(Errc::kMalformed, std::move(what)); }

// Visits every field of `data` with `on_field(field) -> bool` (false = malformed value).
template <class OnField>
Result<void> ForEachField(ByteSpan data, std::string_view what, OnField&& on_field) {
  FieldReader reader(data);
  Field f;
  while (reader.Next(f)) {
    if (!on_field(f)) {
      return Malformed(std::string("bad field in ") + std::string(what));
    }
  }
  if (reader.error()) {
    return Malformed(std::string("truncated field in ") + std::string(what));
  }
  return Ok();
}

Result<PoolUsage> DecodePool(ByteSpan data) {
  PoolUsage p;
  SEKISHO_TRY(ForEachField(data, "pool", [&](const Field& f) {
    switch (f.tag) {
      case wire::kTagPoolGroup: p.group = ReadString(f.value); return true;
      case wire::kTagPoolNetwork: p.network = ReadString(f.value); return true;
      case wire::kTagPoolUsed: return ReadU64(f.value, p.used);
      case wire::kTagPoolCapacity: return ReadU64(f.value, p.capacity);
      default: return true;
    }
  }));
  return p;
}

Result<SessionInfo> DecodeSession(ByteSpan data) {
  SessionInfo s;
  SEKISHO_TRY(ForEachField(data, "session", [&](const Field& f) {
    switch (f.tag) {
      case wire::kTagSessionId: return ReadU64(f.value, s.id);
      case wire::kTagUser: s.user = ReadString(f.value); return true;
      case wire::kTagGroup: s.group = ReadString(f.value); return true;
      case wire::kTagPeer: s.peer = ReadString(f.value); return true;
      case wire::kTagVpnIpv4: s.vpn_ipv4 = ReadString(f.value); return true;
      case wire::kTagConnectedFor: return ReadU64(f.value, s.connected_for_s);
      case wire::kTagBytesIn: return ReadU64(f.value, s.bytes_in);
      case wire::kTagBytesOut: return ReadU64(f.value, s.bytes_out);
      case wire::kTagChannel: s.channel = ReadString(f.value); return true;
      case wire::kTagState: s.state = ReadString(f.value); return true;
      case wire::kTagDroppedSpoofed: return ReadU64(f.value, s.dropped_spoofed);
      default: return true;
    }
  }));
  return s;
}

bool ReadBanScope(ByteSpan v, BanScope& out) {
  std::uint64_t raw = 0;
  if (!ReadU64(v, raw) || raw > static_cast<std::uint64_t>(BanScope::kUser)) {
    return false;
  }
  out = static_cast<BanScope>(raw);
  return true;
}

Result<BanInfo> DecodeBan(ByteSpan data) {
  BanInfo b;
  SEKISHO_TRY(ForEachField(data, "ban", [&](const Field& f) {
    switch (f.tag) {
      case wire::kTagBanScope: return ReadBanScope(f.value, b.scope);
      case wire::kTagBanKey: b.key = ReadString(f.value); return true;
      case wire::kTagBanFailures: return ReadU64(f.value, b.failures);
      case wire::kTagBanSecondsLeft: return ReadU64(f.value, b.seconds_left);
      default: return true;
    }
  }));
  return b;
}

void WriteBan(FieldWriter& w, const BanInfo& b) {
  std::size_t rec = w.BeginRecord(wire::kTagBan);
  w.U64(wire::kTagBanScope, static_cast<std::uint64_t>(b.scope));
  w.String(wire::kTagBanKey, b.key);
  w.U64(wire::kTagBanFailures, b.failures);
  w.U64(wire::kTagBanSecondsLeft, b.seconds_left);
  w.EndRecord(rec);
}

Result<Request> DecodeUnban(ByteSpan body) {
  UnbanRequest u;
  bool have_scope = false;
  bool have_key = false;
  SEKISHO_TRY(ForEachField(body, "unban", [&](const Field& f) {
    if (f.tag == wire::kTagBanScope) {
      have_scope = true;
      return ReadBanScope(f.value, u.scope);
    }
    if (f.tag == wire::kTagBanKey) {
      have_key = true;
      u.key = ReadString(f.value);
    }
    return true;
  }));
  if (!have_scope || !have_key || u.key.empty()) {
    return Malformed("unban without scope or key");
  }
  return Request(std::move(u));
}

struct Header {
  std::uint8_t type = 0;
  Status status = Status::kOk;
  ByteSpan body;
};

Result<Header> DecodeHeader(ByteSpan payload) {
  if (payload.size() < wire::kHeaderSize) {
    return Malformed("ctl message shorter than its header");
  }
  if (payload.size() > wire::kMaxMessageSize) {
    return Fail(Errc::kTooLarge, "ctl message exceeds 1 MiB");
  }
  if (payload[0] != wire::kVersion) {
    return Fail(Errc::kUnsupported, "ctl version " + std::to_string(payload[0]));
  }
  return Header{payload[1], static_cast<Status>(payload[2]), payload.subspan(wire::kHeaderSize)};
}

}  // namespace

Result<Bytes> EncodeRequest(const Request& request) {
  return std::visit(
      [](const auto& r) -> Result<Bytes> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ShowStatusRequest>) {
          return BuildFrame(wire::kTypeShowStatus, Status::kOk, [](FieldWriter&) {});
        } else if constexpr (std::is_same_v<T, ShowSessionsRequest>) {
          return BuildFrame(wire::kTypeShowSessions, Status::kOk, [&](FieldWriter& w) {
            if (!r.user.empty()) {
              w.String(wire::kTagUser, r.user);
            }
          });
        } else if constexpr (std::is_same_v<T, ShowBansRequest>) {
          return BuildFrame(wire::kTypeShowBans, Status::kOk, [](FieldWriter&) {});
        } else if constexpr (std::is_same_v<T, UnbanRequest>) {
          return BuildFrame(wire::kTypeUnban, Status::kOk, [&](FieldWriter& w) {
            w.U64(wire::kTagBanScope, static_cast<std::uint64_t>(r.scope));
            w.String(wire::kTagBanKey, r.key);
          });
        } else if constexpr (std::is_same_v<T, TerminateUserRequest>) {
          return BuildFrame(wire::kTypeTerminateUser, Status::kOk,
                            [&](FieldWriter& w) { w.String(wire::kTagUser, r.user); });
        } else if constexpr (std::is_same_v<T, ReloadRequest>) {
          return BuildFrame(wire::kTypeReload, Status::kOk, [](FieldWriter&) {});
        } else {
          static_assert(std::is_same_v<T, DisconnectRequest>);
          return BuildFrame(wire::kTypeDisconnect, Status::kOk,
                            [&](FieldWriter& w) { w.U64(wire::kTagSessionId, r.session_id); });
        }
      },
      request);
}

Result<Bytes> EncodeResponse(const Response& response) {
  return std::visit(
      [](const auto& r) -> Result<Bytes> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StatusResponse>) {
          return BuildFrame(wire::kTypeStatus, Status::kOk, [&](FieldWriter& w) {
            w.String(wire::kTagServerVersion, r.info.server_version);
            w.U64(wire::kTagUptime, r.info.uptime_s);
            w.U64(wire::kTagSessionsActive, r.info.sessions_active);
            w.U64(wire::kTagBytesIn, r.info.bytes_in);
            w.U64(wire::kTagBytesOut, r.info.bytes_out);
            for (const PoolUsage& p : r.info.pools) {
              std::size_t rec = w.BeginRecord(wire::kTagPool);
              w.String(wire::kTagPoolGroup, p.group);
              w.String(wire::kTagPoolNetwork, p.network);
              w.U64(wire::kTagPoolUsed, p.used);
              w.U64(wire::kTagPoolCapacity, p.capacity);
              w.EndRecord(rec);
            }
          });
        } else if constexpr (std::is_same_v<T, SessionsResponse>) {
          return BuildFrame(wire::kTypeSessions, Status::kOk, [&](FieldWriter& w) {
            for (const SessionInfo& s : r.sessions) {
              std::size_t rec = w.BeginRecord(wire::kTagSession);
              w.U64(wire::kTagSessionId, s.id);
              w.String(wire::kTagUser, s.user);
              w.String(wire::kTagGroup, s.group);
              w.String(wire::kTagPeer, s.peer);
              w.String(wire::kTagVpnIpv4, s.vpn_ipv4);
              w.U64(wire::kTagConnectedFor, s.connected_for_s);
              w.U64(wire::kTagBytesIn, s.bytes_in);
              w.U64(wire::kTagBytesOut, s.bytes_out);
              w.String(wire::kTagChannel, s.channel);
              w.String(wire::kTagState, s.state);
              w.U64(wire::kTagDroppedSpoofed, s.dropped_spoofed);
              w.EndRecord(rec);
            }
          });
        } else if constexpr (std::is_same_v<T, DisconnectResponse>) {
          return BuildFrame(wire::kTypeDisconnectResult, r.status, [](FieldWriter&) {});
        } else if constexpr (std::is_same_v<T, BansResponse>) {
          return BuildFrame(wire::kTypeBans, Status::kOk, [&](FieldWriter& w) {
            for (const BanInfo& b : r.bans) {
              WriteBan(w, b);
            }
          });
        } else if constexpr (std::is_same_v<T, UnbanResponse>) {
          return BuildFrame(wire::kTypeUnbanResult, r.status, [](FieldWriter&) {});
        } else if constexpr (std::is_same_v<T, TerminateUserResponse>) {
          return BuildFrame(wire::kTypeTerminateUserResult, r.status, [&](FieldWriter& w) {
            w.U64(wire::kTagSessionsEnded, r.sessions_ended);
          });
        } else if constexpr (std::is_same_v<T, ReloadResponse>) {
          return BuildFrame(wire::kTypeReloadResult, r.status,
                            [&](FieldWriter& w) { w.String(wire::kTagErrorMessage, r.message); });
        } else {
          return BuildFrame(wire::kTypeError, r.status,
                            [&](FieldWriter& w) { w.String(wire::kTagErrorMessage, r.message); });
        }
      },
      response);
}

Result<Request> DecodeRequest(ByteSpan payload) {
  SEKISHO_ASSIGN_OR_RETURN(Header h, DecodeHeader(payload));
  switch (h.type) {
    case wire::kTypeShowStatus:
      SEKISHO_TRY(ForEachField(h.body, "request", [](const Field&) { return true; }));
      return Request(ShowStatusRequest{});
    case wire::kTypeShowSessions: {
      ShowSessionsRequest r;
      SEKISHO_TRY(ForEachField(h.body, "request", [&](const Field& f) {
        if (f.tag == wire::kTagUser) {
          r.user = ReadString(f.value);
        }
        return true;
      }));
      return Request(std::move(r));
    }
    case wire::kTypeTerminateUser: {
      TerminateUserRequest r;
      SEKISHO_TRY(ForEachField(h.body, "terminate user", [&](const Field& f) {
        if (f.tag == wire::kTagUser) {
          r.user = ReadString(f.value);
        }
        return true;
      }));
      if (r.user.empty()) {
        return Malformed("terminate user without a user name");
      }
      return Request(std::move(r));
    }
    case wire::kTypeReload:
      SEKISHO_TRY(ForEachField(h.body, "request", [](const Field&) { return true; }));
      return Request(ReloadRequest{});
    case wire::kTypeDisconnect: {
      DisconnectRequest d;
      bool have_id = false;
      SEKISHO_TRY(ForEachField(h.body, "disconnect", [&](const Field& f) {
        if (f.tag == wire::kTagSessionId) {
          have_id = true;
          return ReadU64(f.value, d.session_id);
        }
        return true;
      }));
      if (!have_id) {
        return Malformed("disconnect without session id");
      }
      return Request(d);
    }
    case wire::kTypeShowBans:
      SEKISHO_TRY(ForEachField(h.body, "request", [](const Field&) { return true; }));
      return Request(ShowBansRequest{});
    case wire::kTypeUnban: return DecodeUnban(h.body);
    default: return Malformed("unknown type " + std::to_string(h.type));
  }
}

Result<Response> DecodeResponse(ByteSpan payload) {
  SEKISHO_ASSIGN_OR_RETURN(Header h, DecodeHeader(payload));
  switch (h.type) {
    case wire::kTypeStatus: {
      StatusResponse r;
      SEKISHO_TRY(ForEachField(h.body, "status", [&](const Field& f) {
        switch (f.tag) {
          case wire::kTagServerVersion: r.info.server_version = ReadString(f.value); return true;
          case wire::kTagUptime: return ReadU64(f.value, r.info.uptime_s);
          case wire::kTagSessionsActive: return ReadU64(f.value, r.info.sessions_active);
          case wire::kTagBytesIn: return ReadU64(f.value, r.info.bytes_in);
          case wire::kTagBytesOut: return ReadU64(f.value, r.info.bytes_out);
          case wire::kTagPool: {
            auto pool = DecodePool(f.value);
            if (!pool) {
              return false;
            }
            r.info.pools.push_back(std::move(*pool));
            return true;
          }
          default: return true;
        }
      }));
      return Response(std::move(r));
    }
    case wire::kTypeSessions: {
      SessionsResponse r;
      SEKISHO_TRY(ForEachField(h.body, "sessions", [&](const Field& f) {
        if (f.tag != wire::kTagSession) {
          return true;
        }
        auto session = DecodeSession(f.value);
        if (!session) {
          return false;
        }
        r.sessions.push_back(std::move(*session));
        return true;
      }));
      return Response(std::move(r));
    }
    case wire::kTypeDisconnectResult:
      SEKISHO_TRY(ForEachField(h.body, "disconnect result", [](const Field&) { return true; }));
      return Response(DisconnectResponse{h.status});
    case wire::kTypeBans: {
      BansResponse r;
      SEKISHO_TRY(ForEachField(h.body, "bans", [&](const Field& f) {
        if (f.tag != wire::kTagBan) {
          return true;
        }
        auto ban = DecodeBan(f.value);
        if (!ban) {
          return false;
        }
        r.bans.push_back(std::move(*ban));
        return true;
      }));
      return Response(std::move(r));
    }
    case wire::kTypeUnbanResult:
      SEKISHO_TRY(ForEachField(h.body, "unban result", [](const Field&) { return true; }));
      return Response(UnbanResponse{h.status});
    case wire::kTypeTerminateUserResult: {
      TerminateUserResponse r{h.status, 0};
      SEKISHO_TRY(ForEachField(h.body, "terminate user result", [&](const Field& f) {
        return f.tag == wire::kTagSessionsEnded ? ReadU64(f.value, r.sessions_ended) : true;
      }));
      return Response(r);
    }
    case wire::kTypeReloadResult: {
      ReloadResponse r{h.status, {}};
      SEKISHO_TRY(ForEachField(h.body, "reload result", [&](const Field& f) {
        if (f.tag == wire::kTagErrorMessage) {
          r.message = ReadString(f.value);
        }
        return true;
      }));
      return Response(std::move(r));
    }
    case wire::kTypeError: {
      ErrorResponse r{h.status, {}};
      SEKISHO_TRY(ForEachField(h.body, "error", [&](const Field& f) {
        if (f.tag == wire::kTagErrorMessage) {
          r.message = ReadString(f.value);
        }
        return true;
      }));
      return Response(std::move(r));
    }
    default: return Malformed("unknown type " + std::to_string(h.type));
  }
}

Result<std::size_t> FrameDecoder::Feed(ByteSpan data) {
  if (failed_) {
    return Fail(error_);
  }
  if (has_frame_) {
    return std::size_t{0};
  }
  std::size_t used = 0;
  while (header_filled_ < wire::kLengthPrefixSize && used < data.size()) {
    header_[header_filled_++] = data[used++];
    if (header_filled_ == wire::kLengthPrefixSize) {
      expected_ = (std::size_t{header_[0]} << 24) | (std::size_t{header_[1]} << 16) |
                  (std::size_t{header_[2]} << 8) | std::size_t{header_[3]};
      if (expected_ > wire::kMaxMessageSize) {
        failed_ = true;
        error_ = Error{Errc::kTooLarge, "ctl frame exceeds 1 MiB"};
        return Fail(error_);
      }
      if (expected_ < wire::kHeaderSize) {
        failed_ = true;
        error_ = Error{Errc::kMalformed, "ctl frame shorter than its header"};
        return Fail(error_);
      }
      buffer_.clear();
      buffer_.reserve(expected_);
    }
  }
  if (header_filled_ < wire::kLengthPrefixSize) {
    return used;
  }
  std::size_t take = std::min(expected_ - buffer_.size(), data.size() - used);
  buffer_.insert(buffer_.end(), data.begin() + static_cast<std::ptrdiff_t>(used),
                 data.begin() + static_cast<std::ptrdiff_t>(used + take));
  used += take;
  if (buffer_.size() == expected_) {
    has_frame_ = true;
  }
  return used;
}

void FrameDecoder::Pop() {
  has_frame_ = false;
  header_filled_ = 0;
  expected_ = 0;
  buffer_.clear();
}

}  // namespace sekisho::proto::ctl
