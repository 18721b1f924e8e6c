#include "client/script_env.h"

#include "base/strings.h"
#include "client/terminal_text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sekisho::client {
namespace {

namespace tunnel = proto::tunnel;

std::optional<std::uint32_t> ParseIpv4(std::string_view text) {
  const std::string s(TrimWhitespace(text));
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) {
    return std::nullopt;
  }
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(std::uint32_t value) {
  in_addr addr{};
  addr.s_addr = htonl(value);
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
}

// Leading one bits, as openconnect's netmasklen() computes for a contiguous mask.
int MaskLength(std::uint32_t mask) { return std::countl_one(mask); }

// A mask given either dotted ("255.255.255.0") or as a prefix length ("24").
std::optional<std::uint32_t> ParseMask(std::string_view text) {
  if (auto dotted = ParseIpv4(text)) {
    return dotted;
  }
  if (auto len = ParseUint(TrimWhitespace(text), 32)) {
    return *len == 0 ? 0u : static_cast<std::uint32_t>(0xffffffffu << (32 - *len));
  }
  return std::nullopt;
}

// Every value is checked by CheckPushedConfig before a script runs; this is the last guard for
// what reaches the script anyway (the banner, CISCO_CSTP_OPTIONS, anything a future header
// adds): escape sequences and controls removed, line breaks only where a value is text, length
// bounded at a character boundary.
std::string EnvValue(std::string_view value, LineBreaks breaks, std::size_t max_bytes) {
  std::string clean = TerminalSafe(value, breaks);
  if (clean.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xc0) == 0x80) {
      --cut;  // do not split a UTF-8 sequence
    }
    clean.resize(cut);
  }
  return clean;
}

class EnvBuilder {
 public:
  // One-line values (addresses, domains, names).
  void Set(std::string_view name, std::string_view value) {
    out_.push_back(std::string(name) + "=" +
                   EnvValue(value, LineBreaks::kToSpace, kMaxScriptValueBytes));
  }
  // Multi-line text (the banner, CISCO_CSTP_OPTIONS).
  void SetText(std::string_view name, std::string_view value) {
    out_.push_back(std::string(name) + "=" +
                   EnvValue(value, LineBreaks::kKeep, kMaxScriptTextBytes));
  }
  void Set(std::string_view name, long long value) { Set(name, std::to_string(value)); }
  std::vector<std::string> Take() { return std::move(out_); }

 private:
  std::vector<std::string> out_;
};

std::string JoinSpaces(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += ' ';
    }
    out += item;
  }
  return out;
}

// CISCO_SPLIT_INC / CISCO_SPLIT_EXC and their IPv6 twins (openconnect's process_split_xxclude).
void SetSplits(EnvBuilder& env, std::string_view in_ex, const std::vector<std::string>& v4,
               const std::vector<std::string>& v6) {
  int n4 = 0;
  int n6 = 0;
  auto add_v6 = [&](std::string_view addr, std::string_view len) {
    const std::string prefix = "CISCO_IPV6_SPLIT_" + std::string(in_ex) + "_" + std::to_string(n6);
    env.Set(prefix + "_ADDR", addr);
    env.Set(prefix + "_MASKLEN", len);
    ++n6;
  };
  for (const auto& route : v4) {
    const std::size_t slash = route.find('/');
    if (slash == std::string::npos) {
      continue;  // openconnect discards a split entry without a mask
    }
    const std::string_view addr = std::string_view(route).substr(0, slash);
    const std::string_view mask_text = std::string_view(route).substr(slash + 1);
    if (addr.find(':') != std::string_view::npos) {
      add_v6(addr, mask_text);
      continue;
    }
    const auto mask = ParseMask(mask_text);
    if (!ParseIpv4(addr) || !mask) {
      continue;
    }
    const std::string prefix = "CISCO_SPLIT_" + std::string(in_ex) + "_" + std::to_string(n4);
    env.Set(prefix + "_ADDR", addr);
    env.Set(prefix + "_MASK", FormatIpv4(*mask));
    env.Set(prefix + "_MASKLEN", MaskLength(*mask));
    env.Set(prefix + "_PROTOCOL", "0");
    env.Set(prefix + "_SPORT", "0");
    env.Set(prefix + "_DPORT", "0");
    ++n4;
  }
  for (const auto& route : v6) {
    const std::size_t slash = route.find('/');
    if (slash == std::string::npos) {
      continue;
    }
    add_v6(std::string_view(route).substr(0, slash), std::string_view(route).substr(slash + 1));
  }
  if (n4 > 0) {
    env.Set("CISCO_SPLIT_" + std::string(in_ex), n4);
  }
  if (n6 > 0) {
    env.Set("CISCO_IPV6_SPLIT_" + std::string(in_ex), n6);
  }
}

