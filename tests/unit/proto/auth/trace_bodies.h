#pragma once
// Real bodies from the shared traces (protocol/traces/) (openconnect 9.01-3 <-> ocserv 1.1.6-3) and
// the Cisco shapes of anyconnect.md §3, as test vectors.

#include <string_view>

namespace sekisho::proto::auth::testdata {

// --- client → gateway (ref-oc901-ocserv116-psk.log) ----------------------------------------

// First init; Content-Length 369.
inline constexpr std::string_view kOcInit =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\"><version "
    "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-method>"
    "single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser</auth-method>"
    "</capabilities><group-access>https://localhost:4443/</group-access></config-auth>\n";

// Second init after the group list appeared (anyconnect.md §3.5); Content-Length 408.
inline constexpr std::string_view kOcInitGroup =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\"><version "
    "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-method>"
    "single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser</auth-method>"
    "</capabilities><group-access>https://localhost:4443/auth</group-access><group-select>"
    "group2</group-select></config-auth>\n";

inline constexpr std::string_view kOcReplyUsername =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\"><version "
    "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-method>"
    "single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser</auth-method>"
    "</capabilities><auth><username>test</username></auth><group-select>group2</group-select>"
    "</config-auth>\n";

inline constexpr std::string_view kOcReplyPassword =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\"><version "
    "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-method>"
    "single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser</auth-method>"
    "</capabilities><auth><password>testpass</password></auth></config-auth>\n";

// ref-oc901-ocserv116-legacy.log (--no-xmlpost); Content-Length 31 and 17.
inline constexpr std::string_view kLegacyUsernameBody = "group_list=group1&username=test";
inline constexpr std::string_view kLegacyPasswordBody = "password=testpass";

// Cisco-style init and auth-reply (anyconnect.md §3.3, §3.6; values invented there).
inline constexpr std::string_view kCiscoInit = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="init" aggregate-auth-version="2">
  <version who="vpn">4.10.05095</version>
  <device-id computer-name="LAPTOP-7" device-type="VMware, Inc. VMware7,1" platform-version="10.0.19045" unique-id="5D1C...E9" unique-id-global="8A4F...21">win</device-id>
  <mac-address-list><mac-address public-interface="true">00-0c-29-aa-bb-cc</mac-address></mac-address-list>
  <group-select>Employees</group-select>
  <group-access>https://vpn.example.com/employees</group-access>
  <capabilities><auth-method>single-sign-on-v2</auth-method><auth-method>multiple-cert</auth-method></capabilities>
</config-auth>
)";

inline constexpr std::string_view kCiscoAuthReply = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2">
  <version who="vpn">4.10.05095</version>
  <device-id>win</device-id>
  <session-token/>
  <session-id/>
  <opaque is-for="sg">
    <tunnel-group>TG-EMPLOYEES</tunnel-group>
    <aggauth-handle>864640002</aggauth-handle>
    <auth-method>single-sign-on-v2</auth-method>
    <group-alias>Employees</group-alias>
    <config-hash>1619719004259</config-hash>
  </opaque>
  <auth><username>alice</username><password>s3cret</password></auth>
  <group-select>Employees</group-select>
</config-auth>
)";

// --- gateway → client -----------------------------------------------------------------------

// oc901-ocserv116-full-trace.txt, first answer; Content-Length 444 (ocserv ends its forms
// without a newline, its success page with one).
inline constexpr std::string_view kOcservUsernameForm =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your username.</message>
<form method="post" action="/auth">
<input type="text" name="username" label="Username:" />
<select name="group_list" label="Group:">
<option value="engineering">engineering</option>
<option value="sales">sales</option>
</select>
</form></auth>
</config-auth>)";

// ref-oc901-ocserv116-psk.log, answer to the second init (chosen group moved first).
inline constexpr std::string_view kOcservUsernameFormGroup2 =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your username.</message>
<form method="post" action="/auth">
<input type="text" name="username" label="Username:" />
<select name="group_list" label="Group:">
<option value="group2">Friendly Two</option>
<option value="group1">group1</option>
</select>
</form></auth>
</config-auth>)";

// Content-Length 310.
inline constexpr std::string_view kOcservPasswordForm =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your password.</message>
<form method="post" action="/auth">
<input type="password" name="password" label="Password:" />
</form></auth>
</config-auth>)";

// ref-oc901-ocserv116-wrongpass.log.
inline constexpr std::string_view kOcservRetryForm =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Login failed.
Please enter your password.</message>
<form method="post" action="/auth">
<input type="password" name="password" label="Password:" />
</form></auth>
</config-auth>)";

