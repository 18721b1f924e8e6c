#pragma once
// Confinement of sekishod's child processes (docs/threat-model.md):
//   workers    parse every untrusted byte: they run as an unprivileged user with no
//              capabilities, not dumpable, no new privileges, behind a seccomp allow-list;
//   sec-mod    holds the private key and the password hashes: not dumpable, no core dumps.
// Each function acts on the calling process only and is called once, right after start-up.

#include "base/result.h"

#include <string>

namespace sekisho::gateway {

// Turns core dumps off and makes the process non-dumpable (no ptrace by the same user, no
// /proc/PID/mem). Errors: kIo.
Result<void> ForbidCoreDumps();

// Switches to `user` and `group` (names), drops supplementary groups, and with them every
// capability (the switch away from uid 0 clears the permitted and effective sets). Sets
// no_new_privs. Errors: kNotFound (unknown user or group), kPermission.
Result<void> DropPrivileges(const std::string& user, const std::string& group);

// Installs the worker's seccomp filter: the system calls an event loop with TLS, UDP and TUN
// I/O needs; everything else (open, socket, connect, execve, ptrace, ...) fails with EPERM.
// Errors: kIo when the kernel refuses the filter.
Result<void> InstallWorkerSyscallFilter();

}  // namespace sekisho::gateway
