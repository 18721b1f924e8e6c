#pragma once
// TunnelCore: the AnyConnect tunnel after a 200 CONNECT, for either end, without sockets
// (docs/protocol/cstp.md, docs/protocol/dtls.md; anyconnect.md §7-§10). It decides; the shell
// (client/tunnel.cc, later gateway/connection.cc) moves bytes between the TLS engine, the DTLS
// engine, the TUN device and this object, and arms one timer at NextDeadline().
//
// What it owns:
//   * CSTP frames on TLS and 1-byte-header packets on DTLS: DATA, DPD-REQ (echoed byte for
//     byte, decision #10), DPD-RESP, KEEPALIVE (never answered, decision #9), DISCONNECT,
//     TERMINATE, COMPRESSED (never negotiated: a protocol error);
//   * liveness per channel (ChannelLiveness in the role's flavour) for TLS and DTLS;
//   * which channel carries data, and the switch TLS -> DTLS without reordering;
//   * client: when DTLS is attempted, retried, given up, and the TUN MTU (DtlsSupervisor);
//   * gateway: the idle timeout and the session lifetime.
//
// Data path (both roles):
//
//            DTLS handshake done                 OnTlsBacklog(0) or drain limit
//   kTls ---------------------------> switching -------------------------------> kDtls
//    ^  (TUN paused: tun_paused() is true,           |                              |
//    |   wants_tls_backlog() asks for SIOCOUTQ)      | DTLS down                    |
//    +-----------------------------------------------+------------------------------+
//        DTLS DPD dead, DTLS failed/closed, DISCONNECT on DTLS, a new handshake
//        (gateway) or DATA arriving on TLS (gateway only: it follows the client, §8.7)
//   gateway: DATA arriving on DTLS while DTLS is up and data is on TLS -> switching again.
//
// The switch waits until everything handed to TLS has been acknowledged by the peer's TCP
// (the shell reports unsent engine bytes + SIOCOUTQ; 0 means drained), so the first DTLS
// packet cannot overtake a TLS one. TUN reads pause meanwhile, bounded by
// Config::switch_drain_limit (200 ms, as the client always did).
//
// Client DTLS attempts (DtlsSupervisor, decision #25), reported as kDtls events:
//   kStartAttempt (t0) -> kRetransmitted at t0+1,+3,+7,+15,+31 -> kGiveUp at t0+47 (+ kMtu =
//   cstp_mtu) -> kStartAttempt every retry_period; handshake done -> kMtu = dtls_mtu again.
//   An established channel that dies -> data path kTls, kAbandon, kStartAttempt at once.
//
// Client path-MTU probing (Config::path_mtu, PathMtuProber): once DTLS is up, padded DPD-REQs
// go out on DTLS and the gateway's same-size DPD-RESPs are matched; a search that ends with a
// new size is a kMtu event (text says why), and tun_mtu() is min(X-DTLS-MTU, the probed size)
// while DTLS is usable. Probing stops when DTLS goes down; the result is kept.
//
// How it ends (one kClosed event; afterwards every input is ignored and NextDeadline() is
// Instant::Max()). Outcome per role:
//   cause                client                 gateway
//   kLocalDisconnect     kStop (user quit)      kKeepSession (admin/takeover; shell decides)
//   kPeerDisconnect      kStop                  kKeepSession if empty payload, else kEndSession
//   kPeerTerminate       kStop                  kKeepSession
//   kTlsDpdTimeout       kReconnect             kKeepSession
//   kTlsClosed           kReconnect             kKeepSession
//   kProtocolError       kFatal                 kKeepSession
//   kIdleTimeout         -                      kKeepSession (bare DISCONNECT queued, §9.3)
//   kSessionTimeout      -                      kEndSession (bare DISCONNECT queued)
//
// Hot path, allocation-free (boringtun's encapsulate/decapsulate): the shell reads an IP
// packet into buffer + kTunHeadroom and FrameTunPacket() writes the CSTP or DTLS header in
// place and says which channel the returned record goes to. OnTlsRecord()/OnDtlsRecord() return
// the IP packet to write to the TUN as a span into the record the shell passed in. Control
// packets are queued in fixed arenas and pulled into caller buffers with WriteTlsFrame() and
// WriteDtlsRecord(). Events (rare) are pulled with PollEvent().
//
// Shell loop (after any input): drain WriteTlsFrame/WriteDtlsRecord into the engines, drain
// PollEvent, if wants_tls_backlog() report OnTlsBacklog(), flush sockets, read the TUN unless
// tun_paused(), re-arm the timer at min(NextDeadline(), the DTLS engine's own handshake timer).
//
// The gateway shell (connection.cc tunnel phase + dtls_channel.cc) will use it like this:
// Config{.role = kGateway, DPD/keepalive from the config, .dtls = a DTLS plan exists,
// .idle_timeout, .session_deadline = Session::expires}; a ClientHello that creates a channel
// -> OnDtlsHandshakeStarted; DtlsChannel's Finished -> OnDtlsHandshakeDone; its records ->
// OnDtlsRecord; its failures -> OnDtlsFailed; kDtls/kAbandon -> destroy the channel; kClosed ->
// Close() with DetachTunnel or EndSession per outcome; Terminate() -> Disconnect(). The
// channel's own DPD, keepalive and DISCONNECT-on-close logic then goes away.
//
// Thread-compatible; one shell thread drives it. Reads no clock: every input carries `now`.

