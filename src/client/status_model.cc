#include "client/status_model.h"

#include "client/terminal_text.h"

#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace sekisho::client {
namespace {

long long WholeSeconds(Duration d) {
  // Rounded up: "next attempt in 0 s" would read as "now" while it is still pending.
  const auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
  return s < 0 ? 0 : static_cast<long long>(s);
}

}  // namespace

std::string DtlsCauseText(const DtlsStatus& s) {
  const std::string detail = TerminalSafe(s.detail);
  switch (s.cause) {
    case DtlsCause::kNone: return {};
    case DtlsCause::kDisabled: return "DTLS disabled (--no-dtls)";
    case DtlsCause::kNotOffered: return "the gateway did not offer DTLS";
    case DtlsCause::kUnusable: return "the gateway's DTLS offer is unusable: " + detail;
    case DtlsCause::kBlockedUdp:
      return fmt::format("no answer after {} retries (blocked UDP?)", s.retry);
    case DtlsCause::kHandshakeFailed:
      // The link's texts start with "DTLS handshake ..." for TLS-level failures; socket errors
      // (ICMP port unreachable, a local firewall) need the context.
      if (detail.empty()) {
        return "DTLS handshake failed";
      }
      return detail.starts_with("DTLS") ? detail : "DTLS attempt failed: " + detail;
    case DtlsCause::kDpdTimeout: return "DTLS DPD timeout: no answer on UDP, fell back to TLS";
    case DtlsCause::kChannelFailed:
      return "DTLS channel failed" + (detail.empty() ? std::string() : ": " + detail);
    case DtlsCause::kPeerDisconnect: return "the gateway closed DTLS (DISCONNECT on DTLS)";
  }
  return {};
}

namespace {

std::string PhaseText(const DtlsStatus& s) {
  switch (s.phase) {
    case DtlsPhase::kOff: return {};
    case DtlsPhase::kHandshaking:
      if (s.answered) {
        return "DTLS handshake in progress (the gateway answered)";
      }
      if (s.retry == 0) {
        return "DTLS handshake in progress";
      }
      return fmt::format("no answer on UDP after ClientHello retry {} of {} (blocked UDP?)",
                         s.retry, s.max_retries);
    case DtlsPhase::kUp: return s.switching ? "DTLS up, waiting for TLS to drain" : std::string();
    case DtlsPhase::kWaiting:
      if (!s.next_attempt_in) {
        return "no further DTLS attempts";
      }
      return fmt::format("next DTLS attempt in {} s", WholeSeconds(*s.next_attempt_in));
  }
  return {};
}

// A JSON string literal of already terminal-safe (valid UTF-8, control-free) text.
std::string Json(std::string_view text) {
  const std::string safe = TerminalSafe(text);
  std::string out = "\"";
  for (char c : safe) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string JsonCounters(const ChannelCounters& c) {
  return fmt::format(R"({{"bytes_in":{},"bytes_out":{},"packets_in":{},"packets_out":{}}})",
                     c.bytes_in, c.bytes_out, c.packets_in, c.packets_out);
}

std::string Uptime(Duration d) {
  long long s = WholeSeconds(d);
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60);
}

}  // namespace

const char* DtlsCauseName(DtlsCause cause) {
  switch (cause) {
    case DtlsCause::kNone: return "none";
    case DtlsCause::kDisabled: return "disabled";
    case DtlsCause::kNotOffered: return "not_offered";
    case DtlsCause::kUnusable: return "unusable_offer";
    case DtlsCause::kBlockedUdp: return "blocked_udp";
    case DtlsCause::kHandshakeFailed: return "handshake_failed";
    case DtlsCause::kDpdTimeout: return "dpd_timeout";
    case DtlsCause::kChannelFailed: return "channel_failed";
    case DtlsCause::kPeerDisconnect: return "peer_disconnect";
  }
  return "none";
}

