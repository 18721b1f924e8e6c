#include "gateway/file_limit.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>

namespace sekisho::gateway {
namespace {

constexpr std::uint64_t kDescriptorsPerConnection = 3;  // TCP socket, TUN, UDP socket
constexpr std::uint64_t kBaseDescriptors = 256;

bool Apply(FileLimit limit) {
  rlimit value{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
  return ::setrlimit(RLIMIT_NOFILE, &value) == 0;
}

}  // namespace

std::uint64_t NeededFileLimit(std::uint64_t max_connections) {
  return max_connections * kDescriptorsPerConnection + kBaseDescriptors;
}

FileLimit PlanFileLimit(FileLimit current, std::uint64_t needed) {
  FileLimit plan = current;
  plan.hard = std::max(current.hard, needed);
  plan.soft = plan.hard;
  return plan;
}

Result<FileLimit> RaiseFileLimit(std::uint64_t needed, const Logger& log) {
  rlimit now{};
  if (::getrlimit(RLIMIT_NOFILE, &now) != 0) {
    return Fail(Errc::kIo, std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  const FileLimit current{now.rlim_cur, now.rlim_max};
  FileLimit plan = PlanFileLimit(current, needed);
  if (!Apply(plan)) {
    plan = FileLimit{current.hard, current.hard};  // unprivileged: only up to the hard limit
    if (!Apply(plan)) {
      plan = current;
    }
  }
  if (plan.soft < needed) {
    log.Warn(
        "descriptor limit {} is below the {} that limits.max_connections needs; accepts "
        "back off when it runs out",
        plan.soft, needed);
  } else {
    log.Debug("descriptor limit {} (was {}; {} needed)", plan.soft, current.soft, needed);
  }
  return plan;
}

}  // namespace sekisho::gateway
