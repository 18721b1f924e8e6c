#include "base/check.h"
#include "base/rng.h"

#include <cerrno>
#include <cstdlib>
#include <sys/random.h>

namespace sekisho {
namespace {

class GetrandomRng final : public Rng {
 public:
  void Fill(MutableByteSpan out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      // Without randomness no cookie or key can be made safely: stop the process.
      SEKISHO_CHECK(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
};

}  // namespace

Rng& SystemRng() {
  static GetrandomRng rng;
  return rng;
}

}  // namespace sekisho