std::string CstpOptions(const ScriptContext& context, const tunnel::ConnectResponse& response) {
  const proto::http::HeaderList headers = context.connect_headers.empty()
                                              ? tunnel::BuildConnectResponseHeaders(response)
                                              : context.connect_headers;
  std::string out;
  for (const auto& header : headers) {
    if (StartsWithIgnoreCase(header.name, "X-CSTP-")) {
      out += TerminalSafe(header.name) + "=" + TerminalSafe(header.value) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string_view ToString(ScriptReason reason) {
  switch (reason) {
    case ScriptReason::kPreInit: return "pre-init";
    case ScriptReason::kConnect: return "connect";
    case ScriptReason::kDisconnect: return "disconnect";
    case ScriptReason::kReconnect: return "reconnect";
    case ScriptReason::kAttemptReconnect: return "attempt-reconnect";
  }
  return "connect";
}

std::vector<std::string> BuildScriptEnvironment(const ScriptContext& context,
                                                const tunnel::ConnectResponse* response) {
  EnvBuilder env;
  env.Set("reason", ToString(context.reason));
  if (!context.gateway_ip.empty()) {
    env.Set("VPNGATEWAY", context.gateway_ip);
  }
  if (context.pid > 0) {
    env.Set("VPNPID", context.pid);
  }
  if (!context.tundev.empty()) {
    env.Set("TUNDEV", context.tundev);
  }
  env.Set("LOG_LEVEL", context.log_level);
  if (response == nullptr) {
    return env.Take();
  }
  const tunnel::ConnectResponse& r = *response;
  if (r.idle_timeout_s) {
    env.Set("IDLE_TIMEOUT", static_cast<long long>(*r.idle_timeout_s));
  }
  const std::uint32_t mtu = context.mtu != 0 ? context.mtu : r.mtu;
  if (mtu != 0) {
    env.Set("INTERNAL_IP4_MTU", static_cast<long long>(mtu));
  }
  if (!r.address.empty()) {
    env.Set("INTERNAL_IP4_ADDRESS", r.address);
    const auto addr = ParseIpv4(r.address);
    const auto mask = ParseIpv4(r.netmask);
    if (addr && mask) {
      env.Set("INTERNAL_IP4_NETMASK", r.netmask);
      env.Set("INTERNAL_IP4_NETMASKLEN", MaskLength(*mask));
      env.Set("INTERNAL_IP4_NETADDR", FormatIpv4(*addr & *mask));
    }
  }
  if (!r.address_ip6.empty()) {
    env.Set("INTERNAL_IP6_ADDRESS", r.address_ip6.substr(0, r.address_ip6.find('/')));
    env.Set("INTERNAL_IP6_NETMASK", r.address_ip6);
  }
  std::vector<std::string> dns4;
  std::vector<std::string> dns6;
  for (const auto& server : r.dns) {
    (server.find(':') != std::string::npos ? dns6 : dns4).push_back(server);
  }
  if (!dns4.empty()) {
    env.Set("INTERNAL_IP4_DNS", JoinSpaces(dns4));
  }
  if (!dns6.empty()) {
    env.Set("INTERNAL_IP6_DNS", JoinSpaces(dns6));
  }
  if (!r.nbns.empty()) {
    env.Set("INTERNAL_IP4_NBNS", JoinSpaces(r.nbns));
  }
  if (!r.default_domain.empty()) {
    env.Set("CISCO_DEF_DOMAIN", r.default_domain);
  }
  if (!r.banner.empty()) {
    env.SetText("CISCO_BANNER", r.banner);
  }
  if (!r.split_dns.empty()) {
    std::string list;
    for (const auto& domain : r.split_dns) {
      list += (list.empty() ? "" : ",") + domain;
    }
    env.Set("CISCO_SPLIT_DNS", list);
  }
  SetSplits(env, "INC", r.split_include, r.split_include_ip6);
  SetSplits(env, "EXC", r.split_exclude, r.split_exclude_ip6);
  env.SetText("CISCO_CSTP_OPTIONS", CstpOptions(context, r));
  return env.Take();
}

Result<int> RunScript(const std::string& script, const std::vector<std::string>& env,
                      std::chrono::milliseconds timeout) {
  // Everything the child needs is built before fork(): after it only async-signal-safe calls.
  std::vector<std::string> strings = env;
  const bool has_path =
      std::any_of(env.begin(), env.end(), [](const auto& e) { return e.rfind("PATH=", 0) == 0; });
  if (!has_path) {
    const char* path = std::getenv("PATH");
    strings.push_back(std::string("PATH=") +
                      (path != nullptr && *path != '\0' ? path : "/usr/sbin:/usr/bin:/sbin:/bin"));
  }
  std::vector<char*> envp;
  envp.reserve(strings.size() + 1);
  for (auto& s : strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::string sh = "/bin/sh";
  std::string dash_c = "-c";
  std::string command = script;
  char* argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};

  // A close-on-exec pipe reports an exec failure (errno) back to the parent.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return Fail(Errc::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return Fail(Errc::kIo, std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(report[0]);
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
      if (null_fd != STDIN_FILENO) {
        ::close(null_fd);
      }
    }
    ::execve(argv[0], argv, envp.data());
    const int err = errno;
    (void)!::write(report[1], &err, sizeof(err));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the kill below cannot race the child's own setpgid
  ::close(report[1]);
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(report[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);

  auto wait_until = [&](std::chrono::steady_clock::time_point deadline) -> std::optional<int> {
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) {
        return status;
      }
      if (done < 0 && errno != EINTR) {
        return -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };

  std::optional<int> status = wait_until(std::chrono::steady_clock::now() + timeout);
  if (!status) {
    ::kill(-pid, SIGTERM);
    status = wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    if (!status) {
      ::kill(-pid, SIGKILL);
      int ignored = 0;
      while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
      }
    }
    return Fail(Errc::kTimeout, "script '" + script + "' did not finish within " +
                                    std::to_string(timeout.count()) + " ms and was killed");
  }
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    return Fail(Errc::kIo, "cannot run /bin/sh: " + std::string(std::strerror(exec_errno)));
  }
  if (*status < 0) {
    return Fail(Errc::kIo, "waitpid failed for script '" + script + "'");
  }
  if (WIFEXITED(*status)) {
    return WEXITSTATUS(*status);
  }
  if (WIFSIGNALED(*status)) {
    return 128 + WTERMSIG(*status);
  }
  return Fail(Errc::kIo, "script '" + script + "' ended abnormally");
}

}  // namespace sekisho::client
