#pragma once
// The gateway configuration: a TOML file (docs/config.md, examples/sekishod.toml) parsed once
// into a tree of small per-concern structs and validated as a whole. Reloading (SIGHUP,
// Gateway::Reload, reload_plan.h) builds a new GatewayConfig and assigns it over the running
// one in place, so components hold `const GatewayConfig&` and read it at each use; nobody keeps
// a pointer into it (a GroupConfig*, a string_view) across event-loop turns. What a session or
// tunnel was granted is copied into it when granted.
//
// All durations are whole seconds. Relative file paths are resolved against the directory of
// the configuration file. Unknown keys are errors, so a typo never passes silently.

#include "base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::gateway {

// An IPv4 network in CIDR notation. Host bits are always zero.
struct Ipv4Cidr {
  std::uint32_t network = 0;  // host byte order
  std::uint8_t prefix_len = 0;

  std::uint32_t mask() const {
    return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
  }
  // Number of addresses, network and broadcast included (2^(32 - prefix_len)).
  std::uint64_t size() const { return std::uint64_t{1} << (32 - prefix_len); }
  std::uint32_t broadcast() const { return network | ~mask(); }
  bool Contains(std::uint32_t address) const { return (address & mask()) == network; }
  bool Overlaps(const Ipv4Cidr& other) const {
    return Contains(other.network) || other.Contains(network);
  }
  std::string ToString() const;    // "10.0.0.0/24"
  std::string MaskDotted() const;  // "255.255.255.0" (X-CSTP-Netmask)
  std::string ToNetMask() const;   // "10.0.0.0/255.255.255.0" (X-CSTP-Split-Include)
  friend bool operator==(const Ipv4Cidr&, const Ipv4Cidr&) = default;
};

// "10.0.0.0/24"; a bare address means /32.
// Errors: kMalformed for bad syntax, a prefix over 32, or host bits set ("10.0.0.1/24").
Result<Ipv4Cidr> ParseIpv4Cidr(std::string_view text);
// Strict dotted quad ("10.0.0.1"): four decimal octets, no leading zeros beyond "0".
// Errors: kMalformed.
Result<std::uint32_t> ParseIpv4Address(std::string_view text);
// Host-order address to dotted quad.
std::string FormatIpv4(std::uint32_t address);

struct ListenConfig {
  std::string address = "0.0.0.0";
  std::uint16_t port = 443;  // TCP for TLS; later also UDP for DTLS
  // A client must finish the TLS handshake within handshake_timeout_s, and each HTTP request
  // must arrive completely (and the next one start) within request_timeout_s: slow clients that
  // trickle bytes (slowloris) are cut off there.
  std::uint32_t handshake_timeout_s = 15;
  std::uint32_t request_timeout_s = 30;
};

struct TlsConfig {
  std::string certificate;                     // PEM chain, required
  std::string private_key;                     // PEM key, required
  std::optional<std::string> ca_certificates;  // enables client-certificate auth
  bool allow_tls13 = true;
  std::optional<std::string> priority;  // GnuTLS priority string override
};

struct ThrottleConfig {
  std::uint32_t max_failures = 5;        // failures per address (IPv6: /64) within `window_s`
  std::uint32_t user_max_failures = 10;  // failures per user name, from any addresses
  std::uint32_t window_s = 300;
  std::uint32_t backoff_s = 30;  // first block; doubles on each repeat
  std::uint32_t max_backoff_s = 900;
  std::uint32_t max_tracked = 10000;  // addresses and user names remembered (oldest evicted)
};

// Subject fields of a client certificate that cert_user_oid / cert_group_oid may name: the ones
// the TLS layer extracts (tls::PeerCertificate).
inline constexpr std::string_view kOidCommonName = "2.5.4.3";
inline constexpr std::string_view kOidOrganizationalUnit = "2.5.4.11";
inline constexpr std::string_view kOidUid = "0.9.2342.19200300.100.1.1";

