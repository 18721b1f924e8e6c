#pragma once
// A client TunnelCore and a gateway TunnelCore joined in one process (wireguard-go's
// genTestPair, picoquic's simulated link): fake TUN queues, a fake TLS pipe per direction that
// can die, a fake UDP pipe per direction with latency, loss, reordering and blocking, and a
// stubbed DTLS (null encryption, a three-message handshake) on a FakeClock. No sockets, no
// real time: Run() jumps from one pipe delivery or core deadline to the next.
//
// Stubbed DTLS datagrams carry a tag byte: 'C' ClientHello, 'S' server flight, 'F' client
// Finished, 'D' + one DTLS record.

#include "base/bytes.h"
#include "base/time.h"
#include "proto/session/tunnel_core.h"
#include "testutil/fakes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sekisho::proto::session::testing {

// One direction of a link. Delivery is in send order unless `reorder` delays every other
// datagram. A record counts as unacknowledged until one latency after its delivery (the ACK's
// way back), as SIOCOUTQ would see it.
class Pipe {
 public:
  explicit Pipe(Duration latency) : latency_(latency) {}

  bool blocked = false;          // everything sent is dropped (UDP blocked, TLS dead)
  int drop_every = 0;            // drop every n-th datagram (0 = no loss)
  Duration reorder{0};           // extra delay for every other datagram
  std::size_t max_datagram = 0;  // larger datagrams vanish (a path-MTU black hole); 0 = none
  std::uint64_t sent = 0;        // datagrams/records accepted by Send()
  std::uint64_t dropped = 0;

  void Send(ByteSpan bytes, Instant now) {
    ++sent;
    if (blocked || (drop_every > 0 && sent % static_cast<std::uint64_t>(drop_every) == 0) ||
        (max_datagram != 0 && bytes.size() > max_datagram)) {
      ++dropped;
      return;
    }
    Duration delay = latency_ + (reorder > Duration(0) && sent % 2 == 1 ? reorder : Duration(0));
    Item item{now + delay, Bytes(bytes.begin(), bytes.end())};
    auto pos = std::upper_bound(queue_.begin(), queue_.end(), item.at,
                                [](Instant t, const Item& i) { return t < i.at; });
    queue_.insert(pos, std::move(item));
  }
  Instant NextDelivery() const { return queue_.empty() ? Instant::Max() : queue_.front().at; }
  std::optional<Bytes> Receive(Instant now) {
    if (queue_.empty() || queue_.front().at > now) {
      return std::nullopt;
    }
    Bytes bytes = std::move(queue_.front().bytes);
    in_flight_acks_.push_back({queue_.front().at + latency_, bytes.size()});
    queue_.pop_front();
    return bytes;
  }
  // Bytes sent and not yet acknowledged at `now`.
  std::size_t Unacked(Instant now) const {
    std::size_t n = 0;
    for (const Item& i : queue_) {
      n += i.bytes.size();
    }
    for (const auto& [acked_at, size] : in_flight_acks_) {
      n += acked_at > now ? size : 0;
    }
    return n;
  }
  void DropAll() { queue_.clear(); }

 private:
  struct Item {
    Instant at;
    Bytes bytes;
  };
  Duration latency_;
  std::deque<Item> queue_;
  std::vector<std::pair<Instant, std::size_t>> in_flight_acks_;
};

struct Delivered {
  Instant at;
  Bytes packet;
  Channel via;
};

struct Stamped {
  Instant at;
  TunnelEvent event;
};

struct Peer {
  Peer(TunnelCore::Config config, Instant now) : core(config, now) {}
  TunnelCore core;
  std::deque<Bytes> tun_tx;       // packets the OS routes into the tunnel
  std::vector<Delivered> tun_rx;  // packets the core handed to the TUN
  std::vector<Stamped> events;
  std::vector<Instant> client_hellos;  // client: when a ClientHello left
  bool dtls_open = false;              // the stub engine exists (attempt or channel)
  bool dtls_established = false;
  bool echo = false;  // answer every packet delivered to the TUN
  std::uint64_t tls_data_sent = 0;
  std::uint64_t dtls_data_sent = 0;

  std::vector<TunnelEvent> EventsOf(TunnelEvent::Kind kind) const {
    std::vector<TunnelEvent> out;
    for (const Stamped& s : events) {
      if (s.event.kind == kind) {
        out.push_back(s.event);
      }
    }
    return out;
  }
  std::vector<Stamped> StampedOf(TunnelEvent::Kind kind) const {
    std::vector<Stamped> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [kind](const Stamped& s) { return s.event.kind == kind; });
    return out;
  }
};

