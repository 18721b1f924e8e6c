#pragma once
// MetricsListener: the HTTP endpoint Prometheus scrapes ([metrics] listen, docs/config.md).
//
// A thin Asio shell around proto::http::RequestReader (which has its own fuzz target,
// tests/fuzz/http_request) and MetricsAnswer() below. One request per connection: GET /metrics
// gets the exposition text, anything else 404; then the connection closes. Bounded: a request
// head of at most 4 KiB and no body, 5 s per connection, at most 8 connections at once (more
// are closed at accept). A bad request closes that connection with a log line; nothing a
// client sends can stop the listener.
//
// Thread affinity: the io_context passed in; Start/Stop on that thread.

#include "base/log.h"
#include "base/result.h"
#include "proto/http/message.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sekisho::gateway {

// The answer to one scrape request: 200 with `render()` for GET /metrics (a query string is
// ignored), 404 for any other method or path. `render` is called only for a 200.
proto::http::HttpResponse MetricsAnswer(const proto::http::HttpRequest& request,
                                        const std::function<std::string()>& render);

class MetricsListener {
 public:
  static constexpr std::size_t kMaxConnections = 8;
  static constexpr std::size_t kMaxRequestHead = 4096;
  static constexpr int kTimeoutSeconds = 5;

  // `render` produces the exposition body at scrape time; it must outlive the listener.
  MetricsListener(boost::asio::io_context& io, std::function<std::string()> render, Logger log);
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  // Binds "host:port" ("127.0.0.1:9480", "[::1]:9480"). Errors: kConfig (unparsable), kIo.
  Result<void> Start(const std::string& listen);
  void Stop();
  std::uint16_t port() const { return port_; }

 private:
  class Connection;
  void Accept();

  std::function<std::string()> render_;
  Logger log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sekisho::gateway
