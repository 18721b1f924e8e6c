#pragma once
// Size limits for the HTTP readers. Every byte they buffer is bounded by these, so a peer
// cannot make a reader grow without bound.

#include <cstddef>

namespace sekisho::proto::http {

struct Limits {
  // Request/status line plus all header fields. 8 KiB holds the largest real head we know
  // (openconnect's CONNECT with STRAP keys and DTLS cipher lists is about 1.3 KiB).
  std::size_t max_header_bytes = 8192;
  // Decoded body (after de-chunking). Auth XML bodies are a few KiB.
  std::size_t max_body_bytes = 65536;
};

}  // namespace sekisho::proto::http
