#pragma once
// The smallest valid sekishod configuration, for config tests that add one section to it.

#include <string_view>

namespace sekisho::gateway::test_configs {

inline constexpr std::string_view kMinimalConfig = R"(
[tls]
certificate = "server.pem"
private_key = "/etc/sekisho/server.key"
[auth]
password_file = "users"
[network]
ipv4_pool = "10.10.0.0/24"
)";

}  // namespace sekisho::gateway::test_configs