struct AuthConfig {
  std::string password_file;             // ocpasswd format; empty = no password auth
  std::uint32_t max_login_attempts = 3;  // per authentication conversation
  std::uint32_t cookie_timeout_s = 300;  // reconnect window after a tunnel drops
  ThrottleConfig throttle;
  std::string cert_user_oid = "2.5.4.3";      // CN; or "0.9.2342.19200300.100.1.1" (UID)
  std::optional<std::string> cert_group_oid;  // e.g. "2.5.4.11" (OU)
};

struct NetworkConfig {
  std::optional<Ipv4Cidr> ipv4_pool;  // absent only when every group has its own pool
  std::vector<std::uint32_t> dns;     // host byte order
  std::vector<Ipv4Cidr> routes;       // split-include; empty = all traffic through the tunnel
  std::vector<Ipv4Cidr>
      exclude_routes;        // split-exclude: kept off the tunnel (X-CSTP-Split-Exclude)
  std::uint32_t mtu = 1500;  // link MTU of the tunnel (X-CSTP-Base-MTU basis)
  std::string default_domain;
  std::vector<std::string> split_dns;  // domains resolved through the tunnel's DNS
};

enum class RekeyMethod { kSsl, kNewTunnel, kNone };
std::string_view RekeyMethodName(RekeyMethod method);  // "ssl", "new-tunnel", "none"

struct TunnelConfig {
  std::uint32_t dpd_s = 90;
  std::uint32_t keepalive_s = 32400;
  std::uint32_t idle_timeout_s = 0;     // 0 = none
  std::uint32_t session_timeout_s = 0;  // 0 = none
  std::uint32_t rekey_time_s = 172800;
  RekeyMethod rekey_method = RekeyMethod::kSsl;
  std::string banner;
  std::uint32_t max_sessions = 0;  // 0 = limited only by the pools
  // Sessions one user may hold at once (ocserv's max-same-clients); 0 = no limit.
  std::uint32_t max_sessions_per_user = 0;
  std::string tun_name = "sk";  // TUN device name prefix
};

struct DtlsConfig {
  bool enabled = true;
  bool legacy = true;  // Cisco DTLS 0.9 resumed from X-DTLS-Master-Secret
  bool dtls12 = true;  // DTLS 1.2 resumption (X-DTLS12-CipherSuite)
  bool psk = true;     // PSK-NEGOTIATE (openconnect)
};

// How sekishod splits into processes (docs/architecture.md): a privileged main, a security
// module holding the key and the password file, and `workers` unprivileged worker processes.
struct ProcessConfig {
  std::uint32_t workers = 0;           // 0 = one per CPU core
  std::string worker_user = "nobody";  // unprivileged user the workers run as
  std::string worker_group = "nogroup";
};

// Resource limits against hostile or broken clients (docs/config.md [limits], issue 11). A new
// connection over any of the connection limits is closed at once; connections already admitted
// and sessions are never affected.
struct LimitsConfig {
  std::uint32_t max_connections = 4096;      // every client TCP connection, tunnels included
  std::uint32_t max_prelogin = 1024;         // connections without a tunnel yet
  std::uint32_t max_handshakes = 512;        // connections still in their TLS handshake
  std::uint32_t max_per_address = 64;        // from one IPv4 address or IPv6 /64
  std::uint32_t max_login_contexts = 10000;  // logins in progress; the oldest is evicted
  std::uint32_t max_unsent_kib = 1024;       // TLS output a client may leave unread
};

struct ControlConfig {
  std::string socket = "/run/sekishod.sock";
};

// [metrics]: the Prometheus endpoint (docs/config.md). Unset: no listener.
struct MetricsConfig {
  std::optional<std::string> listen;  // "127.0.0.1:9480" or "[::1]:9480"
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, off
  // auto (stderr on a terminal, the journal under systemd), stderr, journal, syslog.
  std::string target = "auto";
};

