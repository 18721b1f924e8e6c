#include "gateway/send_backlog_limit.h"

namespace sekisho::gateway {

std::optional<std::string> SendBacklogLimit::Check(std::size_t unsent, std::uint64_t sent_total,
                                                   Instant now) {
  if (!started_ || unsent == 0 || sent_total != last_sent_total_) {
    started_ = true;
    last_sent_total_ = sent_total;
    progress_ = now;
  }
  if (unsent > max_unsent_) {
    return "the client does not read: " + std::to_string(unsent / 1024) +
           " KiB of output queued (limit " + std::to_string(max_unsent_ / 1024) + " KiB)";
  }
  if (now - progress_ >= max_stall_) {
    return "the client does not read: no output taken for " +
           std::to_string(std::chrono::duration_cast<seconds>(now - progress_).count()) + " s";
  }
  return std::nullopt;
}

}  // namespace sekisho::gateway
