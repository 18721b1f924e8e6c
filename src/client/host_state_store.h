#pragma once
// Where host state files (host_state.h) live, and undoing them — by the client on teardown,
// or by anyone after it died.
//
//   <state dir>/<tun>.state               the HostState
//   <state dir>/<tun>.resolv.conf.orig    original /etc/resolv.conf (dns_resolv_conf.h)
//   <state dir>/<tun>.resolv.conf.ours    what we wrote there
//
// <state dir> is $SEKISHO_HOST_STATE_DIR when set (tests), else /var/lib/sekisho/host-state
// (0700). Not under /run: a rewritten /etc/resolv.conf survives a power loss, so its backup
// must too; after a reboot the boot id differs and the file is recovered like any other.
//
// Recovery (RecoverStaleHostStates) runs at the start of `sekisho connect` — before the
// gateway's name is resolved, which a stale resolv.conf pointing into a dead tunnel would
// break — and as `sekisho restore`. It undoes every state file whose owner is gone.

#include "base/log.h"
#include "base/result.h"
#include "client/host_state.h"

#include <string>
#include <string_view>

namespace sekisho::client {

std::string HostStateDir();
std::string HostStatePath(std::string_view interface);

// A state for this process (pid, start time, boot id) and `interface`.
HostState NewHostState(std::string interface);
// True when the process that wrote `state` still runs (same pid, start time and boot).
bool OwnerAlive(const HostState& state);

// Writes the state file atomically (creating the directory).
// Errors: kIo naming the file.
Result<void> SaveHostState(const HostState& state);
// Reads `path`. Errors: kNotFound (no file), kIo, kMalformed.
Result<HostState> LoadHostState(const std::string& path);

// Why UndoHostState runs. In a teardown the TUN still exists and resolved's settings on it are
// reverted explicitly; in a recovery the owner's TUN is gone (resolved forgot it) and its index
// may already belong to another link, which must not be touched.
enum class UndoReason { kTeardown, kRecovery };

// Undoes everything `state` records (resolved link reverted, IPv6 guard removed, resolv.conf
// restored), then deletes its state file — unless the resolv.conf could not be written back.
// Needs CAP_NET_ADMIN and write access to /etc; any process may call it.
void UndoHostState(const HostState& state, UndoReason reason, const Logger& log);

// Undoes every state file of a dead owner; returns how many were undone. Unreadable or
// malformed files are reported and left alone.
int RecoverStaleHostStates(const Logger& log);

}  // namespace sekisho::client