// Programs main runs when a session's tunnel first comes up and when the session ends, like
// ocserv's connect-script/disconnect-script (docs/config.md [hooks]).
struct HooksConfig {
  std::optional<std::string> connect;     // non-zero exit or timeout: the tunnel is refused
  std::optional<std::string> disconnect;  // runs only for sessions whose connect hook passed
  std::uint32_t timeout_s = 10;           // then the hook's process group gets SIGKILL
};

// An extra file offered by the downloader to every group.
struct DownloadFile {
  std::string name;  // file name shown to the client, e.g. "corp.xml"
  std::string path;  // absolute path on the gateway
};

struct DownloadsConfig {
  std::vector<DownloadFile> files;
};

// A tunnel group ("connection profile"). Unset overrides inherit from [network]/[tunnel].
struct GroupConfig {
  std::string name;
  std::vector<std::string> aliases;  // names in the group-select list and URL paths
  // What the group list shows ("Sales Team"); any printable text, unlike the URL-safe names.
  // Unset: the first alias, else the name.
  std::optional<std::string> label;
  bool is_default = false;
  std::optional<Ipv4Cidr> ipv4_pool;
  std::optional<std::vector<std::uint32_t>> dns;
  std::optional<std::vector<Ipv4Cidr>> routes;
  std::optional<std::vector<Ipv4Cidr>> exclude_routes;
  std::optional<std::string> default_domain;
  std::optional<std::vector<std::string>> split_dns;
  std::optional<std::string> banner;
  std::optional<std::string> profile;  // AnyConnect XML profile served to this group
};

struct GatewayConfig {
  std::string source;  // file the tree was read from (for messages)
  ListenConfig listen;
  TlsConfig tls;
  AuthConfig auth;
  NetworkConfig network;
  TunnelConfig tunnel;
  DtlsConfig dtls;
  ProcessConfig process;
  LimitsConfig limits;
  ControlConfig control;
  LogConfig log;
  DownloadsConfig downloads;
  HooksConfig hooks;
  MetricsConfig metrics;
  // Never empty: a configuration without [[group]] gets one default group named "default".
  // Exactly one element has is_default.
  std::vector<GroupConfig> groups;

  const GroupConfig& DefaultGroup() const;
  // Matches names, aliases and labels case-sensitively; nullptr when none matches. Labels
  // match because Cisco's client answers a group list with the option's text.
  const GroupConfig* FindGroup(std::string_view name_or_alias) const;
  // The group's value or the global one.
  const Ipv4Cidr& PoolOf(const GroupConfig& group) const;
  const std::vector<std::uint32_t>& DnsOf(const GroupConfig& group) const;
  const std::vector<Ipv4Cidr>& RoutesOf(const GroupConfig& group) const;
  const std::vector<Ipv4Cidr>& ExcludeRoutesOf(const GroupConfig& group) const;
  const std::string& DefaultDomainOf(const GroupConfig& group) const;
  const std::vector<std::string>& SplitDnsOf(const GroupConfig& group) const;
  const std::string& BannerOf(const GroupConfig& group) const;
  // The text shown for the group in the login form's group list.
  static const std::string& LabelOf(const GroupConfig& group);
};

// Parses and validates `toml_text`. `source_name` is the file name used in messages and whose
// directory anchors relative paths (empty or without a directory = current directory).
// Errors: kConfig with one "file:line:column: message" line per problem found.
Result<GatewayConfig> ParseConfig(std::string_view toml_text, std::string_view source_name);

// Reads `path` and calls ParseConfig. Errors: kIo when the file cannot be read; kConfig.
Result<GatewayConfig> LoadConfig(const std::string& path);

// Human-readable summary for `sekishod --check-config`. Contains paths and addresses, never
// file contents or secrets.
std::string DescribeConfig(const GatewayConfig& config);

}  // namespace sekisho::gateway
