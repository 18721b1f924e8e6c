// Tunnel's rekeying (see tunnel.h and proto/session/rekey_schedule.h): in place for "ssl",
// by a new connection for "new-tunnel". Kept apart from tunnel.cc, which moves the data.
#include "client/terminal_text.h"
#include "client/tunnel.h"

#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace session = proto::session;

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void Tunnel::PollRekey(Instant now) {
  switch (rekey_->Poll(now)) {
    case session::RekeySchedule::Action::kNone: return;
    case session::RekeySchedule::Action::kRehandshake: RekeyInPlace(now); return;
    case session::RekeySchedule::Action::kNewTunnel: RekeyByNewTunnel(now); return;
  }
}

void Tunnel::RekeyInPlace(Instant now) {
  tls::TlsEngine& engine = conn_->engine();
  const bool tls13 = engine.IsTls13();
  if (auto begun = engine.BeginRekey(); !begun) {
    Say("Rekey: cannot renegotiate TLS (" + begun.error().ToString() + "); opening a new tunnel");
    rekey_->OnFailed(now);
    return;
  }
  if (tls13) {
    // Nothing to wait for: the KeyUpdate is queued, the gateway answers with its own.
    Say(fmt::format("Rekey: TLS 1.3 key update sent (rekey #{})", rekey_->rekeys_done() + 1));
    rekey_->OnDone(now);
    return;
  }
  Say("Rekey: renegotiating the TLS session");
}

void Tunnel::CheckRekeyResult() {
  std::optional<Result<void>> result = conn_->engine().TakeRekeyResult();
  if (!result || outcome_) {
    return;
  }
  const Instant now = ClientNow();
  if (!*result) {
    Say("Rekey: the gateway refused to renegotiate (" + result->error().ToString() +
        "); opening a new tunnel");
    rekey_->OnFailed(now);
    return;
  }
  rekey_->OnDone(now);
  Say(fmt::format("Rekey: TLS renegotiated: {} (rekey #{})", conn_->engine().CipherDescription(),
                  rekey_->rekeys_done()));
}

void Tunnel::RekeyByNewTunnel(Instant now) {
  if (!params_.open_tunnel) {
    // Only a failed renegotiation gets here without a way to open a tunnel: go on as is.
    rekey_->OnDone(now);
    return;
  }
  Say("Rekey: opening a new tunnel (X-CSTP-Rekey-Method: new-tunnel)");
  bool retired = false;
  Result<ConnectedTunnel> next = params_.open_tunnel([this, &retired] {
    RetireOldConnection();
    retired = true;
  });
  if (!next && !retired) {
    Say("Rekey: new tunnel failed (" + next.error().ToString() +
        "); the current one goes on, trying again later");
    rekey_->OnFailed(ClientNow());
    return;
  }
  if (!next) {
    Finish(TunnelEnd::kLinkDead,
           "rekey: CONNECT on the new connection failed: " + next.error().ToString());
    return;
  }
  Finish(TunnelEnd::kRekeyed, "rekeyed by a new tunnel");
  outcome_->next = std::make_shared<ConnectedTunnel>(std::move(*next));
}

void Tunnel::RetireOldConnection() {
  // The new TLS connection is up; the old one ends before the CONNECT goes out, so that the
  // gateway has let go of it (ocserv: the old worker and its TUN device) when the new one
  // is set up. No DISCONNECT (that would end the session): close_notify and FIN, as when a
  // client goes away; both gateways keep the session for the CONNECT that follows.
  retiring_ = true;
  const Instant now = ClientNow();
  (void)conn_->FlushAll(now + seconds(1));
  // Replies to what was just sent are still read until the gateway has acknowledged it all
  // (bounded), then the connection is closed and read until the gateway closes it too.
  const Instant acked_by = now + std::chrono::milliseconds(200);
  while (TlsBacklog() > 0 && ClientNow() < acked_by) {
    // A timeout only means nothing arrived within the slice.
    (void)conn_->ReadMore(std::min(acked_by, ClientNow() + std::chrono::milliseconds(5)));
    ProcessRecords();
  }
  conn_->engine().Close();
  (void)conn_->FlushAll(ClientNow() + seconds(1));
  boost::system::error_code ec;
  conn_->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  DrainOldConnection(ClientNow() + std::chrono::milliseconds(500));
  if (dtls_) {
    // Replies to what went out on DTLS arrived meanwhile (the TLS close took a round trip).
    dtls_->ReadPending();
  }
}

void Tunnel::DrainOldConnection(Instant deadline) {
  // Until the old connection's end of stream, not only its DISCONNECT: ocserv's old worker
  // says goodbye before it exits, and until it has exited (and its TUN device is gone) the
  // gateway host may still route our session's packets to it. Packets sent after the
  // goodbye are not delivered (the core has closed).
  const Instant start = ClientNow();
  std::size_t packets = 0;
  Result<void> more = Ok();
  while (more) {
    while (!core_->closed()) {
      Result<std::size_t> n = conn_->engine().ReadRecord(MutableByteSpan(record_buffer_));
      if (!n || *n == 0) {
        break;
      }
      ByteSpan packet = core_->OnTlsRecord(ByteSpan(record_buffer_.data(), *n), ClientNow());
      if (!packet.empty()) {
        ++packets;
        WriteTun(packet);
      }
    }
    more = conn_->ReadMore(deadline);
  }
  log_.Info("old connection retired after {:.3f} s: {} packet(s) delivered, {}",
            Seconds(ClientNow() - start), packets,
            more.error().code == Errc::kTimeout ? "still open (time limit)" : "closed");
}

}  // namespace sekisho::client