// oc901-ocserv116-full-trace.txt success, no profile; Content-Length 189.
inline constexpr std::string_view kOcservSuccess =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete">
<version who="sg">0.1(1)</version>
<auth id="success">
<title>SSL VPN Service</title></auth></config-auth>
)";

// ref-oc901-ocserv116-{psk,legacy,certauth,dtls12-profile}.log success with a profile.
inline constexpr std::string_view kOcservSuccessProfile =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete">
<version who="sg">0.1(1)</version>
<auth id="success">
<title>SSL VPN Service</title><banner>Doc banner</banner></auth>
<config client="vpn" type="private"><vpn-profile-manifest><vpn rev="1.0"><file type="profile" service-type="user"><uri>/profiles//tmp/ocdoc/profile.xml</uri><hash type="sha1">50A9BCCD6BAF75586A7E706C80E412219D29C57A</hash></file></vpn></vpn-profile-manifest>
</config></config-auth>
)";

// anyconnect.md §3.4, ASA style.
inline constexpr std::string_view kAsaAuthRequest =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<opaque is-for="sg">
<tunnel-group>TG-EMPLOYEES</tunnel-group>
<aggauth-handle>864640002</aggauth-handle>
<auth-method>multiple-cert</auth-method>
<auth-method>single-sign-on-v2</auth-method>
<group-alias>Employees</group-alias>
<config-hash>1619719004259</config-hash>
</opaque>
<auth id="main">
<title>Login</title>
<message>Please enter your username and password.</message>
<banner></banner>
<form>
<input type="text" name="username" label="Username:"></input>
<input type="password" name="password" label="Password:"></input>
<select name="group_list" label="GROUP:">
<option selected="true">Employees</option>
<option>Contractors</option>
</select>
</form>
</auth>
</config-auth>
)";

// anyconnect.md §3.7, ASA style.
inline constexpr std::string_view kAsaComplete =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<session-id>106496</session-id>
<session-token>61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C</session-token>
<auth id="success">
<banner>Authorised use only.</banner>
<message id="0" param1="" param2=""></message>
</auth>
<capabilities>
<crypto-supported>ssl-dhe</crypto-supported>
</capabilities>
<config client="vpn" type="private">
<vpn-base-config>
<base-package-uri>/CACHE/stc/1</base-package-uri>
<server-cert-hash>D27A5A0A2A917D7B2F3D121DE97B741483F98F2D</server-cert-hash>
</vpn-base-config>
<opaque is-for="vpn-client">
<vpn-client-pkg-version><pkgversion>4,10,05095</pkgversion></vpn-client-pkg-version>
<vpn-core-manifest>
<vpn rev="1.0">
<file version="4.10.05095" id="VPNCore" is_core="yes" type="msi" action="install" os="win:6.1.7601">
<uri>binaries/anyconnect-win-4.10.05095-core-vpn-webdeploy-k9.msi</uri>
<display-name>AnyConnect Secure Mobility Client</display-name>
</file>
</vpn>
</vpn-core-manifest>
</opaque>
<vpn-profile-manifest>
<vpn rev="1.0">
<file type="profile" service-type="user">
<uri>/CACHE/stc/profiles/employees.xml</uri>
<hash type="sha1">50A9BCCD6BAF75586A7E706C80E412219D29C57A</hash>
</file>
</vpn>
</vpn-profile-manifest>
</config>
</config-auth>
)";

// anyconnect.md §3.8, ASA terminal failure.
inline constexpr std::string_view kAsaFailure =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<error id="24" param1="" param2="">Authentication failed.</error>
</config-auth>
)";

// anyconnect.md §3.8, ASA retry with a parametrised error.
inline constexpr std::string_view kAsaRetry =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<auth id="main">
<error id="88" param1="Invalid credentials" param2="">Login failed: %s</error>
<form>
<input type="text" name="username" label="Username:"></input>
<input type="password" name="password" label="Password:"></input>
</form>
</auth>
</config-auth>
)";

// anyconnect.md §3.11, the classic unwrapped ASA document.
inline constexpr std::string_view kLegacyAsaAuth =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<auth id="main">
<title>SSL VPN Service</title>
<banner></banner>
<message>Please enter your username and password.</message>
<form method="post" action="/+webvpn+/index.html">
<input type="text" name="username" label="Username:" />
<input type="password" name="password" label="Password:" />
<select name="group_list" label="GROUP:">
<option value="Employees" selected="true">Employees</option>
</select>
<input type="submit" name="Login" value="Login" />
<input type="reset" name="Clear" value="Clear" />
</form>
</auth>
)";

}  // namespace sekisho::proto::auth::testdata
