#pragma once
// The two loops every shell around a TunnelCore runs (the client's Tunnel, the gateway's
// GatewayTunnel), written once. They take the I/O as callables, so they stay sans-I/O: the
// callables read and write, these decide the order and the framing.
//
//   DrainControlOutput  the core's queued control packets -> TLS records / DTLS records
//   RunCoreTurn         after any input: control output, events, the TLS backlog when the core
//                       asks for it, one DTLS flush; again while the core has output
//   FrameTunBatch       TUN packets, read into the headroom buffer and framed in place by the
//                       core, -> DTLS (when the core routes there and the channel takes them)
//                       or TLS (rerouted when DTLS refuses); stops while the core pauses the TUN
//
// Allocation-free; thread-compatible (the shell's thread).

#include "base/bytes.h"
#include "base/result.h"
#include "base/time.h"
#include "proto/session/tunnel_core.h"

#include <cstddef>
#include <optional>

namespace sekisho::proto::session {

// Moves every queued control packet out of the core: CSTP frames to write_tls(ByteSpan),
// DTLS records to queue_dtls(ByteSpan) (which may drop them when no DTLS channel exists).
// REQUIRES: scratch.size() >= cstp::kMaxRecordSize.
template <class WriteTls, class QueueDtls>
void DrainControlOutput(TunnelCore& core, MutableByteSpan scratch, Instant now,
                        WriteTls&& write_tls, QueueDtls&& queue_dtls) {
  while (std::size_t n = core.WriteTlsFrame(scratch, now)) {
    write_tls(ByteSpan(scratch.data(), n));
  }
  while (std::size_t n = core.WriteDtlsRecord(scratch, now)) {
    queue_dtls(ByteSpan(scratch.data(), n));
  }
}

// The shell's I/O for RunCoreTurn.
//   running() -> bool                 false once the shell has closed
//   now() -> Instant
//   write_tls(ByteSpan), queue_dtls(ByteSpan)   as for DrainControlOutput
//   handle_event(const TunnelEvent&)  the shell's reaction (logs, MTU, closing)
//   tls_backlog() -> std::size_t      unsent engine bytes + SIOCOUTQ
//   flush_dtls()                      one batched send of what was queued
// At most `max_rounds` rounds, so that a core that keeps producing cannot hold the thread.
template <class Io>
void RunCoreTurn(TunnelCore& core, MutableByteSpan scratch, int max_rounds, Io& io) {
  for (int round = 0; round < max_rounds && io.running(); ++round) {
    const Instant now = io.now();
    DrainControlOutput(
        core, scratch, now, [&io](ByteSpan frame) { io.write_tls(frame); },
        [&io](ByteSpan record) { io.queue_dtls(record); });
    while (auto event = core.PollEvent()) {
      io.handle_event(*event);
      if (!io.running()) {
        return;
      }
    }
    if (core.wants_tls_backlog()) {
      core.OnTlsBacklog(io.tls_backlog(), now);
    }
    io.flush_dtls();  // a send error comes back to the core as a DTLS failure
    if (!core.has_output()) {
      return;
    }
  }
}

struct TunBatch {
  std::size_t packets = 0;           // read from the TUN
  bool dtls_queued = false;          // something went to DTLS: flush it once for the batch
  std::optional<Error> read_error;   // the TUN failed (not kWouldBlock)
  std::optional<Error> write_error;  // TLS refused a record; the batch stopped there
};

// Reads up to `max_packets` packets of at most `max_packet` bytes with
// read_tun(MutableByteSpan) -> Result<std::size_t> into `buffer` after kTunHeadroom, lets the
// core frame each in place, and hands the record to queue_dtls(ByteSpan) -> bool (false: not
// taken, the packet is reframed for TLS) or write_tls(ByteSpan) -> Result<void>. Stops at
// kWouldBlock, at any error, or as soon as the core pauses the TUN.
// REQUIRES: buffer.size() >= kTunHeadroom + max_packet.
template <class ReadTun, class QueueDtls, class WriteTls>
TunBatch FrameTunBatch(TunnelCore& core, MutableByteSpan buffer, std::size_t max_packet,
                       int max_packets, Instant now, ReadTun&& read_tun, QueueDtls&& queue_dtls,
                       WriteTls&& write_tls) {
  TunBatch batch;
  for (int i = 0; i < max_packets && !core.tun_paused(); ++i) {
    Result<std::size_t> n = read_tun(buffer.subspan(kTunHeadroom, max_packet));
    if (!n) {
      if (n.error().code != Errc::kWouldBlock) {
        batch.read_error = n.error();
      }
      break;
    }
    ++batch.packets;
    const MutableByteSpan framed = buffer.first(kTunHeadroom + *n);
    TunnelCore::Outbound out = core.FrameTunPacket(framed, *n, now);
    if (out.channel == Channel::kDtls) {
      if (queue_dtls(out.record)) {
        batch.dtls_queued = true;
        continue;
      }
      // Beyond the DTLS record limit (or DTLS failing): this packet goes over TLS.
      out = {Channel::kTls, core.RerouteToTls(framed, *n, now)};
    }
    if (out.channel != Channel::kTls) {
      continue;  // dropped by the core (closed, or too large for any channel)
    }
    if (Result<void> written = write_tls(out.record); !written) {
      batch.write_error = written.error();
      break;
    }
  }
  return batch;
}

}  // namespace sekisho::proto::session
