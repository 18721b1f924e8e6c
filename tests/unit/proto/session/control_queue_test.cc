#include "proto/session/control_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace sekisho::proto::session {
namespace {

using cstp::PacketType;

TEST(ControlQueueTest, KeepsOrderAndPayloads) {
  ControlQueue q;
  EXPECT_TRUE(q.empty());
  const std::vector<std::uint8_t> echo = {1, 2, 3};
  ASSERT_TRUE(q.Push(PacketType::kDpdRequest, {}));
  ASSERT_TRUE(q.Push(PacketType::kDpdResponse, echo));
  EXPECT_EQ(q.Front().type, PacketType::kDpdRequest);
  EXPECT_TRUE(q.Front().payload.empty());
  q.Pop();
  EXPECT_EQ(q.Front().type, PacketType::kDpdResponse);
  EXPECT_EQ(std::vector<std::uint8_t>(q.Front().payload.begin(), q.Front().payload.end()), echo);
  q.Pop();
  EXPECT_TRUE(q.empty());
}

TEST(ControlQueueTest, FullQueueDropsInsteadOfGrowing) {
  ControlQueue q;
  for (std::size_t i = 0; i < ControlQueue::kMaxEntries; ++i) {
    ASSERT_TRUE(q.Push(PacketType::kKeepalive, {}));
  }
  EXPECT_FALSE(q.Push(PacketType::kKeepalive, {}));
  q.Clear();
  std::vector<std::uint8_t> big(cstp::kMaxPayload, 0xAB);
  EXPECT_TRUE(q.Push(PacketType::kDpdResponse, big));
  EXPECT_TRUE(q.Push(PacketType::kDpdResponse, big));
  EXPECT_FALSE(q.Push(PacketType::kDpdResponse, std::vector<std::uint8_t>(1)));
  q.Pop();
  q.Pop();  // drained: the arena starts over
  EXPECT_TRUE(q.Push(PacketType::kDpdResponse, big));
}

}  // namespace
}  // namespace sekisho::proto::session