#include "base/bytes.h"
#include "base/time.h"
#include "proto/cstp/frame.h"
#include "proto/cstp/wire.h"
#include "proto/session/control_queue.h"
#include "proto/session/dtls_retry.h"
#include "proto/session/dtls_supervisor.h"
#include "proto/session/liveness.h"
#include "proto/session/path_mtu.h"
#include "proto/session/source_filter.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::session {

enum class Channel { kNone, kTls, kDtls };

// Why the data path changed (kDataPath events).
enum class PathReason {
  kTlsDrained,       // -> DTLS: everything sent on TLS was acknowledged
  kDrainLimit,       // -> DTLS: TLS not drained within switch_drain_limit
  kDtlsDpdTimeout,   // -> TLS: the peer stopped answering on DTLS
  kDtlsFailed,       // -> TLS: the shell reported the channel failed or closed (text)
  kDtlsDisconnect,   // -> TLS: DISCONNECT received on DTLS
  kDtlsRestarted,    // -> TLS: gateway, a new DTLS handshake replaces the channel
  kPeerUsesTls,      // -> TLS: gateway, DATA arrived on TLS (the client fell back)
  kLocalDisconnect,  // -> TLS: Disconnect() was called
};

// What the shell must do with its DTLS engine/socket (kDtls events).
enum class DtlsAction {
  kStartAttempt,   // client: new UDP socket, new engine, ClientHello #1 now
  kRetransmitted,  // client: the schedule's retry instant (the engine's timer resends); report
  kGiveUp,         // client: no answer; close the attempt's socket and engine
  kAbandon,        // the core dropped the channel (DPD death, DISCONNECT): close it
};

enum class CloseCause {
  kLocalDisconnect,
  kPeerDisconnect,
  kPeerTerminate,
  kTlsDpdTimeout,
  kTlsClosed,
  kProtocolError,
  kIdleTimeout,
  kSessionTimeout,
};

enum class CloseOutcome {
  kStop,         // client: do not reconnect
  kReconnect,    // client: the link died, reconnect with the cookie
  kFatal,        // client: protocol error
  kKeepSession,  // gateway: detach the tunnel, the cookie stays valid
  kEndSession,   // gateway: end the session, invalidate the cookie
};

