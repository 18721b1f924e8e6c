#pragma once
// CtlClient: the sekishoctl end of the admin socket (docs/protocol/ctl.md). Blocking, one
// request at a time, with a timeout on every send and receive. Not thread-safe.

#include "base/result.h"
#include "base/time.h"
#include "proto/ctl/messages.h"

#include <string>

namespace sekisho::ctl {

class CtlClient {
 public:
  // Connects to the gateway's control socket.
  // Errors: kIo when the socket does not exist or refuses (gateway not running: exit code 2);
  // kPermission when access is denied (not root); kInvalidArgument for an over-long path.
  static Result<CtlClient> Connect(const std::string& socket_path, Duration timeout);

  CtlClient(CtlClient&& other) noexcept;
  CtlClient& operator=(CtlClient&& other) noexcept;
  CtlClient(const CtlClient&) = delete;
  CtlClient& operator=(const CtlClient&) = delete;
  ~CtlClient();

  // Sends `request` and waits for its response.
  // Errors: kTimeout (no answer in time), kClosed (gateway closed the connection), kIo,
  // kMalformed / kUnsupported / kTooLarge (undecodable answer). All mean: report and exit 1.
  Result<proto::ctl::Response> Call(const proto::ctl::Request& request);

 private:
  explicit CtlClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sekisho::ctl
