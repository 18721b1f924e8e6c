#pragma once
// Socket buffer sizing for the DTLS data path. A VPN's UDP socket receives bursts of a whole
// TCP window at once; with Linux's default 208 KiB receive buffer the kernel drops datagrams
// (measured: 60 996 RcvbufErrors in 6 s at ~800 Mbit/s), which the tunnelled TCP then sees as
// loss and backs off.

namespace sekisho::net {

// Default size used by the DTLS sockets of both ends.
inline constexpr int kDtlsSocketBuffer = 8 * 1024 * 1024;

// Sets SO_RCVBUF and SO_SNDBUF of `fd` to `bytes`, beyond net.core.rmem_max/wmem_max when the
// process may (SO_RCVBUFFORCE/SO_SNDBUFFORCE need CAP_NET_ADMIN, which the VPN needs anyway).
// Best effort: a refused size leaves the kernel's default, so nothing is returned.
void EnlargeSocketBuffers(int fd, int bytes);

}  // namespace sekisho::net
