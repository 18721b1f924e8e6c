#include "gateway/sandbox_linux.h"

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

Error ErrnoError(std::string_view what) {
  return Error{Errc::kIo, std::string(what) + ": " + std::strerror(errno)};
}

// What a worker calls after its start-up: Asio's epoll loop, eventfd/timerfd, socket I/O on
// descriptors it was given (TCP, UDP, the IPC links), TUN read/write, memory management, the
// clock and randomness (GnuTLS), logging to stderr, and exiting.
constexpr int kWorkerSyscalls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(close),
    SCMP_SYS(shutdown),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(getsockopt),
    SCMP_SYS(setsockopt),
    SCMP_SYS(ioctl),
    SCMP_SYS(fcntl),
    SCMP_SYS(dup),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(eventfd2),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(pipe2),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(futex),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(getrandom),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(tgkill),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(sched_yield),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(prlimit64),
    SCMP_SYS(getrusage),
};

}  // namespace

Result<void> ForbidCoreDumps() {
  rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return Fail(ErrnoError("setrlimit(RLIMIT_CORE)"));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Fail(ErrnoError("prctl(PR_SET_DUMPABLE)"));
  }
  return Ok();
}

Result<void> DropPrivileges(const std::string& user, const std::string& group_name) {
  errno = 0;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    return Fail(Errc::kNotFound, "no user '" + user + "' for the workers");
  }
  const struct group* gr = ::getgrnam(group_name.c_str());
  if (gr == nullptr) {
    return Fail(Errc::kNotFound, "no group '" + group_name + "' for the workers");
  }
  const uid_t uid = pw->pw_uid;
  const gid_t gid = gr->gr_gid;
  if (uid == 0) {
    return Fail(Errc::kPermission, "workers may not run as root ('" + user + "')");
  }
  if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
      ::setresuid(uid, uid, uid) != 0) {
    return Fail(Errc::kPermission,
                "cannot switch to " + user + ":" + group_name + ": " + std::strerror(errno));
  }
  // A successful switch cannot be undone; check it, as a half-done switch would be worse.
  if (::setuid(0) == 0 || ::geteuid() != uid || ::getegid() != gid) {
    return Fail(Errc::kPermission, "privileges were not dropped");
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Fail(ErrnoError("prctl(PR_SET_NO_NEW_PRIVS)"));
  }
  // setuid() re-enables dumping; a worker's memory holds session keys.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Fail(ErrnoError("prctl(PR_SET_DUMPABLE)"));
  }
  return Ok();
}

Result<void> InstallWorkerSyscallFilter() {
  scmp_filter_ctx ctx = ::seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (ctx == nullptr) {
    return Fail(Errc::kIo, "seccomp_init failed");
  }
  int rc = 0;
  for (int syscall : kWorkerSyscalls) {
    // A syscall number this kernel/arch does not know is negative: skip it.
    if (syscall >= 0) {
      rc = ::seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscall, 0);
      if (rc < 0) {
        break;
      }
    }
  }
  if (rc >= 0) {
    rc = ::seccomp_load(ctx);
  }
  ::seccomp_release(ctx);
  if (rc < 0) {
    return Fail(Errc::kIo, std::string("seccomp: ") + std::strerror(-rc));
  }
  return Ok();
}

}  // namespace sekisho::gateway