struct TunnelEvent {
  enum class Kind {
    kDataPath,    // channel = the new data path; path_reason (+ text for kDtlsFailed)
    kMtu,         // client: set the TUN MTU to `mtu` (text: why, when it is the probed size)
    kDtls,        // dtls_action; kRetransmitted/kGiveUp also retry, backoff, since_start
    kDpdTimeout,  // channel = the channel whose peer stopped answering
    kClosed,      // close_cause, close_outcome, text (DISCONNECT reason, if any)
    // Gateway: packets from the client failed source validation. `dropped` = how many since
    // the last such event, text = what the latest one carried (SourceFilter::Describe). The
    // first refusal is reported at once, later ones at most once per kSourceRefusalReport.
    kSourceRefused,
  };
  Kind kind = Kind::kDataPath;
  Channel channel = Channel::kNone;
  PathReason path_reason = PathReason::kTlsDrained;
  std::uint32_t mtu = 0;
  DtlsAction dtls_action = DtlsAction::kStartAttempt;
  int retry = 0;
  Duration backoff{0};
  Duration since_start{0};
  CloseCause close_cause = CloseCause::kTlsClosed;
  CloseOutcome close_outcome = CloseOutcome::kReconnect;
  std::uint64_t dropped = 0;
  std::string text{};
};

struct TunnelCounters {
  std::uint64_t bytes_in = 0;   // IP bytes handed to the TUN
  std::uint64_t bytes_out = 0;  // IP bytes framed for TLS or DTLS
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t dtls_packets_in = 0;
  std::uint64_t dtls_packets_out = 0;
  std::uint64_t dtls_bytes_in = 0;  // the DTLS share of bytes_in / bytes_out
  std::uint64_t dtls_bytes_out = 0;
  // Gateway: packets from the client refused by the SourceFilter (spoofed source, no IP header,
  // unknown IP version), on either channel.
  std::uint64_t dropped_spoofed = 0;
  // Gateway: IPv6 packets from a client without an IPv6 lease (link-local noise of its OS:
  // dropped, counted here only, not reported).
  std::uint64_t dropped_unleased_ipv6 = 0;
};

// How often a tunnel reports refused source addresses (kSourceRefused) after the first one: a
// client spoofing at line rate must not flood the log.
inline constexpr Duration kSourceRefusalReport = seconds(60);

// Room the shell leaves before each IP packet read from the TUN (the CSTP header; the 1-byte
// DTLS header goes in its last byte).
inline constexpr std::size_t kTunHeadroom = cstp::kHeaderSize;

class TunnelCore {
 public:
  using Role = ChannelLiveness::Role;

  struct Config {
    Role role = Role::kClient;
    Duration tls_dpd{0};        // X-CSTP-DPD; 0 = off
    Duration tls_keepalive{0};  // X-CSTP-Keepalive; 0 = off
    // Client: DTLS was offered and is to be attempted. Gateway: DTLS was announced.
    bool dtls = false;
    Duration dtls_dpd{0};
    Duration dtls_keepalive{0};
    // Client: the TUN MTU without DTLS (X-CSTP-MTU) and with it (decision #1).
    std::uint32_t cstp_mtu = 0;
    std::uint32_t dtls_mtu = 0;
    DtlsRetrySchedule::Config dtls_retry;
    Duration switch_drain_limit = std::chrono::milliseconds(200);
    Duration drain_poll_interval = std::chrono::milliseconds(2);
    // Gateway: no DATA either way for this long ends the tunnel (nullopt/0 = off).
    std::optional<Duration> idle_timeout;
    // Gateway: the session's end (Instant::Max() = unlimited).
    Instant session_deadline = Instant::Max();
    // Received IP packets longer than this are dropped (0 = no limit).
    std::size_t max_rx_packet = 0;
    // Gateway: the source addresses the client was leased. Every packet from the client (TLS
    // and DTLS) is checked before it is returned for the TUN; refused ones are dropped,
    // counted (dropped_spoofed) and reported (kSourceRefused). nullopt: no check (the client).
    std::optional<SourceFilter> source_filter;
    // Client: probe the path MTU over DTLS (ceiling = dtls_mtu; nullopt = do not probe).
    std::optional<PathMtuProber::Config> path_mtu;
  };

