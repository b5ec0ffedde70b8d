// Tests of the host program's command line (emu/command_line.cpp): every
// option, what it sets, and the reasons given for bad ones.
#include "command_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wskemu::host::command;
using wskemu::host::parse_command_line;

using environment = std::vector<std::pair<std::string, std::string>>;

wskemu::host::options parse_ok(const std::vector<std::string>& arguments) {
    const auto parsed = parse_command_line(arguments);
    EXPECT_EQ(parsed.error, "");
    return parsed.value;
}

std::string parse_error(const std::vector<std::string>& arguments) { return parse_command_line(arguments).error; }

TEST(HostCommandLine, RunTakesTheModuleAndNamesTheServiceAfterIt) {
    const auto o = parse_ok({"run", "build/drivers/echo.so"});
    EXPECT_EQ(o.what, command::run);
    EXPECT_EQ(o.driver_path, "build/drivers/echo.so");
    EXPECT_EQ(o.service_name, "echo");
    EXPECT_FALSE(o.run_for);
    EXPECT_TRUE(o.ioctls.empty());
    EXPECT_TRUE(o.environment.empty());
    EXPECT_EQ(parse_ok({"run", "echo.dll", "--name", "EchoSvc"}).service_name, "EchoSvc");
}

TEST(HostCommandLine, TestControlOptionsSetTheirVariablesInOrder) {
    const auto o = parse_ok({"run", "d.so", "--log", "debug", "--policy", "send=pending,receive=inline", "--seed",
                             "0x2A", "--deterministic", "--faults", WSKEMU_TEST_DATA, "--verifier=fail", "--trace",
                             "t.json", "--pcap", "c.pcap"});
    EXPECT_EQ(o.environment, (environment{{"WSKEMU_LOG", "debug"},
                                          {"WSKEMU_POLICY", "send=pending,receive=inline"},
                                          {"WSKEMU_SEED", "0x2A"},
                                          {"WSKEMU_DETERMINISTIC", "1"},
                                          {"WSKEMU_FAULTS_FILE", WSKEMU_TEST_DATA},
                                          {"WSKEMU_VERIFIER", "fail"},
                                          {"WSKEMU_TRACE", "t.json"},
                                          {"WSKEMU_PCAP", "c.pcap"}}));
}

TEST(HostCommandLine, BadTestControlValuesAreRefusedWithTheReason) {
    EXPECT_EQ(parse_error({"run", "d.so", "--log", "loud"}),
              "--log loud: must be trace, debug, info, warn, error, critical or off");
    EXPECT_EQ(parse_error({"run", "d.so", "--seed", "-1"}),
              "--seed -1: must be an unsigned 64-bit number (decimal or 0x hex)");
    EXPECT_EQ(parse_error({"run", "d.so", "--verifier", "ignore"}), "--verifier ignore: must be report, fail or break");
    EXPECT_EQ(parse_error({"run", "d.so", "--faults", "/nowhere/faults.txt"}), "--faults /nowhere/faults.txt: no such file");
    EXPECT_EQ(parse_error({"run", "d.so", "--policy"}), "--policy needs a value");
    EXPECT_EQ(parse_error({"run", "d.so", "--deterministic=yes"}), "--deterministic takes no value");
}

TEST(HostCommandLine, PoliciesAreOneOrOnePerOperation) {
    using wskemu::host::check_policy;
    for (const char* good : {"natural", "pending", "inline", "random", "hold", "send=pending",
                             "pending,receive=inline", "send=hold,connect=random,accept=natural"}) {
        EXPECT_EQ(check_policy(good), "") << good;
    }
    EXPECT_EQ(check_policy(""), "must not be empty");
    EXPECT_EQ(check_policy("later"), "'later' is not natural, pending, inline, random or hold");
    EXPECT_EQ(check_policy("pending,inline"), "names more than one policy for every operation");
    EXPECT_EQ(check_policy("Send=pending"), "'Send' is not an operation name (send, receive, connect, ...)");
    EXPECT_EQ(check_policy("send="), "'' is not natural, pending, inline, random or hold");
}

TEST(HostCommandLine, DurationsHaveUnits) {
    using wskemu::host::parse_duration;
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("2"), 2000ms);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("2m"), 120000ms);
    EXPECT_EQ(parse_duration("1min"), 60000ms);
    EXPECT_EQ(parse_duration("1h"), 3600000ms);
    EXPECT_EQ(parse_duration("0"), 0ms);
    EXPECT_FALSE(parse_duration("soon"));
    EXPECT_FALSE(parse_duration("5 s"));
    EXPECT_FALSE(parse_duration("-1s"));
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_EQ(parse_ok({"run", "d.so", "--for", "10s"}).run_for, 10000ms);
    EXPECT_EQ(parse_error({"run", "d.so", "--for", "soon"}),
              "--for soon: must be a duration such as 500ms, 10s, 2m or 1h");
}

