#include "ctl/format.h"

#include "base/strings.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace sekisho::ctl {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\u%04x", c);
          out += buf.data();
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string TerminalSafe(std::string_view s) { return EscapeForLog(s, 256); }

namespace {

// Columns padded to their widest cell, two spaces apart; the last column is not padded.
std::string AlignedTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) {
        out.append(width[i] - row[i].size() + 2, ' ');
      }
    }
    out += "\n";
  }
  return out;
}

// "14:05:09" in local time.
std::string ClockTime(std::time_t t) {
  std::tm local{};
  ::localtime_r(&t, &local);
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%H:%M:%S", &local);
  return buf.data();
}

}  // namespace

std::string HumanBytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " B";
  }
  double v = static_cast<double>(bytes);
  std::size_t unit = 0;
  v /= 1024.0;
  while (v >= 1024.0 && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f %s", v, kUnits[unit]);
  return buf.data();
}

std::string HumanDuration(std::uint64_t s) {
  std::array<char, 48> buf{};
  if (s < 60) {
    std::snprintf(buf.data(), buf.size(), "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf.data(), buf.size(), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf.data(), buf.size(), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf.data(), buf.size(), "%llud%02lluh",
                  static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s % 86400 / 3600));
  }
  return buf.data();
}

std::string FormatStatusText(const proto::ctl::StatusInfo& st) {
  std::string out;
  out += "version:         " + st.server_version + "\n";
  out += "uptime:          " + HumanDuration(st.uptime_s) + "\n";
  out += "active sessions: " + std::to_string(st.sessions_active) + "\n";
  out += "bytes in:        " + HumanBytes(st.bytes_in) + "\n";
  out += "bytes out:       " + HumanBytes(st.bytes_out) + "\n";
  for (const auto& p : st.pools) {
    out += "pool " + p.group + ": " + p.network + " " + std::to_string(p.used) + "/" +
           std::to_string(p.capacity) + " used\n";
  }
  return out;
}

std::string FormatStatusJson(const proto::ctl::StatusInfo& st) {
  std::string out = "{\"version\":" + JsonString(st.server_version) +
                    ",\"uptime_s\":" + std::to_string(st.uptime_s) +
                    ",\"sessions_active\":" + std::to_string(st.sessions_active) +
                    ",\"bytes_in\":" + std::to_string(st.bytes_in) +
                    ",\"bytes_out\":" + std::to_string(st.bytes_out) + ",\"pools\":[";
  for (std::size_t i = 0; i < st.pools.size(); ++i) {
    const auto& p = st.pools[i];
    out += (i ? "," : "");
    out += "{\"group\":" + JsonString(p.group) + ",\"network\":" + JsonString(p.network) +
           ",\"used\":" + std::to_string(p.used) + ",\"capacity\":" + std::to_string(p.capacity) +
           "}";
  }
  out += "]}\n";
  return out;
}

std::string FormatSessionsText(const std::vector<proto::ctl::SessionInfo>& sessions) {
  if (sessions.empty()) {
    return "no sessions\n";
  }
  std::vector<std::vector<std::string>> rows;
  // SPOOFED: packets from the client dropped by source-address validation.
  rows.push_back(
      {"ID", "USER", "GROUP", "PEER", "VPN IP", "SINCE", "IN", "OUT", "SPOOFED", "STATE"});
  for (const auto& s : sessions) {
    rows.push_back({std::to_string(s.id), TerminalSafe(s.user), TerminalSafe(s.group), s.peer,
                    s.vpn_ipv4, HumanDuration(s.connected_for_s), HumanBytes(s.bytes_in),
                    HumanBytes(s.bytes_out), std::to_string(s.dropped_spoofed),
                    s.state + (s.channel.empty() ? "" : "/" + s.channel)});
  }
  return AlignedTable(rows);
}

std::string FormatSessionsJson(const std::vector<proto::ctl::SessionInfo>& sessions) {
  std::string out = "{\"sessions\":[";
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    out += (i ? "," : "");
    out += "{\"id\":" + std::to_string(s.id) + ",\"user\":" + JsonString(s.user) +
           ",\"group\":" + JsonString(s.group) + ",\"peer\":" + JsonString(s.peer) +
           ",\"vpn_ipv4\":" + JsonString(s.vpn_ipv4) +
           ",\"connected_for_s\":" + std::to_string(s.connected_for_s) +
           ",\"bytes_in\":" + std::to_string(s.bytes_in) +
           ",\"bytes_out\":" + std::to_string(s.bytes_out) +
           ",\"dropped_spoofed\":" + std::to_string(s.dropped_spoofed) +
           ",\"channel\":" + JsonString(s.channel) + ",\"state\":" + JsonString(s.state) + "}";
  }
  out += "]}\n";
  return out;
}

std::string FormatBansText(const std::vector<proto::ctl::BanInfo>& bans, std::time_t now) {
  if (bans.empty()) {
    return "no bans\n";
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"SCOPE", "ADDRESS/USER", "FAILURES", "LEFT", "UNTIL"});
  for (const auto& b : bans) {
    rows.push_back({std::string(proto::ctl::BanScopeName(b.scope)), TerminalSafe(b.key),
                    std::to_string(b.failures), HumanDuration(b.seconds_left),
                    ClockTime(now + static_cast<std::time_t>(b.seconds_left))});
  }
  return AlignedTable(rows);
}

std::string FormatBansJson(const std::vector<proto::ctl::BanInfo>& bans) {
  std::string out = "{\"bans\":[";
  for (std::size_t i = 0; i < bans.size(); ++i) {
    const auto& b = bans[i];
    out += (i ? "," : "");
    out += "{\"scope\":" + JsonString(proto::ctl::BanScopeName(b.scope)) +
           ",\"key\":" + JsonString(b.key) + ",\"failures\":" + std::to_string(b.failures) +
           ",\"seconds_left\":" + std::to_string(b.seconds_left) + "}";
  }
  out += "]}\n";
  return out;
}

std::string FormatResultJson(proto::ctl::Status status,
                             const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{\"result\":" + JsonString(proto::ctl::StatusName(status));
  for (const auto& [key, value] : fields) {
    out += "," + JsonString(key) + ":" + value;
  }
  return out + "}\n";
}

}  // namespace sekisho::ctl
