#pragma once
// SendBacklogLimit: how much TLS output a client may leave unread. A client that keeps sending
// requests (DPD, pipelined HTTP) but never reads would otherwise make the gateway buffer the
// answers without end. Once the bytes queued in user space (the TLS engine's unsent output,
// beyond what the kernel's socket buffer took) pass `max_unsent`, or some are queued and the
// kernel has taken none of them for `max_stall`, that connection is ended: the session (and the
// worker) live on, the client may reconnect.
//
// Pure: the caller passes what its socket reports and `now`. Not thread-safe.

#include "base/time.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace sekisho::gateway {

class SendBacklogLimit {
 public:
  SendBacklogLimit(std::size_t max_unsent, Duration max_stall)
      : max_unsent_(max_unsent), max_stall_(max_stall) {}

  // `unsent`: bytes queued and not yet handed to the kernel; `sent_total`: every byte handed to
  // the kernel so far (it grows whenever the socket makes progress). Returns why the connection
  // must end, or nullopt while it is within bounds.
  std::optional<std::string> Check(std::size_t unsent, std::uint64_t sent_total, Instant now);

 private:
  std::size_t max_unsent_;
  Duration max_stall_;
  std::uint64_t last_sent_total_ = 0;
  Instant progress_;  // when sent_total last grew or the queue was empty
  bool started_ = false;
};

}  // namespace sekisho::gateway
