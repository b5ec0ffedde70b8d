// wskemu tests: sending IOCTLs to test drivers through the device API.
#pragma once

#include <gtest/gtest.h>

#include <wskemu/device.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wskemu::test {

/// The bytes of @p text, as an IOCTL input.
inline std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

/// How an IOCTL ended and the whole output buffer afterwards.
struct ioctl_reply {
    io_result result;
    std::string output;
};

/// Sends @p code with @p input and an output buffer of @p output_size bytes,
/// each set to @p fill beforehand, so that a test sees which bytes changed.
inline ioctl_reply ioctl(const device_handle& device, std::uint32_t code, std::string_view input,
                         std::size_t output_size, char fill = '\xAA',
                         std::optional<std::chrono::milliseconds> cancel_after = std::nullopt) {
    ioctl_reply reply{{}, std::string(output_size, fill)};
    reply.result = device_io_control(device, code, bytes_of(input),
                                     std::as_writable_bytes(std::span(reply.output.data(), reply.output.size())),
                                     cancel_after);
    return reply;
}

/// A METHOD_BUFFERED query returning a T; fails the test unless it succeeds
/// with exactly sizeof(T) bytes.
template <typename T>
T query(const device_handle& device, std::uint32_t code) {
    T value{};
    const auto result = device_io_control(device, code, {}, std::as_writable_bytes(std::span(&value, 1)));
    EXPECT_EQ(result.status, 0) << "query " << code;
    EXPECT_EQ(result.information, sizeof(T)) << "query " << code;
    return value;
}

}  // namespace wskemu::test
