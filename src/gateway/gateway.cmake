# The lead's part of src/gateway: sessions, login front, connection driver, daemon.
sekisho_cc_library(
  NAME gateway_core
  HDRS auth_front.h connection.h dtls_channel.h dtls_listener.h dtls_plan.h gateway.h
       gateway_context.h profile_store.h session_registry.h
  SRCS auth_front.cc connection.cc dtls_channel.cc dtls_listener.cc dtls_plan.cc gateway.cc
       profile_store.cc session_registry.cc
  DEPS sekisho::gateway_support sekisho::tls sekisho::net sekisho::proto_auth
       sekisho::proto_http sekisho::proto_cstp sekisho::proto_tunnel sekisho::proto_session
       sekisho::proto_ctl sekisho::proto_dtls Boost::headers PkgConfig::GNUTLS
)
sekisho_cc_binary(NAME sekishod SRCS main.cc DEPS sekisho::gateway_core sekisho::app CLI11::CLI11)
