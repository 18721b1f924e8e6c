# c2's part of src/client: the I/O driver (TLS connections, tunnel, TUN setup, prompts, the
# connect flow) and the `sekisho` binary.
sekisho_cc_library(
  NAME client_io
  HDRS connect_flow.h dtls_link.h https_session.h prompt.h tun_setup.h tunnel.h
  SRCS connect_flow.cc dtls_link.cc https_session.cc prompt.cc tun_setup.cc tunnel.cc
  DEPS sekisho::client_core sekisho::tls sekisho::net sekisho::proto_auth sekisho::proto_http
       sekisho::proto_cstp sekisho::proto_dtls sekisho::proto_tunnel sekisho::proto_session
       Boost::headers PkgConfig::GNUTLS fmt::fmt
)
sekisho_cc_binary(NAME sekisho SRCS main.cc DEPS sekisho::client_io sekisho::app CLI11::CLI11)
