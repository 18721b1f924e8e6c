#include "client/progress.h"

namespace sekisho::client {
namespace {

ProgressWriter g_progress_writer = nullptr;  // the flow's thread only

}  // namespace

void SetProgressWriter(ProgressWriter writer) { g_progress_writer = writer; }

void WriteProgressLine(const std::string& line) {
  if (g_progress_writer != nullptr) {
    g_progress_writer(line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

}  // namespace sekisho::client
