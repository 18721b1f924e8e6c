#pragma once
// The /etc/resolv.conf backend of the client's DNS setup, for hosts without systemd-resolved:
// the file is rewritten with RenderResolvConf (dns_plan.h) and put back when the tunnel ends.
//
// Order of operations, so that a crash at any point leaves something to undo:
//   1. the original is copied to <state dir>/<tun>.resolv.conf.orig and what we are about to
//      write to <tun>.resolv.conf.ours;
//   2. the host state file (host_state.h) is saved naming both;
//   3. /etc/resolv.conf is rewritten.
// Restore puts the original back only if the file still holds exactly what we wrote: when a
// DHCP client, NetworkManager or the admin changed it meanwhile, theirs is newer than our
// backup and is left alone (with a warning).
//
// Symlinks: /etc/resolv.conf is often a symlink into a resolver manager's directory
// (resolvconf's /run/resolvconf/resolv.conf, /run/NetworkManager/...). We never write into
// that other program's file: the symlink itself is replaced by a regular file (a new file
// renamed over it) and recreated, with the same target, on restore. A regular file is
// rewritten in place (open + truncate), which keeps its inode, owner and mode and also works
// when it is a bind mount (containers, `ip netns exec`'s /etc/netns/<ns>/resolv.conf).

#include "base/log.h"
#include "base/result.h"
#include "client/dns_plan.h"
#include "client/host_state.h"

#include <functional>
#include <string>

namespace sekisho::client {

// /etc/resolv.conf, or $SEKISHO_RESOLV_CONF when set to an absolute path (the interop tests
// point every client at a file of their own, so no test can ever touch the host's).
std::string ResolvConfPath();

// Steps 1-3 above for `path`; fills state.resolv_conf* and calls `save_state` (which must
// persist `state`) before step 3. `state_dir` holds the copies.
// Errors: kIo naming the file (unreadable, unwritable); nothing is changed then.
Result<void> RewriteResolvConf(const std::string& path, const std::string& state_dir,
                               const DnsPlan& plan, HostState& state,
                               const std::function<Result<void>()>& save_state);

// Puts the original back as described above and removes the two copies. Problems are logged,
// never fatal (this runs on teardown and in recovery). Returns false when the original could
// not be written back: the copies and the state file stay for a later `sekisho restore`.
bool RestoreResolvConf(const HostState& state, const Logger& log);

}  // namespace sekisho::client