const char* DtlsPhaseName(DtlsPhase phase) {
  switch (phase) {
    case DtlsPhase::kOff: return "off";
    case DtlsPhase::kHandshaking: return "handshaking";
    case DtlsPhase::kUp: return "up";
    case DtlsPhase::kWaiting: return "waiting";
  }
  return "off";
}

std::string DtlsWhyNot(const DtlsStatus& status) {
  if (status.phase == DtlsPhase::kUp && !status.switching) {
    return {};
  }
  std::string cause = DtlsCauseText(status);
  std::string phase = PhaseText(status);
  if (status.phase == DtlsPhase::kHandshaking && status.cause == DtlsCause::kBlockedUdp) {
    cause.clear();  // the running attempt's own retry count says it better
  }
  if (cause.empty()) {
    return phase;
  }
  return phase.empty() ? cause : cause + "; " + phase;
}

// ---------------------------------------------------------------- DtlsDiagnostics

void DtlsDiagnostics::Off(DtlsCause cause, std::string detail) {
  status_.phase = DtlsPhase::kOff;
  status_.cause = cause;
  status_.detail = std::move(detail);
}

void DtlsDiagnostics::AttemptStarted() {
  // The cause stays: after a DPD timeout or a failed handshake it is still why data is on TLS.
  status_.phase = DtlsPhase::kHandshaking;
  status_.answered = false;
  status_.switching = false;
  status_.retry = 0;
  ++status_.attempts;
}

void DtlsDiagnostics::Retransmitted(int retry) { status_.retry = retry; }

void DtlsDiagnostics::Answered() { status_.answered = true; }

void DtlsDiagnostics::GaveUp(int retries) {
  status_.phase = DtlsPhase::kWaiting;
  status_.cause = DtlsCause::kBlockedUdp;
  status_.detail.clear();
  status_.retry = retries;
}

void DtlsDiagnostics::HandshakeFailed(std::string_view detail) {
  status_.phase = DtlsPhase::kWaiting;
  status_.cause = DtlsCause::kHandshakeFailed;
  status_.detail = std::string(detail);
}

void DtlsDiagnostics::Established() {
  status_.phase = DtlsPhase::kUp;
  status_.switching = true;
  status_.answered = true;
}

void DtlsDiagnostics::DataOnDtls() {
  status_.phase = DtlsPhase::kUp;
  status_.switching = false;
  status_.cause = DtlsCause::kNone;
  status_.detail.clear();
}

void DtlsDiagnostics::Lost(DtlsCause cause, std::string_view detail) {
  status_.phase = DtlsPhase::kWaiting;  // until the core starts the next attempt
  status_.switching = false;
  status_.cause = cause;
  status_.detail = std::string(detail);
}

DtlsStatus DtlsDiagnostics::Snapshot(std::optional<Duration> next_attempt_in) const {
  DtlsStatus s = status_;
  s.next_attempt_in = s.phase == DtlsPhase::kWaiting ? next_attempt_in : std::nullopt;
  return s;
}

// ---------------------------------------------------------------- rendering

