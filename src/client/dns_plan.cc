#include "client/dns_plan.h"

#include "base/strings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sekisho::client {
namespace {

// The key under which two spellings of one DNS name compare equal.
std::string NameKey(std::string_view name) {
  if (name.ends_with('.')) {
    name.remove_suffix(1);
  }
  return ToLower(name);
}

void AppendUniqueName(std::vector<std::string>& names, std::string_view name) {
  if (name.empty()) {
    return;
  }
  const std::string key = NameKey(name);
  if (std::none_of(names.begin(), names.end(),
                   [&](const std::string& n) { return NameKey(n) == key; })) {
    names.emplace_back(name);
  }
}

void AppendUnique(std::vector<std::string>& values, std::string_view value) {
  if (std::find(values.begin(), values.end(), value) == values.end()) {
    values.emplace_back(value);
  }
}

// The value after a resolv.conf keyword ("nameserver 1.2.3.4" → "1.2.3.4"), or nullopt when
// `line` is not that keyword's line.
std::optional<std::string_view> KeywordValue(std::string_view line, std::string_view keyword) {
  line = TrimWhitespace(line);
  if (!line.starts_with(keyword) || line.size() == keyword.size() ||
      (line[keyword.size()] != ' ' && line[keyword.size()] != '\t')) {
    return std::nullopt;
  }
  return TrimWhitespace(line.substr(keyword.size()));
}

}  // namespace

std::optional<DnsPlan> PlanDns(const proto::tunnel::ConnectResponse& response,
                               bool tunnel_carries_ipv6) {
  DnsPlan plan;
  for (const auto& server : response.dns) {
    const std::string_view address = TrimWhitespace(server);
    // pushed_config.h admits only IPv4 and IPv6 literals: a colon means IPv6.
    if (tunnel_carries_ipv6 || address.find(':') == std::string_view::npos) {
      AppendUnique(plan.servers, address);
    }
  }
  if (plan.servers.empty()) {
    return std::nullopt;
  }
  // X-CSTP-Default-Domain may hold several names separated by spaces (pushed_config.h).
  for (std::string_view name : Split(response.default_domain, ' ', /*skip_empty=*/true)) {
    AppendUniqueName(plan.search_domains, name);
  }
  for (const auto& value : response.split_dns) {
    for (std::string_view name : Split(value, ',', /*skip_empty=*/true)) {
      name = TrimWhitespace(name);
      // A name that is already a search domain routes to the tunnel anyway.
      if (std::none_of(plan.search_domains.begin(), plan.search_domains.end(),
                       [&](const std::string& n) { return NameKey(n) == NameKey(name); })) {
        AppendUniqueName(plan.routing_domains, name);
      }
    }
  }
  const bool split_tunnel = !response.split_include.empty();
  const bool split_dns_pushed = !response.split_dns.empty();
  plan.full = response.tunnel_all_dns || (!split_tunnel && !split_dns_pushed);
  return plan;
}

std::string RenderResolvConf(const DnsPlan& plan, std::string_view original,
                             std::string_view interface) {
  std::vector<std::string> servers = plan.servers;
  std::vector<std::string> search = plan.search_domains;
  std::vector<std::string> kept;  // options / sortlist lines of the original
  for (std::string_view line : Split(original, '\n')) {
    if (auto server = KeywordValue(line, "nameserver")) {
      if (!plan.full) {
        AppendUnique(servers, *server);
      }
    } else if (auto names = KeywordValue(line, "search")) {
      if (!plan.full) {
        for (std::string_view name : Split(*names, ' ', /*skip_empty=*/true)) {
          for (std::string_view part : Split(name, '\t', /*skip_empty=*/true)) {
            AppendUniqueName(search, part);
          }
        }
      }
    } else if (KeywordValue(line, "options") || KeywordValue(line, "sortlist")) {
      kept.emplace_back(TrimWhitespace(line));
    }
  }
  servers.resize(std::min(servers.size(), kResolvConfMaxServers));
  search.resize(std::min(search.size(), kResolvConfMaxSearch));
  std::string text = fmt::format(
      "# Written by sekisho for the VPN on {}; the previous file comes back when it ends.\n",
      interface);
  for (const auto& server : servers) {
    text += fmt::format("nameserver {}\n", server);
  }
  if (!search.empty()) {
    text += fmt::format("search {}\n", fmt::join(search, " "));
  }
  for (const auto& line : kept) {
    text += line + "\n";
  }
  return text;
}

}  // namespace sekisho::client
