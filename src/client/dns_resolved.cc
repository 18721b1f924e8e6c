#include "client/dns_resolved.h"

#include <fmt/format.h>
#include <systemd/sd-bus.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>

namespace sekisho::client {
namespace {

constexpr const char* kService = "org.freedesktop.resolve1";
constexpr const char* kPath = "/org/freedesktop/resolve1";
constexpr const char* kManager = "org.freedesktop.resolve1.Manager";

// Owns the sd-bus objects of one call sequence.
struct BusDeleter {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageDeleter {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using BusPtr = std::unique_ptr<sd_bus, BusDeleter>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageDeleter>;

class ScopedBusError {
 public:
  ScopedBusError() = default;
  ~ScopedBusError() { sd_bus_error_free(&error_); }
  ScopedBusError(const ScopedBusError&) = delete;
  ScopedBusError& operator=(const ScopedBusError&) = delete;
  sd_bus_error* get() { return &error_; }
  std::string Text(int r) const {
    if (sd_bus_error_is_set(&error_)) {
      return fmt::format("{}: {}", error_.name, error_.message ? error_.message : "");
    }
    return std::strerror(-r);
  }

 private:
  sd_bus_error error_{};  // SD_BUS_ERROR_NULL (a C compound literal in the header)
};

Result<BusPtr> OpenSystemBus() {
  sd_bus* bus = nullptr;
  if (int r = sd_bus_open_system(&bus); r < 0) {
    return Fail(Errc::kIo, fmt::format("system D-Bus: {}", std::strerror(-r)));
  }
  return BusPtr(bus);
}

Result<void> Check(int r, std::string_view what) {
  if (r < 0) {
    return Fail(Errc::kIo, fmt::format("{}: {}", what, std::strerror(-r)));
  }
  return Ok();
}

// Sends `message` and waits for resolved's reply.
Result<void> Call(sd_bus* bus, sd_bus_message* message, std::string_view what) {
  ScopedBusError error;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call(bus, message, 0, error.get(), &reply);
  MessagePtr reply_owner(reply);
  if (r < 0) {
    const bool gone = sd_bus_error_has_name(error.get(), "org.freedesktop.resolve1.NoSuchLink");
    return Fail(gone ? Errc::kNotFound : Errc::kProtocol,
                fmt::format("resolved {}: {}", what, error.Text(r)));
  }
  return Ok();
}

Result<MessagePtr> NewCall(sd_bus* bus, const char* method) {
  sd_bus_message* message = nullptr;
  SEKISHO_TRY(Check(
      sd_bus_message_new_method_call(bus, &message, kService, kPath, kManager, method), method));
  return MessagePtr(message);
}

Result<void> SetLinkDns(sd_bus* bus, int ifindex, const DnsPlan& plan) {
  SEKISHO_ASSIGN_OR_RETURN(MessagePtr m, NewCall(bus, "SetLinkDNS"));
  SEKISHO_TRY(Check(sd_bus_message_append(m.get(), "i", ifindex), "SetLinkDNS"));
  SEKISHO_TRY(Check(sd_bus_message_open_container(m.get(), 'a', "(iay)"), "SetLinkDNS"));
  for (const auto& server : plan.servers) {
    unsigned char bytes[16];
    int family = AF_INET;
    std::size_t size = 4;
    if (::inet_pton(AF_INET, server.c_str(), bytes) != 1) {
      family = AF_INET6;
      size = 16;
      if (::inet_pton(AF_INET6, server.c_str(), bytes) != 1) {
        return Fail(Errc::kInvalidArgument, fmt::format("DNS server {} is no address", server));
      }
    }
    SEKISHO_TRY(Check(sd_bus_message_open_container(m.get(), 'r', "iay"), "SetLinkDNS"));
    SEKISHO_TRY(Check(sd_bus_message_append(m.get(), "i", family), "SetLinkDNS"));
    SEKISHO_TRY(Check(sd_bus_message_append_array(m.get(), 'y', bytes, size), "SetLinkDNS"));
    SEKISHO_TRY(Check(sd_bus_message_close_container(m.get()), "SetLinkDNS"));
  }
  SEKISHO_TRY(Check(sd_bus_message_close_container(m.get()), "SetLinkDNS"));
  return Call(bus, m.get(), "SetLinkDNS");
}

Result<void> SetLinkDomains(sd_bus* bus, int ifindex, const DnsPlan& plan) {
  SEKISHO_ASSIGN_OR_RETURN(MessagePtr m, NewCall(bus, "SetLinkDomains"));
  SEKISHO_TRY(Check(sd_bus_message_append(m.get(), "i", ifindex), "SetLinkDomains"));
  SEKISHO_TRY(Check(sd_bus_message_open_container(m.get(), 'a', "(sb)"), "SetLinkDomains"));
  auto add = [&](const std::string& name, bool routing_only) {
    return Check(sd_bus_message_append(m.get(), "(sb)", name.c_str(), routing_only ? 1 : 0),
                 "SetLinkDomains");
  };
  if (plan.full) {
    SEKISHO_TRY(add(".", true));  // "~." — every name
  }
  for (const auto& name : plan.search_domains) {
    SEKISHO_TRY(add(name, false));
  }
  for (const auto& name : plan.routing_domains) {
    SEKISHO_TRY(add(name, true));
  }
  SEKISHO_TRY(Check(sd_bus_message_close_container(m.get()), "SetLinkDomains"));
  return Call(bus, m.get(), "SetLinkDomains");
}

Result<void> CallWithIndex(sd_bus* bus, const char* method, int ifindex, std::optional<bool> flag) {
  SEKISHO_ASSIGN_OR_RETURN(MessagePtr m, NewCall(bus, method));
  SEKISHO_TRY(Check(sd_bus_message_append(m.get(), "i", ifindex), method));
  if (flag) {
    SEKISHO_TRY(Check(sd_bus_message_append(m.get(), "b", *flag ? 1 : 0), method));
  }
  return Call(bus, m.get(), method);
}

// Interface indexes are per network namespace: a resolved serving another namespace (a bus
// socket shared into a container or `ip netns exec`) would apply our settings to whatever
// link has our index there.
bool SameNetworkNamespace(pid_t pid) {
  struct stat ours {};
  struct stat theirs {};
  const std::string path = fmt::format("/proc/{}/ns/net", pid);
  return ::stat("/proc/self/ns/net", &ours) == 0 && ::stat(path.c_str(), &theirs) == 0 &&
         ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

}  // namespace

bool ResolvedIsRunning() {
  auto bus = OpenSystemBus();
  if (!bus) {
    return false;
  }
  sd_bus_creds* creds = nullptr;
  if (sd_bus_get_name_creds(bus->get(), kService, SD_BUS_CREDS_PID, &creds) < 0) {
    return false;  // nobody owns the name
  }
  pid_t pid = 0;
  const int r = sd_bus_creds_get_pid(creds, &pid);
  sd_bus_creds_unref(creds);
  return r >= 0 && SameNetworkNamespace(pid);
}

Result<void> ConfigureResolvedLink(int ifindex, const DnsPlan& plan) {
  SEKISHO_ASSIGN_OR_RETURN(BusPtr bus, OpenSystemBus());
  SEKISHO_TRY(SetLinkDns(bus.get(), ifindex, plan));
  SEKISHO_TRY(SetLinkDomains(bus.get(), ifindex, plan));
  return CallWithIndex(bus.get(), "SetLinkDefaultRoute", ifindex, plan.full);
}

Result<void> RevertResolvedLink(int ifindex) {
  SEKISHO_ASSIGN_OR_RETURN(BusPtr bus, OpenSystemBus());
  return CallWithIndex(bus.get(), "RevertLink", ifindex, std::nullopt);
}

}  // namespace sekisho::client