std::string RenderStatusText(const ClientStatus& s) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{:<13}{}\n", label, value);
  };
  line("Status:", s.connected ? "connected" : "reconnecting");
  line("Gateway:", TerminalSafe(s.gateway) +
                       (s.gateway_ip.empty() ? std::string() : " (" + s.gateway_ip + ")"));
  if (!s.user.empty()) {
    line("User:", TerminalSafe(s.user));
  }
  if (!s.group.empty()) {
    line("Group:", TerminalSafe(s.group));
  }
  std::string address = s.address_ipv4;
  if (!s.address_ipv6.empty()) {
    address += (address.empty() ? "" : ", ") + s.address_ipv6;
  }
  line("Tunnel:", TerminalSafe(s.interface_name) + (address.empty() ? "" : " " + address));
  line("Uptime:", Uptime(s.uptime));
  line("Data path:", s.on_dtls ? "DTLS" : "TLS");
  const std::string why = DtlsWhyNot(s.dtls_status);
  if (!s.on_dtls && !why.empty()) {
    line("DTLS:", why);
  } else if (s.on_dtls) {
    line("DTLS:", "up");
  }
  line("TLS cipher:", TerminalSafe(s.tls_cipher));
  if (!s.dtls_cipher.empty()) {
    line("DTLS cipher:", TerminalSafe(s.dtls_cipher));
  }
  std::string mtu = std::to_string(s.mtu) + " (TLS " + std::to_string(s.cstp_mtu);
  if (s.dtls_mtu != 0) {
    mtu += ", X-DTLS-MTU " + std::to_string(s.dtls_mtu);
  }
  if (s.path_mtu != 0) {
    mtu += ", path " + std::to_string(s.path_mtu);
  }
  if (s.path_mtu_probing != 0) {
    mtu += ", probing " + std::to_string(s.path_mtu_probing);
  }
  line("MTU:", mtu + ")");
  auto counters = [](const ChannelCounters& c) {
    return fmt::format("in {} bytes / {} packets, out {} bytes / {} packets", c.bytes_in,
                       c.packets_in, c.bytes_out, c.packets_out);
  };
  line("TLS data:", counters(s.tls));
  line("DTLS data:", counters(s.dtls));
  return out;
}

std::string RenderStatusJson(const ClientStatus& s) {
  const DtlsStatus& d = s.dtls_status;
  std::string out = "{";
  out +=
      fmt::format(R"("state":{},"pid":{},"uptime_s":{},)",
                  Json(s.connected ? "connected" : "reconnecting"), s.pid, WholeSeconds(s.uptime));
  out += fmt::format(R"("gateway":{},"gateway_ip":{},"user":{},"group":{},)", Json(s.gateway),
                     Json(s.gateway_ip), Json(s.user), Json(s.group));
  out += fmt::format(R"("interface":{},"address_ipv4":{},"address_ipv6":{},)",
                     Json(s.interface_name), Json(s.address_ipv4), Json(s.address_ipv6));
  out += fmt::format(R"("data_path":{},"tls_cipher":{},"dtls_cipher":{},)",
                     Json(s.on_dtls ? "DTLS" : "TLS"), Json(s.tls_cipher), Json(s.dtls_cipher));
  out += fmt::format(R"("mtu":{},"cstp_mtu":{},"dtls_mtu":{},"path_mtu":{},"path_mtu_probing":{},)",
                     s.mtu, s.cstp_mtu, s.dtls_mtu, s.path_mtu, s.path_mtu_probing);
  out += fmt::format(R"("tls":{},"dtls":{},)", JsonCounters(s.tls), JsonCounters(s.dtls));
  out += fmt::format(R"("dtls_state":{},"dtls_reason":{},"dtls_why_not":{},"dtls_detail":{},)",
                     Json(DtlsPhaseName(d.phase)), Json(DtlsCauseName(d.cause)),
                     Json(s.on_dtls ? std::string() : DtlsWhyNot(d)), Json(d.detail));
  out += fmt::format(R"("dtls_retry":{},"dtls_max_retries":{},"dtls_attempts":{},)", d.retry,
                     d.max_retries, d.attempts);
  out += R"("dtls_next_attempt_s":)" +
         (d.next_attempt_in ? std::to_string(WholeSeconds(*d.next_attempt_in)) : "null");
  return out + "}\n";
}

std::optional<StatusFormat> ParseStatusRequest(std::string_view request) {
  if (request.ends_with("\r\n")) {
    request.remove_suffix(2);
  } else if (request.ends_with("\n")) {
    request.remove_suffix(1);
  }
  if (request == "status") {
    return StatusFormat::kText;
  }
  if (request == "status json") {
    return StatusFormat::kJson;
  }
  return std::nullopt;
}

}  // namespace sekisho::client
