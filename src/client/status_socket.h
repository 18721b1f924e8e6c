#pragma once
// The running client's status socket and `sekisho status`, a thin shell around status_model.h.
//
// StatusServer: <run dir>/<interface>.sock (beside the pid file, pid_file.h), a Unix stream
// socket created with mode 0600 inside the user's run dir, so only the user running the
// client (and root) can ask. It runs on the client's io_context: one request per connection,
// at most kMaxRequest bytes read within kRequestTimeout; "status" or "status json" is answered
// with RenderStatusText/RenderStatusJson from the provider and the connection closed. Anything
// else (unknown command, too long, too slow) closes that connection with a log line; the client
// carries on. At most kMaxClients connections are served at once (more are closed at accept).
//
// RunStatus: `sekisho status [--interface NAME] [--json]` connects (to the only client when
// NAME is empty), sends the request and prints the answer.
//
// Thread affinity: the io_context's thread.

#include "base/log.h"
#include "client/status_model.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sekisho::client {

class StatusServer {
 public:
  static constexpr std::size_t kMaxRequest = 64;
  static constexpr int kMaxClients = 4;
  static constexpr std::chrono::seconds kRequestTimeout{2};

  using Provider = std::function<ClientStatus()>;

  StatusServer(boost::asio::io_context& io, Provider provider, const Logger& log);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Creates <run dir>/<interface_name>.sock and starts accepting. A failure costs only
  // `sekisho status`: it is logged and the client runs on.
  void Start(const std::string& interface_name);
  // Closes the socket and removes its file.
  void Stop();

 private:
  class Connection;
  void Accept();

  boost::asio::io_context& io_;
  Provider provider_;
  Logger log_;
  std::string path_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::vector<std::weak_ptr<Connection>> connections_;       // closed by Stop()
  std::shared_ptr<int> clients_ = std::make_shared<int>(0);  // connections being served
};

// `sekisho status`. Returns the exit status (0 when an answer was printed).
int RunStatus(const std::string& interface_name, bool json);

}  // namespace sekisho::client
