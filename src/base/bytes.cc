#include "base/bytes.h"

#include <cstring>

namespace sekisho {

bool ByteReader::ReadU8(std::uint8_t& out) {
  if (remaining() < 1) {
    return false;
  }
  out = data_[pos_++];
  return true;
}

bool ByteReader::ReadU16(std::uint16_t& out) {
  if (remaining() < 2) {
    return false;
  }
  out = LoadU16(&data_[pos_]);
  pos_ += 2;
  return true;
}

bool ByteReader::ReadU24(std::uint32_t& out) {
  if (remaining() < 3) {
    return false;
  }
  out =
      (std::uint32_t{data_[pos_]} << 16) | (std::uint32_t{data_[pos_ + 1]} << 8) | data_[pos_ + 2];
  pos_ += 3;
  return true;
}

bool ByteReader::ReadU32(std::uint32_t& out) {
  if (remaining() < 4) {
    return false;
  }
  out = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
        (std::uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
  pos_ += 4;
  return true;
}

bool ByteReader::ReadBytes(std::size_t n, ByteSpan& out) {
  if (remaining() < n) {
    return false;
  }
  out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::Skip(std::size_t n) {
  if (remaining() < n) {
    return false;
  }
  pos_ += n;
  return true;
}

bool ByteWriter::Reserve(std::size_t n) {
  if (overflow_ || out_.size() - pos_ < n) {
    overflow_ = true;
    return false;
  }
  return true;
}

void ByteWriter::WriteU8(std::uint8_t v) {
  if (Reserve(1)) {
    out_[pos_++] = v;
  }
}

void ByteWriter::WriteU16(std::uint16_t v) {
  if (Reserve(2)) {
    StoreU16(&out_[pos_], v);
    pos_ += 2;
  }
}

void ByteWriter::WriteU32(std::uint32_t v) {
  if (Reserve(4)) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out_[pos_++] = static_cast<std::uint8_t>(v >> shift);
    }
  }
}

void ByteWriter::WriteBytes(ByteSpan b) {
  if (!b.empty() && Reserve(b.size())) {
    std::memcpy(&out_[pos_], b.data(), b.size());
    pos_ += b.size();
  }
}

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) {
    return false;
  }
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

}  // namespace sekisho
