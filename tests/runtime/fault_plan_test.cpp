// Fault rules and fault text (include/wskemu/fault_plan.hpp): the builders,
// the text form both ways, and the errors of malformed text.
#include <gtest/gtest.h>

#include <ntstatus.h>

#include <wskemu/fault_plan.hpp>
#include <wskemu/policy.hpp>

namespace {

using namespace std::chrono_literals;
namespace fault = wskemu::fault;
using wskemu::allocation_kind;
using wskemu::fault_kind;
using wskemu::operation;

TEST(FaultRule, BuildersRefineCopies) {
    const auto base = fault::fail(operation::send);
    EXPECT_EQ(base.first, 1u);
    EXPECT_EQ(base.count, 1u);
    EXPECT_EQ(base.status, STATUS_UNSUCCESSFUL);
    const auto refined = base.nth(3).times(2).with(STATUS_CONNECTION_RESET).at_completion();
    EXPECT_EQ(refined.first, 3u);
    EXPECT_EQ(refined.count, 2u);
    EXPECT_EQ(refined.status, STATUS_CONNECTION_RESET);
    EXPECT_EQ(refined.timing, wskemu::fault_timing::at_completion);
    EXPECT_EQ(base.first, 1u) << "the original is unchanged";
    EXPECT_EQ(fault::fail(operation::send).every().count, 0u);
    EXPECT_EQ(fault::fail(operation::send).from(4).first, 4u);
    EXPECT_EQ(fault::fail(operation::send).from(4).count, 0u);
    const auto refused = fault::refuse_connections();
    EXPECT_EQ(refused.op, operation::connect);
    EXPECT_EQ(refused.status, STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(refused.count, 0u);
}

TEST(FaultText, EveryRuleKindRoundTrips) {
    const wskemu::fault_plan plan{
        fault::fail(operation::send).nth(2).with(STATUS_CONNECTION_RESET).at_completion(),
        fault::fail(operation::connect).every().with(STATUS_CONNECTION_REFUSED),
        fault::fail(operation::receive).nth(2).times(3).with(STATUS_NETWORK_BUSY),
        fault::fail(operation::get_address_info).from(5).with(static_cast<std::int32_t>(0xC0001234)),
        fault::fail_allocation(allocation_kind::irp).nth(2),
        fault::fail_allocation(allocation_kind::pool).every(),
        fault::peer_reset_after_sent(3000),
        fault::peer_reset_after_received(10),
        fault::peer_close_after_received(20),
        fault::stall_sends(),
        fault::stall_sends(250ms),
        fault::delay(operation::receive, 20ms),
        fault::provider_unavailable(2000ms),
        fault::null_indication(operation::accept_event).nth(3),
        fault::short_receives(7),
    };
    const std::string text = plan.to_string();
    const auto parsed = wskemu::parse_fault_plan(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error << "\n" << text;
    EXPECT_EQ(parsed.plan.to_string(), text);
    ASSERT_EQ(parsed.plan.rules().size(), plan.rules().size());
    EXPECT_EQ(parsed.plan.rules()[3].status, static_cast<std::int32_t>(0xC0001234));
    EXPECT_EQ(parsed.plan.rules()[13].op, operation::accept_event);
}

TEST(FaultText, SeparatorsCommentsAliasesAndDefaults) {
    const auto parsed = wskemu::parse_fault_plan(
        "# a plan\nfail resolve STATUS_NO_MATCH ; fail control#* 0xC00000BB\n\n  fail_alloc mdl  # the first MDL\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    const auto& rules = parsed.plan.rules();
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].op, operation::get_address_info);
    EXPECT_EQ(rules[0].status, STATUS_NO_MATCH);
    EXPECT_EQ(rules[0].first, 1u);
    EXPECT_EQ(rules[0].count, 1u);
    EXPECT_EQ(rules[1].op, operation::control_socket);
    EXPECT_EQ(rules[1].status, STATUS_NOT_SUPPORTED);
    EXPECT_EQ(rules[1].count, 0u);
    EXPECT_EQ(rules[2].kind, fault_kind::fail_allocation);
    EXPECT_EQ(rules[2].allocation, allocation_kind::mdl);
}

TEST(FaultText, MalformedTextIsRejectedWithTheRuleAndTheReason) {
    struct bad {
        const char* text;
        const char* reason;
    };
    for (const bad& b : {bad{"explode", "unknown rule"}, bad{"fail sned STATUS_SUCCESS", "unknown call"},
                         bad{"fail send STATUS_NOPE", "unknown status"}, bad{"fail send#0 STATUS_SUCCESS", "bad count"},
                         bad{"fail send#3..1 STATUS_SUCCESS", "bad count"}, bad{"fail_alloc disk", "unknown allocation"},
                         bad{"delay send soon", "bad duration"}, bad{"stall_sends 1h", "bad duration"},
                         bad{"null_indication send", "null_indication takes"},
                         bad{"fail send STATUS_SUCCESS later", "expected 'at_completion'"},
                         bad{"short_receives", "takes 1 argument"}}) {
        const auto parsed = wskemu::parse_fault_plan(std::string("short_receives 1\n") + b.text);
        EXPECT_FALSE(parsed.ok()) << b.text;
        EXPECT_NE(parsed.error.find("rule 2"), std::string::npos) << parsed.error;
        EXPECT_NE(parsed.error.find(b.reason), std::string::npos) << parsed.error;
        EXPECT_TRUE(parsed.plan.empty());
    }
}

TEST(Names, OperationsPoliciesAndAllocationKindsRoundTrip) {
    for (std::size_t i = 0; i < wskemu::operation_count; ++i) {
        const auto op = static_cast<operation>(i);
        EXPECT_EQ(wskemu::parse_operation(wskemu::operation_name(op)), op);
    }
    for (auto policy : {wskemu::completion_policy::natural, wskemu::completion_policy::always_pending,
                        wskemu::completion_policy::inline_when_possible, wskemu::completion_policy::random,
                        wskemu::completion_policy::hold}) {
        EXPECT_EQ(wskemu::parse_policy(wskemu::policy_name(policy)), policy);
    }
    EXPECT_EQ(wskemu::parse_policy("always_pending"), wskemu::completion_policy::always_pending);
    EXPECT_FALSE(wskemu::parse_policy("sometimes").has_value());
    for (auto kind : {allocation_kind::irp, allocation_kind::mdl, allocation_kind::pool}) {
        EXPECT_EQ(wskemu::parse_allocation_kind(wskemu::allocation_kind_name(kind)), kind);
    }
    EXPECT_TRUE(wskemu::is_event(operation::receive_event));
    EXPECT_FALSE(wskemu::is_event(operation::receive));
}

}  // namespace
