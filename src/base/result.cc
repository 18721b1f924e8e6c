#include "base/result.h"

namespace sekisho {

std::string Error::ToString() const {
  std::string out(ErrcName(code));
  if (!context.empty()) {
    out += ": ";
    out += context;
  }
  return out;
}

}  // namespace sekisho
