#pragma once
// Small value types shared by the gateway-side builders and the client-side parsers of the
// aggregate-auth XML dialogue (anyconnect.md §3.2).

#include <string>
#include <vector>

namespace sekisho::proto::auth {

// One <option> of a <select> (the group list). `value` is what the client sends back;
// `label` is what the user sees (the option's text).
struct SelectOption {
  std::string value;
  std::string label;
  bool selected = false;

  friend bool operator==(const SelectOption&, const SelectOption&) = default;
};

// The gateway state in <opaque is-for="sg"> that an ASA puts in every auth-request and that
// clients echo verbatim in the next auth-reply (anyconnect.md §3.4, §3.6). Empty strings are
// omitted when building.
struct Opaque {
  std::string tunnel_group;
  std::string group_alias;
  std::string aggauth_handle;
  std::string config_hash;
  std::vector<std::string> auth_methods;

  friend bool operator==(const Opaque&, const Opaque&) = default;
};

}  // namespace sekisho::proto::auth
