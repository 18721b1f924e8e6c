#include "gateway/login_context_cap.h"

#include <utility>

namespace sekisho::gateway {

std::optional<std::string> LoginContextCap::Created(std::string cookie) {
  cookies_.push_back(std::move(cookie));
  if (cookies_.size() <= max_) {
    return std::nullopt;
  }
  std::string oldest = std::move(cookies_.front());
  cookies_.pop_front();
  return oldest;
}

}  // namespace sekisho::gateway
