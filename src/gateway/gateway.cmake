# The lead's part of src/gateway: sessions, login front, connection driver, processes, daemon.
sekisho_cc_library(
  NAME gateway_core
  HDRS auth_front.h child_spawn.h connect_answer.h connection.h dtls_channel.h dtls_listener.h
       dtls_plan.h gateway.h gateway_context.h gateway_tunnel.h ipc_link.h metrics_listener.h
       password_credentials.h process_supervisor.h profile_store.h sandbox_linux.h secmod.h
       secmod_credentials.h session_backend.h session_registry.h session_service.h worker.h
  SRCS auth_front.cc child_spawn.cc connect_answer.cc connection.cc dtls_channel.cc
       dtls_listener.cc dtls_plan.cc gateway.cc gateway_metrics.cc gateway_tunnel.cc
       gateway_tunnel_dtls.cc ipc_link.cc metrics_listener.cc password_credentials.cc
       process_supervisor.cc profile_store.cc reload.cc sandbox_linux.cc secmod.cc
       secmod_credentials.cc session_registry.cc session_service.cc worker.cc
  DEPS sekisho::gateway_support sekisho::tls sekisho::net sekisho::stream sekisho::proto_auth
       sekisho::proto_http sekisho::proto_cstp sekisho::proto_tunnel sekisho::proto_session
       sekisho::proto_ctl sekisho::proto_dtls sekisho::proto_ipc Boost::headers
       PkgConfig::GNUTLS PkgConfig::SECCOMP
)
sekisho_cc_binary(NAME sekishod SRCS main.cc DEPS sekisho::gateway_core sekisho::app CLI11::CLI11)
