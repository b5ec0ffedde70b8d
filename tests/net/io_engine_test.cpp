// Tests of src/net/io_engine.hpp: threaded and manual (deterministic) modes.
#include "net/io_engine.hpp"

#include "net/tcp_socket.hpp"
#include "peer.hpp"

#include <gtest/gtest.h>

namespace wskemu::net::test {
namespace {

// Puts the process-wide engine in manual mode for one test, then restores it.
class manual_engine_test : public ::testing::Test {
protected:
    void SetUp() override {
        previous_threads_ = engine().thread_count();
        engine().configure_manual();
    }
    void TearDown() override {
        engine().poll();  // run what the test left ready (e.g. close completions)
        if (previous_threads_ > 0) {
            engine().configure_threaded(previous_threads_);
        }
    }
    static io_engine& engine() { return io_engine::instance(); }

private:
    unsigned previous_threads_ = 0;
};

TEST(io_engine, ProcessEngineStartsThreadedByDefault) {
    io_engine& e = io_engine::instance();
    if (std::getenv("WSKEMU_NET_THREADS") != nullptr) {
        GTEST_SKIP() << "WSKEMU_NET_THREADS overrides the default";
    }
    EXPECT_EQ(e.mode(), engine_mode::threaded);
    EXPECT_EQ(e.thread_count(), io_engine::default_thread_count());
    EXPECT_GE(io_engine::default_thread_count(), 1u);
    EXPECT_LE(io_engine::default_thread_count(), 2u);
}

TEST(io_engine, PostRunsOnAWorkerNeverInline) {
    io_engine e;
    e.configure_threaded(3);
    EXPECT_EQ(e.thread_count(), 3u);
    EXPECT_FALSE(e.running_on_worker());
    auto c = make_completion();
    std::atomic<bool> on_worker{false};
    e.post([&, c] {
        on_worker = e.running_on_worker();
        c->record(error::none, 0);
    });
    ASSERT_TRUE(c->wait());
    EXPECT_TRUE(on_worker.load());
    EXPECT_NE(c->thread, std::this_thread::get_id());
}

TEST(io_engine, ManualModeRunsNothingUntilPolled) {
    io_engine e;  // starts in manual mode
    EXPECT_EQ(e.mode(), engine_mode::manual);
    EXPECT_EQ(e.thread_count(), 0u);
    int runs = 0;
    e.post([&] { ++runs; });
    e.post([&] { ++runs; });
    EXPECT_EQ(runs, 0);
    EXPECT_EQ(e.poll(), 2u);
    EXPECT_EQ(runs, 2);
    EXPECT_EQ(e.poll(), 0u);
    // Nothing ready: run_one_for waits its time and returns 0 (a short wait by design).
    EXPECT_EQ(e.run_one_for(std::chrono::milliseconds(1)), 0u);
}

TEST(io_engine, SwitchingModesKeepsPostedWork) {
    io_engine e;
    std::atomic<int> runs{0};
    e.post([&] { ++runs; });
    e.configure_threaded(1);
    auto c = make_completion();
    e.post([c] { c->record(error::none, 0); });
    ASSERT_TRUE(c->wait());
    EXPECT_EQ(runs.load(), 1);
    e.configure_manual();
    e.post([&] { ++runs; });
    EXPECT_EQ(e.poll(), 1u);
    EXPECT_EQ(runs.load(), 2);
}

TEST_F(manual_engine_test, SocketCompletionsRunOnlyOnThePollingThread) {
    peer p(address_family::ipv4, peer::behaviour::echo);
    tcp_socket s;
    ASSERT_EQ(s.open(address_family::ipv4), error::none);
    auto connected = make_completion();
    s.async_connect(p.local(), connected->status());
    EXPECT_EQ(connected->count(), 0);
    ASSERT_TRUE(engine().run_until([&] { return connected->count() > 0; }, wait_timeout));
    EXPECT_EQ(connected->err, error::none);
    EXPECT_EQ(connected->thread, std::this_thread::get_id());

    auto data = pattern(5000);
    const_buffer out{data.data(), data.size()};
    std::vector<std::uint8_t> got(data.size());
    mutable_buffer in{got.data(), got.size()};
    auto sent = make_completion();
    auto received = make_completion();
    s.async_send_all({&out, 1}, sent->transfer());
    s.async_receive({&in, 1}, receive_mode::all, received->transfer());
    EXPECT_EQ(sent->count(), 0) << "never inside the initiating call";
    ASSERT_TRUE(engine().run_until([&] { return received->count() > 0; }, wait_timeout));
    EXPECT_EQ(sent->count(), 1);
    EXPECT_EQ(sent->bytes, data.size());
    EXPECT_EQ(received->err, error::none);
    EXPECT_EQ(received->thread, std::this_thread::get_id());
    EXPECT_EQ(got, data);

    // An error found at initiation is still delivered by the engine, not inline.
    s.close_graceful();
    auto late = make_completion();
    s.async_send_all({&out, 1}, late->transfer());
    EXPECT_EQ(late->count(), 0);
    engine().poll();
    EXPECT_EQ(late->count(), 1);
    EXPECT_EQ(late->err, error::not_connected);
}

}  // namespace
}  // namespace wskemu::net::test
