#pragma once
// Byte-span vocabulary and bounds-checked big-endian readers and writers for wire codecs
// (quiche octets, leveldb coding.h). Readers never read past the end: every Read* returns
// false and leaves the reader unchanged when too few bytes remain.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  ByteSpan rest() const { return data_.subspan(pos_); }

  bool ReadU8(std::uint8_t& out);
  bool ReadU16(std::uint16_t& out);
  bool ReadU24(std::uint32_t& out);
  bool ReadU32(std::uint32_t& out);
  bool ReadBytes(std::size_t n, ByteSpan& out);
  bool Skip(std::size_t n);

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
};

// Writes into a caller-provided buffer; a write that does not fit sets overflow() and writes
// nothing, so a codec can build into a fixed buffer and check once at the end.
class ByteWriter {
 public:
  explicit ByteWriter(MutableByteSpan out) : out_(out) {}

  std::size_t size() const { return pos_; }
  bool overflow() const { return overflow_; }
  ByteSpan written() const { return ByteSpan(out_.data(), pos_); }

  void WriteU8(std::uint8_t v);
  void WriteU16(std::uint16_t v);
  void WriteU32(std::uint32_t v);
  void WriteBytes(ByteSpan b);

 private:
  bool Reserve(std::size_t n);
  MutableByteSpan out_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

inline void StoreU16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline std::uint16_t LoadU16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Constant-time comparison for secrets (cookies, MACs).
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

}  // namespace sekisho
