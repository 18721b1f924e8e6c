#pragma once
// UDP payloads (42-byte Ethernet/IPv4/UDP headers stripped) from the live captures
// the shared traces protocol/traces/ref-udp-psk-handshake.hex and ref-udp-dtls09-handshake.hex
// (anyconnect.md Appendix B), as hex.

namespace sekisho::proto::dtls::testdata {

// openconnect 9.01 PSK-NEGOTIATE ClientHello, 168 bytes; session_id = X-DTLS-App-ID.
constexpr const char* kPskClientHello =
    "16feff0000000000000000009b0100008f000000000000008ffefde060c56f7522af99a1811b4d4d03c6634d"
    "825bebc7e6306d50650cbbb9953ebe20ea9cd3a2d42d6c81068fc11e46820c949f5b173ca2f8423772c235dd"
    "d1fef14600001000a9ccabc0a5008d00a8c0a4008c00ae01000035000d002200200401080908040403080705"
    "01080a0805050308080601080b080606030201020300230000ff01000100001c00024000";

// ocserv ServerHello answering it, 108 bytes.
constexpr const char* kPskServerHello =
    "16fefd0000000000000000005f020000530000000000000053fefde12f061491490a63d25f6bedfd9f4b333b"
    "04920a1300efaf5f38b66d97e9dc0920a2547d8664262929f05de2bf13e53b3fc2f24cec7342a971045f9817"
    "760548eb00a900000bff01000100001c00024000";

// openconnect Cisco DTLS 0.9 resumption ClientHello, 116 bytes; session_id = X-DTLS-Session-ID.
constexpr const char* kDtls09ClientHello =
    "160100000000000000000000670100005b000000000000005b01006227d5113a54ccef225025e39607968252"
    "30c85f7f04a24fe9f9e36cf2ab15be20c9df19e11684645601cad254b2e17822786a1ecbee0552c5dd0e5ed9"
    "18a3ec1d000002002f0100000f00230000ff01000100001c00024000";

// ocserv ChangeCipherSpec, 16 bytes.
constexpr const char* kDtls09ChangeCipherSpec = "14010000000000000000010003010001";

}  // namespace sekisho::proto::dtls::testdata
