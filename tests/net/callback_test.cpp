// Tests of src/net/callback.hpp: inline and heap storage, moves, exactly one destruction.
#include "net/callback.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace wskemu::net {
namespace {

// Counts live copies of itself.
struct tracked {
    int* live;
    explicit tracked(int* l) : live(l) { ++*live; }
    tracked(const tracked& o) : live(o.live) { ++*live; }
    tracked(tracked&& o) noexcept : live(o.live) { ++*live; }
    ~tracked() { --*live; }
};

TEST(callback, SmallCallableIsCalledMovedAndDestroyedOnce) {
    int live = 0;
    int calls = 0;
    {
        callback<int(int)> a = [t = tracked(&live), &calls](int x) {
            ++calls;
            return x + 1;
        };
        EXPECT_EQ(live, 1);
        callback<int(int)> b = std::move(a);
        EXPECT_FALSE(a);
        EXPECT_TRUE(b);
        EXPECT_EQ(live, 1);
        EXPECT_EQ(b(41), 42);
        EXPECT_EQ(calls, 1);
        a = std::move(b);
        EXPECT_EQ(a(1), 2);
        EXPECT_EQ(live, 1);
    }
    EXPECT_EQ(live, 0);
}

TEST(callback, LargeCallableGoesToTheHeapAndStillWorks) {
    int live = 0;
    std::array<char, 200> big{};
    big[199] = 7;
    {
        callback<int()> a = [t = tracked(&live), big] { return big[199]; };
        callback<int()> b = std::move(a);
        EXPECT_EQ(b(), 7);
        EXPECT_EQ(live, 1);
        b.reset();
        EXPECT_EQ(live, 0);
        EXPECT_FALSE(b);
    }
    EXPECT_EQ(live, 0);
}

TEST(callback, HoldsMoveOnlyCaptures) {
    auto p = std::make_unique<int>(5);
    callback<int()> a = [p = std::move(p)] { return *p; };
    callback<int()> b = std::move(a);
    EXPECT_EQ(b(), 5);
}

}  // namespace
}  // namespace wskemu::net
