#pragma once
// SpawnChild: how main starts its security module and workers (fork + exec of itself).

#include "base/result.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace sekisho::gateway {

// fork + exec of `executable` with `fds` moved to 3, 4, ... (at most 8) and every other
// descriptor above 2 closed, so that no listener, TUN device or other child's link leaks into the
// child; the child starts with no signal blocked. argv[0] is "sekishod". Errors: kIo (fork).
Result<pid_t> SpawnChild(const std::string& executable, const std::vector<std::string>& args,
                         const std::vector<int>& fds);

}  // namespace sekisho::gateway
