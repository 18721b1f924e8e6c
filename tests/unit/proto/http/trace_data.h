#pragma once
// HTTP heads taken from the live captures in the shared traces (protocol/traces/)
// (oc901-ocserv116-full-trace.txt, anyconnect.md §2.3, §5.1, §6.1), with CRLF line ends.

#include <string>

namespace sekisho::proto::http::testdata {

// openconnect 9.01-3 CONNECT (oc901-ocserv116-full-trace.txt, 31.478).
inline const std::string kConnectRequest =
    "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
    "Host: 198.18.0.1:4443\r\n"
    "User-Agent: Open AnyConnect VPN Agent v9.01-3\r\n"
    "Cookie: webvpn=AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=\r\n"
    "X-CSTP-Version: 1\r\n"
    "X-CSTP-Hostname: vm\r\n"
    "X-AnyConnect-STRAP-Verify: "
    "MEUCIHQDVvE2Ca+Bf849FPUqAJ+JkQg9yNclJLImNSJut1wqAiEA361UhFVbOZFpKcgS4wocKpyOZQMQYct4CCH/"
    "19ZxLI4=\r\n"
    "X-AnyConnect-STRAP-Pubkey: "
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQJxiXBOsZf5KAu6Fn6QSFy3Dp/UY4oNEXHO//"
    "GvGy7PmOv5YyUeeMoKUOzDcenKMtufV/"
    "VMKQGG3fNwgd8m+fg==\r\n"
    "X-CSTP-Accept-Encoding: oc-lz4,lzs\r\n"
    "X-CSTP-Base-MTU: 1500\r\n"
    "X-CSTP-MTU: 1390\r\n"
    "X-CSTP-Address-Type: IPv6,IPv4\r\n"
    "X-CSTP-Full-IPv6-Capability: true\r\n"
    "X-DTLS-Master-Secret: "
    "CD07645907FC4F0DC47337F6F8B30AC1A9D986A17C0C2B0025B3E1BCD9BA5B57A5C41E2F1A47861AD38D6445DEF1C5"
    "87"
    "\r\n"
    "X-DTLS-CipherSuite: "
    "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:OC-DTLS1_2-AES128-GCM:DHE-"
    "RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA\r\n"
    "X-DTLS12-CipherSuite: "
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256:"
    "DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA\r\n"
    "X-DTLS-Accept-Encoding: oc-lz4,lzs\r\n"
    "\r\n";

// openconnect's first XML POST head (29.009); the body follows separately.
inline const std::string kInitPostHead =
    "POST / HTTP/1.1\r\n"
    "Host: 198.18.0.1:4443\r\n"
    "User-Agent: Open AnyConnect VPN Agent v9.01-3\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: identity\r\n"
    "X-Transcend-Version: 1\r\n"
    "X-Aggregate-Auth: 1\r\n"
    "X-Support-HTTP-Auth: true\r\n"
    "X-Pad: 00000000000000\r\n"
    "Content-Type: application/xml; charset=utf-8\r\n";

inline const std::string kInitBody =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\"><version "
    "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><group-access>https://"
    "198.18.0.1:4443/</group-access></config-auth>";

// openconnect legacy mode GET: body headers with an empty body (anyconnect.md §2.2).
inline const std::string kLegacyGet =
    "GET / HTTP/1.1\r\n"
    "Host: vpn.example.com\r\n"
    "User-Agent: Open AnyConnect VPN Agent v9.01-3\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: identity\r\n"
    "X-Transcend-Version: 1\r\n"
    "X-Pad: 0000000000000000000000000000000000000000000000000000000000000000\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// ocserv 1.1.6 success response head (31.205); Content-Length appended by the test.
inline const std::string kAuthCompleteHead =
    "HTTP/1.1 200 OK\r\n"
    "Connection: Keep-Alive\r\n"
    "Content-Type: text/xml\r\n";
inline const std::string kAuthCompleteCookies =
    "X-Transcend-Version: 1\r\n"
    "Set-Cookie: webvpncontext=AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=; Secure; HttpOnly\r\n"
    "Set-Cookie: webvpn=AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=; Secure; HttpOnly\r\n"
    "Set-Cookie: webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly\r\n"
    "Set-Cookie: webvpnc=bu:/&p:t&iu:1/&sh:6B735C839F0F132AF1D7B2EEF963A9DF1D025ECD; path=/; "
    "Secure; HttpOnly\r\n";
inline const std::string kAuthCompleteBody =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<config-auth client=\"vpn\" type=\"complete\">\n"
    "<version who=\"sg\">0.1(1)</version>\n"
    "<auth id=\"success\">\n"
    "<title>SSL VPN Service</title></auth></config-auth>\n";

// ocserv 1.1.6 CONNECT response, PSK mode (anyconnect.md §6.1).
inline const std::string kConnectResponse =
    "HTTP/1.1 200 CONNECTED\r\n"
    "X-CSTP-Version: 1\r\n"
    "X-CSTP-Server-Name: ocserv 1.1.6\r\n"
    "X-CSTP-Hostname: vm\r\n"
    "X-CSTP-DPD: 90\r\n"
    "X-CSTP-Default-Domain: example.com\r\n"
    "X-CSTP-Address: 198.18.10.190\r\n"
    "X-CSTP-Netmask: 255.255.255.0\r\n"
    "X-CSTP-DNS: 198.18.10.1\r\n"
    "X-CSTP-Split-DNS: example.com\r\n"
    "X-CSTP-Split-Include: 198.18.20.0/255.255.255.0\r\n"
    "X-CSTP-Tunnel-All-DNS: false\r\n"
    "X-CSTP-Client-Bypass-Protocol: false\r\n"
    "X-CSTP-Split-Exclude: 198.18.20.128/255.255.255.128\r\n"
    "X-CSTP-Keepalive: 32400\r\n"
    "X-CSTP-Idle-Timeout: 1200\r\n"
    "X-CSTP-Smartcard-Removal-Disconnect: true\r\n"
    "X-CSTP-Rekey-Time: 172829\r\n"
    "X-CSTP-Rekey-Method: ssl\r\n"
    "X-CSTP-Session-Timeout: 86400\r\n"
    "X-CSTP-Session-Timeout-Remaining: 86400\r\n"
    "X-CSTP-Disconnected-Timeout: none\r\n"
    "X-CSTP-Keep: true\r\n"
    "X-CSTP-TCP-Keepalive: true\r\n"
    "X-CSTP-License: accept\r\n"
    "X-DTLS-DPD: 90\r\n"
    "X-DTLS-Port: 4443\r\n"
    "X-DTLS-Rekey-Time: 172839\r\n"
    "X-DTLS-Rekey-Method: ssl\r\n"
    "X-DTLS-Keepalive: 32400\r\n"
    "X-DTLS-App-ID: 4d09e16119b4b87765866be7ad17d249cbb6207ff6b32ffac614ddf2902c99ae\r\n"
    "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n"
    "X-CSTP-Base-MTU: 1500\r\n"
    "X-CSTP-MTU: 1434\r\n"
    "X-CSTP-Banner: Doc banner\r\n"
    "X-DTLS-Content-Encoding: oc-lz4\r\n"
    "X-CSTP-Content-Encoding: oc-lz4\r\n"
    "\r\n";

// First CSTP frame after the CONNECT head: a DPD request.
inline const std::string kFirstFrame = std::string("STF\x01\x00\x00\x03\x00", 8);

}  // namespace sekisho::proto::http::testdata
