#pragma once
// PidFile: while the tunnel is up, <run dir>/<interface>.pid holds the client's pid, so that
// `sekisho disconnect` (RunDisconnect) can find the process and send it SIGTERM. <run dir> is
// $XDG_RUNTIME_DIR/sekisho, else <config>/run.

#include "base/log.h"
#include "base/result.h"

#include <string>

namespace sekisho::client {

// The pid-file directory described above. Errors: kConfig when no directory is usable.
Result<std::string> RunDir();

// `sekisho disconnect [--interface NAME]`: SIGTERM to the client owning NAME's pid file (the
// only one when NAME is empty). Returns the exit status (0 when signalled).
int RunDisconnect(const std::string& interface_name);

// The pid file of one running client. Failing to write it only costs `sekisho disconnect`, so
// Write() warns through the logger and never fails. Not thread-safe.
class PidFile {
 public:
  explicit PidFile(const Logger& log) : log_(log) {}

  // Writes <run dir>/<interface_name>.pid with this process's pid.
  void Write(const std::string& interface_name);
  // Removes the file Write() created, if any.
  void Remove();

 private:
  Logger log_;
  std::string path_;
};

}  // namespace sekisho::client
