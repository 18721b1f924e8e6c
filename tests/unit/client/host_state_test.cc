#include "client/host_state.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

HostState Sample() {
  HostState state;
  state.pid = 4242;
  state.start_time = 123456789;
  state.boot_id = "5b2a6f4e-8f3a-4a59-9b0e-0c6f0f3b1d2e";
  state.interface = "sekisho0";
  state.resolved_ifindex = 7;
  state.resolv_conf = "/etc/resolv.conf";
  state.resolv_conf_backup = "/var/lib/sekisho/host-state/sekisho0.resolv.conf.orig";
  state.resolv_conf_ours = "/var/lib/sekisho/host-state/sekisho0.resolv.conf.ours";
  state.resolv_conf_symlink = "../run/resolvconf/resolv.conf";
  state.ipv6_guard = true;
  return state;
}

TEST(HostStateTest, RoundTrip) {
  const HostState state = Sample();
  auto parsed = ParseHostState(SerializeHostState(state));
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(*parsed, state);
  EXPECT_FALSE(parsed->Empty());
}

TEST(HostStateTest, MinimalStateIsEmpty) {
  HostState state;
  state.pid = 1;
  state.interface = "tun0";
  auto parsed = ParseHostState(SerializeHostState(state));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->Empty());
  EXPECT_EQ(SerializeHostState(state),
            "sekisho-host-state 1\npid=1\nstart_time=0\nboot_id=\ninterface=tun0\n");
}

TEST(HostStateTest, UnknownKeysAreIgnored) {
  auto parsed = ParseHostState("sekisho-host-state 1\npid=9\nfuture_thing=x\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->pid, 9);
}

TEST(HostStateTest, RejectsWhatIsNotAStateFile) {
  EXPECT_EQ(ParseHostState("").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseHostState("nameserver 1.2.3.4\n").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseHostState("sekisho-host-state 1\ninterface=t\n").error().code,
            Errc::kMalformed);  // no pid
  EXPECT_EQ(ParseHostState("sekisho-host-state 1\npid=x\n").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseHostState("sekisho-host-state 1\npid=3\nno equals sign\n").error().code,
            Errc::kMalformed);
  // A resolv.conf rewrite without its copies cannot be undone.
  EXPECT_EQ(
      ParseHostState("sekisho-host-state 1\npid=3\nresolv_conf=/etc/resolv.conf\n").error().code,
      Errc::kMalformed);
}

}  // namespace
}  // namespace sekisho::client
