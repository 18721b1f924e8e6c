#pragma once
// --setuid USER: the client drops root once the TUN is configured (openconnect's -U). The
// host configuration that needs root must still be undone at the end, so the flow forks
// first (service_mode.h): the root parent only waits, forwards signals and tears down; the
// child drops to USER here and runs the tunnel.

#include "base/result.h"

#include <string>
#include <sys/types.h>

namespace sekisho::client {

struct TargetUser {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks USER up (a name, or a numeric uid). Errors: kNotFound.
Result<TargetUser> LookUpUser(const std::string& user);

// setgroups({gid}), setgid, setuid, then checks the result: real, effective and saved ids are
// the target's and (for a non-root target) setuid(0) fails. Errors: kPermission with errno.
Result<void> DropPrivileges(const TargetUser& target);

}  // namespace sekisho::client
