#include "gateway/metrics_listener.h"

#include "base/strings.h"
#include "proto/http/request_reader.h"
#include "proto/http/writer.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <charconv>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace http = proto::http;

http::HttpResponse Plain(unsigned status, std::string body, std::string content_type) {
  http::HttpResponse response;
  response.status = status;
  response.headers.push_back({"Content-Type", std::move(content_type)});
  response.headers.push_back({"Connection", "close"});
  response.body = std::move(body);
  return response;
}

// "host:port" with an optional [IPv6] host.
Result<asio::ip::tcp::endpoint> ParseListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return Fail(Errc::kConfig, "metrics.listen: expected host:port, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const std::string port_text = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Fail(Errc::kConfig, "metrics.listen: bad port in '" + listen + "'");
  }
  boost::system::error_code address_ec;
  auto address = asio::ip::make_address(host, address_ec);
  if (address_ec) {
    return Fail(Errc::kConfig, "metrics.listen: bad address in '" + listen + "'");
  }
  return asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

}  // namespace

http::HttpResponse MetricsAnswer(const http::HttpRequest& request,
                                 const std::function<std::string()>& render) {
  const std::string_view path =
      std::string_view(request.target)
          .substr(0, std::min(request.target.size(), request.target.find('?')));
  if (request.method != "GET" || path != "/metrics") {
    return Plain(404, "not found: only GET /metrics is served\n", "text/plain; charset=utf-8");
  }
  return Plain(200, render(), "text/plain; version=0.0.4; charset=utf-8");
}

class MetricsListener::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, MetricsListener& owner)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        owner_(owner),
        log_(owner.log_),
        alive_(owner.alive_),
        open_(owner.open_),
        reader_(http::Limits{kMaxRequestHead, 0}) {
    ++*open_;
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    peer_ = ec ? "?" : peer.address().to_string();
  }
  ~Connection() { --*open_; }

  void Start() {
    timer_.expires_after(std::chrono::seconds(kTimeoutSeconds));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        self->Close("timed out");
      }
    });
    Read();
  }

 private:
  void Read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const boost::system::error_code& ec, std::size_t n) {
    if (ec) {
      timer_.cancel();
      return;  // closed by the scraper, or by Close()
    }
    auto fed = reader_.Feed(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer_.data()), n));
    if (!fed) {
      Close("bad request: " + fed.error().ToString());
      return;
    }
    if (!reader_.done()) {
      Read();
      return;
    }
    if (!*alive_) {
      Close("listener stopped");  // the render callback belongs to the stopped listener
      return;
    }
    http::HttpRequest request = reader_.Take();
    http::HttpResponse response = MetricsAnswer(request, owner_.render_);
    if (response.status != 200) {
      log_.Info("{}: {} {} answered {}", peer_, EscapeForLog(request.method, 16),
                EscapeForLog(request.target, 64), response.status);
    }
    out_ = http::SerializeResponse(response);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                        self->socket_.close(ignored);
                        self->timer_.cancel();
                      });
  }

  void Close(const std::string& why) {
    if (*alive_) {
      log_.Info("metrics connection from {} closed: {}", peer_, why);
    }
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  MetricsListener& owner_;  // used only while *alive_
  Logger log_;
  std::shared_ptr<bool> alive_;
  std::shared_ptr<std::size_t> open_;
  http::RequestReader reader_;
  std::array<char, 2048> buffer_{};
  std::string out_;
  std::string peer_;
};

MetricsListener::MetricsListener(asio::io_context& io, std::function<std::string()> render,
                                 Logger log)
    : render_(std::move(render)), log_(std::move(log)), acceptor_(io) {}

MetricsListener::~MetricsListener() { Stop(); }

Result<void> MetricsListener::Start(const std::string& listen) {
  SEKISHO_ASSIGN_OR_RETURN(asio::ip::tcp::endpoint endpoint, ParseListen(listen));
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(16, ec);
  }
  if (ec) {
    return Fail(Errc::kIo, "cannot listen for metrics on " + listen + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  log_.Info("metrics on http://{}/metrics", listen);
  Accept();
  return Ok();
}

void MetricsListener::Stop() {
  *alive_ = false;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

void MetricsListener::Accept() {
  acceptor_.async_accept(
      [this, alive = alive_](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
        if (!*alive) {
          return;
        }
        if (!ec) {
          if (*open_ >= kMaxConnections) {
            log_.Info("metrics connection refused: {} already open", kMaxConnections);
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            std::make_shared<Connection>(std::move(socket), *this)->Start();
          }
        }
        Accept();
      });
}

}  // namespace sekisho::gateway