  // Starts both channels' timers at `now`. Client with DTLS: queues kDtls/kStartAttempt.
  TunnelCore(Config config, Instant now);
  TunnelCore(const TunnelCore&) = delete;
  TunnelCore& operator=(const TunnelCore&) = delete;

  // ---- inputs from TLS
  // One decrypted TLS record (= one CSTP frame, §1.3). Returns the IP packet to write to the
  // TUN (a span into `record`), empty when there is none. A broken frame closes the tunnel
  // (kProtocolError), as both real peers do.
  ByteSpan OnTlsRecord(ByteSpan record, Instant now);
  // TLS failed: EOF, read/write error, close_notify. Closes with kTlsClosed.
  void OnTlsClosed(std::string_view reason, Instant now);
  // While wants_tls_backlog(): bytes handed to TLS that the peer has not acknowledged yet
  // (unsent engine output + SIOCOUTQ). 0 completes a pending switch to DTLS.
  void OnTlsBacklog(std::size_t unacknowledged_bytes, Instant now);

  // ---- inputs from DTLS
  // One decrypted DTLS record (1-byte header + payload). Returns the IP packet for the TUN.
  // Unknown or empty records are dropped (openconnect does the same, §8.1).
  ByteSpan OnDtlsRecord(ByteSpan record, Instant now);
  // Gateway: a ClientHello created a new channel (replacing any previous one).
  void OnDtlsHandshakeStarted(Instant now);
  // Client: the first datagram of the gateway arrived: UDP works, the retry schedule stops.
  void OnDtlsPeerAnswered(Instant now);
  // The DTLS handshake completed: the switch to DTLS begins.
  void OnDtlsHandshakeDone(Instant now);
  // The DTLS handshake or channel failed or was closed (socket error, ICMP, close alert). The
  // shell has already dropped it; no kAbandon follows. Client: a failed attempt falls back to
  // cstp_mtu and retries after retry_period; a dead channel is retried at once.
  void OnDtlsFailed(std::string_view reason, Instant now);

  // ---- inputs from the TUN (hot path)
  // `buffer` holds kTunHeadroom bytes, then an IP packet of `packet_size` bytes. Writes the
  // header in place and returns the record to send and its channel; Channel::kNone (drop) when
  // closed or the packet exceeds cstp::kMaxPayload. Shells do not read the TUN while
  // tun_paused(); a packet framed anyway goes to TLS.
  struct Outbound {
    Channel channel = Channel::kNone;
    ByteSpan record;
  };
  Outbound FrameTunPacket(MutableByteSpan buffer, std::size_t packet_size, Instant now);
  // The DTLS engine refused a record FrameTunPacket routed to DTLS (too large for the DTLS
  // MTU, or failing): frames the same packet for TLS instead. REQUIRES: FrameTunPacket just
  // returned Channel::kDtls for this buffer (the packet was counted as sent on DTLS).
  ByteSpan RerouteToTls(MutableByteSpan buffer, std::size_t packet_size, Instant now);

  // ---- time and local commands
  void OnTimer(Instant now);
  // Ends the tunnel from this side: client DISCONNECT 0xB0 + reason (the gateway kills the
  // cookie), gateway bare DISCONNECT (+ DISCONNECT on DTLS when up). Closes with
  // kLocalDisconnect once queued; the shell flushes TLS and closes.
  void Disconnect(std::string_view reason, Instant now);

