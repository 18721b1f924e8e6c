#pragma once
// SecModCredentials: main's CredentialChecker, which asks the security module.

#include "base/redacted.h"
#include "base/result.h"
#include "gateway/auth_front.h"
#include "net/scoped_fd.h"
#include "proto/ipc/messages.h"

#include <cstdint>
#include <string_view>

namespace sekisho::gateway {

// Password checks answered by the security module over main's link to it (synchronous, with a
// timeout: a check is one crypt(3) call). The link is the supervisor's; while the security
// module restarts, checks fail (logins are refused, tunnels are not affected).
class SecModCredentials final : public CredentialChecker {
 public:
  explicit SecModCredentials(const net::ScopedFd& link);
  Result<void> Verify(std::string_view user, const SecretString& password) override;
  bool MayUseGroup(std::string_view user, std::string_view group) override;
  bool IsLocked(std::string_view user) override;

 private:
  Result<bool> Ask(proto::ipc::CredentialRequest request);

  const net::ScopedFd& link_;
  std::uint32_t next_id_ = 0;
};

}  // namespace sekisho::gateway
