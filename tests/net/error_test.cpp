// Tests of src/net/error.hpp and the host error table (src/net/error.cpp).
#include "net/error.hpp"

#include "net/asio_glue.hpp"

#include "printers.hpp"

#include <gtest/gtest.h>

namespace wskemu::net {
namespace {

TEST(error, HostCodesMapThroughTheTable) {
    namespace ae = asio::error;
    EXPECT_EQ(from_error_code({}), error::none);
    EXPECT_EQ(from_error_code(ae::eof), error::end_of_stream);
    EXPECT_EQ(from_error_code(ae::operation_aborted), error::cancelled);
    EXPECT_EQ(from_error_code(ae::connection_refused), error::connection_refused);
    EXPECT_EQ(from_error_code(ae::connection_reset), error::connection_reset);
    EXPECT_EQ(from_error_code(ae::broken_pipe), error::connection_reset);
    EXPECT_EQ(from_error_code(ae::connection_aborted), error::connection_aborted);
    EXPECT_EQ(from_error_code(ae::timed_out), error::timed_out);
    EXPECT_EQ(from_error_code(ae::network_unreachable), error::network_unreachable);
    EXPECT_EQ(from_error_code(ae::host_unreachable), error::host_unreachable);
    EXPECT_EQ(from_error_code(ae::address_in_use), error::address_in_use);
    EXPECT_EQ(from_error_code(ae::no_buffer_space), error::no_buffers);
    EXPECT_EQ(from_error_code(ae::access_denied), error::access_denied);
    EXPECT_EQ(from_error_code(ae::operation_not_supported), error::not_supported);
    EXPECT_EQ(from_error_code(ae::invalid_argument), error::invalid_argument);
    EXPECT_EQ(from_error_code(ae::not_connected), error::not_connected);
    EXPECT_EQ(from_error_code(ae::already_connected), error::already_connected);
    EXPECT_EQ(from_error_code(ae::shut_down), error::shut_down);
    EXPECT_EQ(from_error_code(ae::message_size), error::message_too_long);
    EXPECT_EQ(from_error_code(ae::would_block), error::would_block);
#if defined(_WIN32)
    boost::system::error_code not_available(WSAEADDRNOTAVAIL, boost::system::system_category());
#else
    boost::system::error_code not_available(EADDRNOTAVAIL, boost::system::system_category());
#endif
    EXPECT_EQ(from_error_code(not_available), error::address_not_available);
}

TEST(error, UnmappedCodesBecomeOther) {
    boost::system::error_code odd(123456, boost::system::system_category());
    EXPECT_EQ(from_error_code(odd), error::other);
    EXPECT_EQ(from_error_code(odd), error::other);  // logged once only (see stderr)
    EXPECT_EQ(from_error_code(asio::error::host_not_found), error::other);
}

TEST(error, DescribeNamesEveryValue) {
    EXPECT_EQ(describe(error::none), "none");
    EXPECT_EQ(describe(error::connection_reset), "connection_reset");
    EXPECT_EQ(describe(error::end_of_stream), "end_of_stream");
    for (int v = static_cast<int>(error::none); v <= static_cast<int>(error::other); ++v) {
        EXPECT_NE(describe(static_cast<error>(v)), "unknown") << v;
    }
    EXPECT_EQ(describe(static_cast<error>(999)), "unknown");
}

}  // namespace
}  // namespace wskemu::net