  // ---- outputs
  // Next control frame for TLS, written into `out` (one TLS record); 0 when none.
  // REQUIRES: out.size() >= cstp::kMaxRecordSize.
  std::size_t WriteTlsFrame(MutableByteSpan out, Instant now);
  // Next control record for DTLS (1-byte header + payload); 0 when none.
  // REQUIRES: out.size() >= cstp::kMaxPayload + 1.
  std::size_t WriteDtlsRecord(MutableByteSpan out, Instant now);
  std::optional<TunnelEvent> PollEvent();
  // When OnTimer must next be called; Instant::Max() when nothing is scheduled.
  Instant NextDeadline() const;

  Channel data_path() const { return path_; }
  bool switching() const { return switching_; }
  bool dtls_up() const { return dtls_state_ == DtlsState::kUp; }
  bool tun_paused() const { return switching_ || closed_; }
  bool wants_tls_backlog() const { return switching_ && !closed_; }
  bool closed() const { return closed_; }
  // True while a control frame, control record or event waits to be taken.
  bool has_output() const {
    return event_head_ != events_.size() || !tls_queue_.empty() || !dtls_queue_.empty();
  }
  // Client: the MTU the TUN should have now.
  std::uint32_t tun_mtu() const;
  const TunnelCounters& counters() const { return counters_; }
  // Client diagnostics (sekisho status): the DTLS attempt schedule and the path-MTU prober;
  // nullptr when DTLS was not offered / probing is off.
  const DtlsSupervisor* dtls_supervisor() const { return supervisor_ ? &*supervisor_ : nullptr; }
  const PathMtuProber* path_mtu() const { return prober_ ? &*prober_ : nullptr; }

 private:
  enum class DtlsState { kOff, kHandshaking, kUp, kDown };

  bool client() const { return config_.role == Role::kClient; }
  void HandleFrame(cstp::PacketType type, ByteSpan payload, Instant now);
  void PushEvent(TunnelEvent event);
  void SetPath(Channel path, PathReason reason, std::string_view text = {});
  void BeginSwitch(Instant now);
  void CompleteSwitch(PathReason reason);
  void DtlsLost(PathReason reason, std::string_view text, Instant now);
  void StartAttempt(Instant now);
  void ReportMtu(std::string_view why = {});
  void PollSupervisor(Instant now);
  void PollProber(Instant now);
  void PollLiveness(ChannelLiveness& liveness, Channel channel, Instant now);
  void QueueTls(cstp::PacketType type, ByteSpan payload = {});
  void QueueDtls(cstp::PacketType type, ByteSpan payload = {});
  void Close(CloseCause cause, std::string text = {}, bool temporary_disconnect = true);
  ByteSpan Deliver(ByteSpan packet, bool dtls, Instant now);
  void RefuseSource(ByteSpan packet, SourceFilter::Verdict verdict, Instant now);
  ByteSpan FrameForTls(MutableByteSpan buffer, std::size_t packet_size, Instant now);

  Config config_;
  ChannelLiveness tls_liveness_;
  std::optional<ChannelLiveness> dtls_liveness_;
  std::optional<DtlsSupervisor> supervisor_;
  std::optional<PathMtuProber> prober_;
  IdleTimer idle_;
  DtlsState dtls_state_ = DtlsState::kOff;
  Channel path_ = Channel::kTls;
  bool switching_ = false;
  Instant switch_deadline_ = Instant::Max();
  Instant next_drain_poll_ = Instant::Max();
  std::uint32_t reported_mtu_ = 0;
  bool closed_ = false;
  ControlQueue tls_queue_;
  ControlQueue dtls_queue_;
  std::vector<TunnelEvent> events_;
  std::size_t event_head_ = 0;
  TunnelCounters counters_;
  std::array<std::uint8_t, cstp::kMaxPayload> probe_buffer_{};  // the path-MTU probe's payload
  std::uint64_t refusals_reported_ = 0;         // dropped_spoofed at the last kSourceRefused
  std::optional<Instant> next_refusal_report_;  // nullopt: none reported yet
};

// "the peer stopped answering on DTLS"... for logs; kDtlsFailed has its text in the event.
const char* PathReasonText(PathReason reason);

}  // namespace sekisho::proto::session
