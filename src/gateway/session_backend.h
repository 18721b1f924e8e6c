#pragma once
// SessionBackend: what a worker's connections ask of the session owner (sekishod's main
// process, docs/ipc.md). A Connection and its GatewayTunnel parse the client's bytes
// themselves and hand over only parsed, bounded requests: a login-phase HTTP request, a CONNECT
// with its cookie, the end of a tunnel, traffic counters. Answers come back asynchronously, so
// a slow login (a password check in the security module) never stalls the worker's event loop.
//
// Implementations: MainLink (worker process: IPC to main) and LocalBackend (--single-process:
// direct calls into SessionService). Thread affinity: the worker's event-loop thread; callbacks
// run there too, possibly after the connection closed (the caller checks).

#include "base/result.h"
#include "net/scoped_fd.h"
#include "proto/ipc/messages.h"

#include <functional>

namespace sekisho::gateway {

class TunnelHandle;

// A granted CONNECT: the session's identity and its TUN device.
struct TunnelGrant {
  proto::ipc::ConnectReply reply;  // ok == true
  net::ScopedFd tun_fd;
};

class SessionBackend {
 public:
  virtual ~SessionBackend() = default;

  using LoginDone = std::function<void(proto::ipc::LoginReply reply)>;
  // Answers one login-phase request. On a broken link `done` gets a 503 with Connection: close.
  virtual void Login(proto::ipc::LoginRequest request, LoginDone done) = 0;

  // `done` gets a grant, or a refusal with reply.http_status (401: cookie refused, 503 other).
  using ConnectDone = std::function<void(Result<TunnelGrant> grant, unsigned http_status)>;
  // Asks for the session named by `request.cookie`. `tunnel` is the GatewayTunnel that will
  // carry it; the backend keeps a reference until TunnelClosed and may call Terminate /
  // OnDtlsClientHello on it.
  virtual void Connect(proto::ipc::ConnectRequest request, TunnelHandle& tunnel,
                       ConnectDone done) = 0;

  // The tunnel of `closed.session_id` that `tunnel` carried has ended.
  virtual void TunnelClosed(const proto::ipc::TunnelClosed& closed, TunnelHandle& tunnel) = 0;

  // Traffic since the last report, and the data channel in use.
  virtual void ReportTraffic(const proto::ipc::TunnelStats& stats, TunnelHandle& tunnel) = 0;
};

}  // namespace sekisho::gateway
