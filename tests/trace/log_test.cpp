// The logs at debug level (WSKEMU_LOG=debug, docs/testing.md): every WSK
// call with its socket and IRP, every completion with socket, IRP, status by
// name and byte count, inline and after STATUS_PENDING.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/runtime.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <fmt/format.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "kernel/log.hpp"

namespace {

using namespace wskemu::test;

// The logger at debug level writing only to a string, for the test's lifetime.
class debug_log {
public:
    debug_log() : logger_(wskemu::kernel::log()), level_(logger_.level()), sinks_(logger_.sinks()) {
        logger_.sinks() = {std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)};
        logger_.set_level(spdlog::level::debug);
    }
    ~debug_log() {
        logger_.set_level(level_);
        logger_.sinks() = sinks_;
    }
    debug_log(const debug_log&) = delete;
    debug_log& operator=(const debug_log&) = delete;

    std::string text() {
        logger_.flush();
        return text_.str();
    }

private:
    spdlog::logger& logger_;
    spdlog::level::level_enum level_;
    std::vector<spdlog::sink_ptr> sinks_;
    std::ostringstream text_;
};

class Logs : public connection_test {};

INSTANTIATE_TEST_SUITE_P(Families, Logs, ::testing::Values(address_family::ipv4, address_family::ipv6), family_name);

TEST_P(Logs, EveryCallAndCompletionNamesSocketIrpStatusAndBytes) {
    PWSK_SOCKET s = connected_socket();
    const std::string socket = fmt::format("{}", static_cast<const void*>(s));
    std::string logged;
    std::string send_irp, receive_irp;
    {
        debug_log log;
        mdl_buffer out(1000, 0x41);
        irp_call send_call;
        ASSERT_EQ(send_call.result(send(s, out.wsk_buf(), send_call)), STATUS_SUCCESS);
        send_irp = fmt::format("{}", static_cast<const void*>(send_call.irp));
        ASSERT_EQ(peer_->read(1000).size(), 1000u);

        mdl_buffer in(64);
        irp_call receive_call;
        const NTSTATUS returned = receive(s, in.wsk_buf(), receive_call);
        ASSERT_EQ(returned, STATUS_PENDING) << "nothing to read yet";
        const unsigned char bytes[7] = {1, 2, 3, 4, 5, 6, 7};
        ASSERT_TRUE(peer_->send(bytes, sizeof bytes));
        ASSERT_EQ(receive_call.result(returned), STATUS_SUCCESS);
        receive_irp = fmt::format("{}", static_cast<const void*>(receive_call.irp));
        logged = log.text();
    }
    const auto has = [&](const std::string& line) {
        EXPECT_NE(logged.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << logged;
    };
    has(fmt::format("WskSend: socket {}, IRP {}", socket, send_irp));
    has(fmt::format("send completes inline: socket {}, IRP {}, STATUS_SUCCESS (0x00000000), Information 1000", socket,
                    send_irp));
    has(fmt::format("WskReceive: socket {}, IRP {}", socket, receive_irp));
    has(fmt::format("receive completes after STATUS_PENDING: socket {}, IRP {}, STATUS_SUCCESS (0x00000000), "
                    "Information 7",
                    socket, receive_irp));
}

}  // namespace