// A 20-byte fake IPv4 packet: version nibble, `from` tag, sequence number.
inline Bytes Packet(char from, std::uint32_t seq, std::size_t size = 20) {
  Bytes p(size, 0);
  p[0] = 0x45;
  p[1] = static_cast<std::uint8_t>(from);
  p[4] = static_cast<std::uint8_t>(seq >> 24);
  p[5] = static_cast<std::uint8_t>(seq >> 16);
  p[6] = static_cast<std::uint8_t>(seq >> 8);
  p[7] = static_cast<std::uint8_t>(seq);
  return p;
}
inline std::uint32_t SeqOf(const Bytes& p) {
  return (std::uint32_t{p[4]} << 24) | (std::uint32_t{p[5]} << 16) | (std::uint32_t{p[6]} << 8) |
         p[7];
}

class TunnelPair {
 public:
  TunnelPair(TunnelCore::Config client_config, TunnelCore::Config gateway_config,
             Duration tls_latency = milliseconds(20), Duration udp_latency = milliseconds(5))
      : tls_up(tls_latency),
        tls_down(tls_latency),
        udp_up(udp_latency),
        udp_down(udp_latency),
        t0(clock.Now()),
        gateway(gateway_config, clock.Now()),
        client(client_config, clock.Now()) {
    Service();
  }

  Instant now() const { return clock.Now(); }
  Instant At(double s) const {
    return t0 + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  }

  // Runs until `until`, serving every delivery and deadline on the way.
  void RunUntil(Instant until) {
    for (int guard = 0; guard < 2'000'000; ++guard) {
      Service();
      Instant next = std::min({tls_up.NextDelivery(), tls_down.NextDelivery(),
                               udp_up.NextDelivery(), udp_down.NextDelivery(),
                               client.core.NextDeadline(), gateway.core.NextDeadline()});
      if (next > until) {
        clock.Set(until);
        Service();
        return;
      }
      clock.Set(std::max(clock.Now(), next));
      Deliver();
      const Instant t = clock.Now();
      for (Peer* p : {&client, &gateway}) {
        if (p->core.wants_tls_backlog()) {
          p->core.OnTlsBacklog(TlsOut(*p).Unacked(t), t);
        }
        if (t >= p->core.NextDeadline()) {
          p->core.OnTimer(t);
        }
      }
    }
    ADD_FAILURE() << "RunUntil did not converge";
  }
  void RunFor(Duration d) { RunUntil(clock.Now() + d); }

  testutil::FakeClock clock;
  Pipe tls_up;    // client -> gateway
  Pipe tls_down;  // gateway -> client
  Pipe udp_up;
  Pipe udp_down;
  Instant t0;
  Peer gateway;
  Peer client;

 private:
  bool IsClient(const Peer& p) const { return &p == &client; }
  Pipe& TlsOut(Peer& p) { return IsClient(p) ? tls_up : tls_down; }
  Pipe& UdpOut(Peer& p) { return IsClient(p) ? udp_up : udp_down; }
  Peer& Other(Peer& p) { return IsClient(p) ? gateway : client; }

  void Service() {
    for (int round = 0; round < 4; ++round) {
      for (Peer* p : {&client, &gateway}) {
        ServicePeer(*p);
      }
    }
  }

  void ServicePeer(Peer& p) {
    const Instant t = clock.Now();
    while (auto event = p.core.PollEvent()) {
      OnEvent(p, *event);
      p.events.push_back({t, std::move(*event)});
    }
    if (p.core.wants_tls_backlog()) {
      p.core.OnTlsBacklog(TlsOut(p).Unacked(t), t);
    }
    while (!p.core.tun_paused() && !p.tun_tx.empty()) {
      Bytes packet = std::move(p.tun_tx.front());
      p.tun_tx.pop_front();
      std::copy(packet.begin(), packet.end(), buffer_.begin() + kTunHeadroom);
      auto out = p.core.FrameTunPacket(buffer_, packet.size(), t);
      if (out.channel == Channel::kDtls && !p.dtls_established) {
        out = {Channel::kTls, p.core.RerouteToTls(buffer_, packet.size(), t)};  // engine refused
      }
      SendRecord(p, out.channel, out.record);
    }
    while (std::size_t n = p.core.WriteTlsFrame(buffer_, t)) {
      TlsOut(p).Send(ByteSpan(buffer_.data(), n), t);
    }
    while (std::size_t n = p.core.WriteDtlsRecord(MutableByteSpan(buffer_).subspan(1), t)) {
      buffer_[0] = 'D';
      if (p.dtls_established) {
        UdpOut(p).Send(ByteSpan(buffer_.data(), n + 1), t);
      }
    }
    while (auto event = p.core.PollEvent()) {
      OnEvent(p, *event);
      p.events.push_back({t, std::move(*event)});
    }
  }

