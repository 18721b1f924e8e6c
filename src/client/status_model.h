#pragma once
// What `sekisho status` shows about a running client, and why DTLS is not in use when it is
// not. Pure: no sockets, no clock (durations come in already measured), no I/O.
//
//   DtlsDiagnostics  follows the DTLS side of one tunnel from the Tunnel's events (attempt
//                    started, ClientHello retry, answer, give-up, failure, up, fell back) and
//                    says in one phrase why data is not on DTLS (DtlsWhyNot), the same phrase
//                    the log's "data path: TLS (...)" line uses;
//   ClientStatus     one snapshot: gateway, user, tunnel address, data path, ciphers, MTUs,
//                    per-channel counters, uptime, the DTLS diagnosis;
//   RenderStatusText / RenderStatusJson   what the status socket answers;
//   ParseStatusRequest                    the socket's two commands ("status", "status json").
//
// Every string that came from the gateway or the network is made terminal-safe before it is
// rendered (terminal_text.h), and JSON strings are escaped, so a status cannot drive the
// reader's terminal or break a JSON parser.

#include "base/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

// Why data is not on DTLS now (or, while DTLS is up again, what happened last).
enum class DtlsCause {
  kNone,
  kDisabled,         // --no-dtls
  kNotOffered,       // the gateway's CONNECT answer had no DTLS
  kUnusable,         // the gateway offered DTLS we cannot use (detail says why)
  kBlockedUdp,       // no answer to the ClientHello and its retries
  kHandshakeFailed,  // the gateway answered but the handshake failed (detail: alert / error)
  kDpdTimeout,       // the established channel stopped answering DPD: fell back to TLS
  kChannelFailed,    // the established channel failed or was closed (detail)
  kPeerDisconnect,   // the gateway sent DISCONNECT on DTLS
};

enum class DtlsPhase {
  kOff,          // never attempted in this tunnel (cause says why)
  kHandshaking,  // an attempt runs
  kUp,           // established (switching: data still on TLS until it has drained)
  kWaiting,      // an attempt ended; the next one is scheduled (or none: retry period 0)
};

struct DtlsStatus {
  DtlsPhase phase = DtlsPhase::kOff;
  DtlsCause cause = DtlsCause::kNone;  // the latest reason DTLS was not (or is no longer) usable
  std::string detail;                  // kUnusable / kHandshakeFailed / kChannelFailed text
  bool answered = false;               // handshaking: the gateway's UDP port answered
  bool switching = false;              // up: TLS still draining
  int retry = 0;                       // ClientHello retries of the current/last attempt
  int max_retries = 0;
  int attempts = 0;                         // attempts started in this tunnel
  std::optional<Duration> next_attempt_in;  // kWaiting: time until the next attempt
};

// "snake_case" names for JSON.
const char* DtlsCauseName(DtlsCause cause);
const char* DtlsPhaseName(DtlsPhase phase);

// One phrase: why data is not on DTLS ("no answer after 5 retries (blocked UDP?);
// next DTLS attempt in 42 s"). Empty when DTLS carries the data.
std::string DtlsWhyNot(const DtlsStatus& status);
// Only the cause part ("DTLS DPD timeout: no answer on UDP, fell back to TLS"): the log's
// "data path: TLS (...)" line. Empty for kNone.
std::string DtlsCauseText(const DtlsStatus& status);

// Follows one tunnel's DTLS side; the Tunnel calls these as its events happen.
class DtlsDiagnostics {
 public:
  explicit DtlsDiagnostics(int max_retries) { status_.max_retries = max_retries; }

  // DTLS will not be attempted in this tunnel.
  void Off(DtlsCause cause, std::string detail = {});
  void AttemptStarted();
  void Retransmitted(int retry);
  void Answered();
  void GaveUp(int retries);
  // The attempt failed after the gateway answered (or the socket failed).
  void HandshakeFailed(std::string_view detail);
  void Established();
  void DataOnDtls();
  // The established channel is gone and data went back to TLS.
  void Lost(DtlsCause cause, std::string_view detail = {});

  // The status with the next attempt's time filled in (`next_attempt_in`: from the core's
  // schedule, nullopt when none is scheduled).
  DtlsStatus Snapshot(std::optional<Duration> next_attempt_in) const;
  const DtlsStatus& status() const { return status_; }

 private:
  DtlsStatus status_;
};

struct ChannelCounters {
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
};

struct ClientStatus {
  bool connected = true;  // false: reconnecting (the tunnel is down, the TUN kept)
  std::string gateway;    // host[:port] as given
  std::string gateway_ip;
  std::string user;  // empty: unknown (cookie login, certificate)
  std::string group;
  std::string interface_name;
  std::string address_ipv4;
  std::string address_ipv6;
  long pid = 0;
  Duration uptime{0};  // since the tunnel first came up

  bool on_dtls = false;  // the live data path
  std::string tls_cipher;
  std::string dtls_cipher;  // while DTLS is up
  std::uint32_t mtu = 0;    // the TUN MTU in use
  std::uint32_t cstp_mtu = 0;
  std::uint32_t dtls_mtu = 0;          // X-DTLS-MTU (0: no DTLS)
  std::uint32_t path_mtu = 0;          // probed over DTLS (0: not yet / not probing)
  std::uint32_t path_mtu_probing = 0;  // size being probed now (0: no search running)
  ChannelCounters tls;
  ChannelCounters dtls;
  DtlsStatus dtls_status;
};

std::string RenderStatusText(const ClientStatus& status);
// One JSON object and a newline; keys in snake_case (docs/client.md lists them).
std::string RenderStatusJson(const ClientStatus& status);

enum class StatusFormat { kText, kJson };
// "status" or "status json", optionally ending in "\n" or "\r\n"; anything else is nullopt.
std::optional<StatusFormat> ParseStatusRequest(std::string_view request);

}  // namespace sekisho::client