TEST(HostCommandLine, IoctlOptionsAreCodeHexAndOutputSize) {
    const auto o = parse_ok({"run", "d.so", "--ioctl", "0x222000:68656c6c6f:16", "--ioctl", "2236440", "--ioctl",
                             "0x222010::0", "--device", "\\\\.\\Echo"});
    ASSERT_EQ(o.ioctls.size(), 3u);
    EXPECT_EQ(o.ioctls[0].code, 0x222000u);
    EXPECT_EQ(o.ioctls[0].input, (std::vector<std::byte>{std::byte{'h'}, std::byte{'e'}, std::byte{'l'},
                                                         std::byte{'l'}, std::byte{'o'}}));
    EXPECT_EQ(o.ioctls[0].output_size, 16u);
    EXPECT_EQ(o.ioctls[1].code, 2236440u);
    EXPECT_TRUE(o.ioctls[1].input.empty());
    EXPECT_EQ(o.ioctls[1].output_size, 4096u);
    EXPECT_EQ(o.ioctls[2].output_size, 0u);
    EXPECT_EQ(o.device, "\\\\.\\Echo");
    EXPECT_EQ(parse_error({"run", "d.so", "--ioctl", "0x1FFFFFFFF"}),
              "--ioctl 0x1FFFFFFFF: CODE must be a 32-bit number (0x hex or decimal)");
    EXPECT_EQ(parse_error({"run", "d.so", "--ioctl", "0x222000:abc"}),
              "--ioctl 0x222000:abc: HEX must be hex digits, two per byte");
    EXPECT_EQ(parse_error({"run", "d.so", "--ioctl", "0x222000:ab:lots"}), "--ioctl 0x222000:ab:lots: OUT must be a byte count");
}

TEST(HostCommandLine, HexAllowsSeparatorsBetweenBytesOnly) {
    using wskemu::host::parse_hex;
    EXPECT_EQ(parse_hex("0x0102"), (std::vector<std::byte>{std::byte{1}, std::byte{2}}));
    EXPECT_EQ(parse_hex("01 02-0a_FF"), (std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{10}, std::byte{255}}));
    EXPECT_EQ(parse_hex(""), std::vector<std::byte>{});
    EXPECT_FALSE(parse_hex("0 1"));
    EXPECT_FALSE(parse_hex("123"));
    EXPECT_FALSE(parse_hex("zz"));
}

TEST(HostCommandLine, IoctlCommandTakesCodeHexAndItsOwnOptions) {
    const auto o = parse_ok({"ioctl", "d.so", "--device", "/Device/Echo", "0x222000", "0102", "--out", "8",
                             "--cancel-after", "50ms"});
    EXPECT_EQ(o.what, command::ioctl);
    ASSERT_EQ(o.ioctls.size(), 1u);
    EXPECT_EQ(o.ioctls[0].code, 0x222000u);
    EXPECT_EQ(o.ioctls[0].input.size(), 2u);
    EXPECT_EQ(o.ioctls[0].output_size, 8u);
    EXPECT_EQ(o.cancel_after, 50ms);
    EXPECT_EQ(o.device, "/Device/Echo");
    EXPECT_EQ(parse_ok({"ioctl", "d.so", "7"}).ioctls[0].input.size(), 0u);
    EXPECT_EQ(parse_error({"ioctl", "d.so"}), "usage: wskemu ioctl DRIVER [--device NAME] CODE [HEX] [--out N]");
    EXPECT_EQ(parse_error({"ioctl", "d.so", "nope"}), "CODE nope: must be a 32-bit number (0x hex or decimal)");
    EXPECT_EQ(parse_error({"ioctl", "d.so", "1", "2", "3"}),
              "usage: wskemu ioctl DRIVER [--device NAME] CODE [HEX] [--out N]");
}

TEST(HostCommandLine, OptionsBelongToTheirCommand) {
    EXPECT_EQ(parse_error({"ioctl", "d.so", "1", "--for", "1s"}), "unknown option --for for 'ioctl' (see --help)");
    EXPECT_EQ(parse_error({"run", "d.so", "--out", "8"}), "unknown option --out for 'run' (see --help)");
    EXPECT_EQ(parse_error({"run", "d.so", "--bogus"}), "unknown option --bogus for 'run' (see --help)");
    EXPECT_EQ(parse_error({"run"}), "'run' needs a driver module (.so or .dll)");
    EXPECT_EQ(parse_error({"run", "a.so", "b.so"}), "'run' takes one driver module; options start with --");
    EXPECT_EQ(parse_error({"start", "a.so"}), "unknown command 'start' (run, ioctl or --help)");
    EXPECT_EQ(parse_error({}), "no command (run, ioctl or --help)");
    EXPECT_EQ(parse_error({"run", "a.so", "--name", "a/b"}), "--name a/b: must be a service name without separators");
    EXPECT_EQ(parse_command_line({"--help"}).value.what, command::help);
    EXPECT_EQ(parse_command_line({"run", "a.so", "--help"}).value.what, command::help);
    EXPECT_EQ(parse_command_line({"--version"}).value.what, command::version);
}

}  // namespace