  void SendRecord(Peer& p, Channel channel, ByteSpan record) {
    const Instant t = clock.Now();
    if (channel == Channel::kTls) {
      ++p.tls_data_sent;
      TlsOut(p).Send(record, t);
    } else if (channel == Channel::kDtls) {
      ++p.dtls_data_sent;
      Bytes datagram{'D'};
      datagram.insert(datagram.end(), record.begin(), record.end());
      UdpOut(p).Send(datagram, t);
    }
  }

  void SendTag(Peer& p, std::uint8_t tag) {
    std::uint8_t b = tag;
    UdpOut(p).Send(ByteSpan(&b, 1), clock.Now());
  }

  void OnEvent(Peer& p, const TunnelEvent& e) {
    if (e.kind != TunnelEvent::Kind::kDtls) {
      return;
    }
    switch (e.dtls_action) {
      case DtlsAction::kStartAttempt:
        p.dtls_open = true;
        p.dtls_established = false;
        p.client_hellos.push_back(clock.Now());
        SendTag(p, 'C');
        break;
      case DtlsAction::kRetransmitted:
        if (p.dtls_open && !p.dtls_established) {
          p.client_hellos.push_back(clock.Now());
          SendTag(p, 'C');
        }
        break;
      case DtlsAction::kGiveUp:
      case DtlsAction::kAbandon:
        p.dtls_open = false;
        p.dtls_established = false;
        break;
    }
  }

  void Deliver() {
    const Instant t = clock.Now();
    for (int i = 0; i < 4; ++i) {
      while (auto b = tls_up.Receive(t)) {
        OnTls(gateway, *b);
      }
      while (auto b = tls_down.Receive(t)) {
        OnTls(client, *b);
      }
      while (auto b = udp_up.Receive(t)) {
        OnUdp(gateway, *b);
      }
      while (auto b = udp_down.Receive(t)) {
        OnUdp(client, *b);
      }
    }
  }

  void ToTun(Peer& p, ByteSpan packet, Channel via) {
    if (packet.empty()) {
      return;
    }
    Bytes copy(packet.begin(), packet.end());
    if (p.echo) {
      Bytes reply = copy;
      reply[1] = static_cast<std::uint8_t>('e');
      p.tun_tx.push_back(std::move(reply));
    }
    p.tun_rx.push_back({clock.Now(), std::move(copy), via});
  }

  void OnTls(Peer& p, const Bytes& record) {
    ToTun(p, p.core.OnTlsRecord(record, clock.Now()), Channel::kTls);
  }

  void OnUdp(Peer& p, const Bytes& datagram) {
    const Instant t = clock.Now();
    const bool is_client = IsClient(p);
    switch (datagram[0]) {
      case 'C':  // the gateway's listener: a new channel per ClientHello
        if (!is_client) {
          p.dtls_open = true;
          p.dtls_established = false;
          p.core.OnDtlsHandshakeStarted(t);
          SendTag(p, 'S');
        }
        return;
      case 'S':
        if (is_client && p.dtls_open && !p.dtls_established) {
          p.core.OnDtlsPeerAnswered(t);
          p.dtls_established = true;
          p.core.OnDtlsHandshakeDone(t);
          SendTag(p, 'F');
        }
        return;
      case 'F':
        if (!is_client && p.dtls_open && !p.dtls_established) {
          p.dtls_established = true;
          p.core.OnDtlsHandshakeDone(t);
        }
        return;
      case 'D':
        if (p.dtls_established) {
          ByteSpan record = ByteSpan(datagram).subspan(1);
          ToTun(p, p.core.OnDtlsRecord(record, t), Channel::kDtls);
        }
        return;
      default: ADD_FAILURE() << "unexpected datagram tag " << int{datagram[0]};
    }
  }

  std::array<std::uint8_t, cstp::kMaxRecordSize + 64> buffer_{};
};

}  // namespace sekisho::proto::session::testing
