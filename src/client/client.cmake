# sd-bus, for the systemd-resolved DNS backend (dns_resolved.h).
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)

# c2's part of src/client: the I/O driver (TLS connections, tunnel, TUN setup, prompts, the
# connect flow) and the `sekisho` binary.
sekisho_cc_library(
  NAME client_io
  HDRS connect_flow.h connect_options.h dtls_link.h gateway_connector.h https_session.h
       pid_file.h profile_download.h progress.h prompt.h reconnect_loop.h tun_configurator.h
       tun_setup.h tunnel.h tunnel_connect.h status_socket.h
       daemon.h http_dump.h privilege_drop.h syslog_output.h
       dns_resolv_conf.h dns_resolved.h host_changes.h host_state_store.h ipv6_guard.h
  SRCS connect_flow.cc dtls_link.cc gateway_connector.cc https_session.cc pid_file.cc
       profile_download.cc progress.cc prompt.cc reconnect_loop.cc tun_configurator.cc
       tun_setup.cc tunnel.cc tunnel_connect.cc status_socket.cc rekey.cc
       daemon.cc http_dump.cc privilege_drop.cc syslog_output.cc
       dns_resolv_conf.cc dns_resolved.cc host_changes.cc host_state_store.cc ipv6_guard.cc
  DEPS sekisho::client_core sekisho::tls sekisho::net sekisho::stream sekisho::proto_auth sekisho::proto_http
       sekisho::proto_cstp sekisho::proto_dtls sekisho::proto_tunnel sekisho::proto_session
       Boost::headers PkgConfig::GNUTLS fmt::fmt PkgConfig::LIBSYSTEMD
)
sekisho_cc_binary(NAME sekisho SRCS main.cc DEPS sekisho::client_io sekisho::app CLI11::CLI11)
