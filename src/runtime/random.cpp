// wskemu: the runtime's seeded random sequences. splitmix64, so that a seed
// gives the same sequence on every platform and standard library.
#include "runtime/control.hpp"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>

namespace wskemu::rt {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct sequences {
    std::mutex mutex;
    std::uint64_t seed = 0;
    std::uint64_t policy_state = 0;
    std::uint64_t order_state = 0;
};

sequences& the_sequences() {
    static auto* s = [] {
        auto* fresh = new sequences;  // never destroyed: completions may draw at exit
        fresh->seed = environment_seed();
        fresh->policy_state = fresh->seed;
        fresh->order_state = fresh->seed ^ 0x5EED0FDE7E4A11ull;
        return fresh;
    }();
    return *s;
}

std::uint64_t fresh_seed() {
    std::random_device device;
    std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    value = value % 1000000000ull;  // short enough to type back into WSKEMU_SEED
    return value == 0 ? 1 : value;
}

}  // namespace

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string{} : std::string{value};
}

std::uint64_t environment_seed() {
    const std::string text = environment("WSKEMU_SEED");
    if (!text.empty()) {
        const std::uint64_t value = std::strtoull(text.c_str(), nullptr, 0);
        if (value != 0) {
            return value;
        }
    }
    return fresh_seed();
}

std::uint64_t seed() noexcept {
    auto& s = the_sequences();
    std::lock_guard lock(s.mutex);
    return s.seed;
}

void set_seed(std::uint64_t value) {
    if (value == 0) {
        value = fresh_seed();
    }
    auto& s = the_sequences();
    std::lock_guard lock(s.mutex);
    s.seed = value;
    s.policy_state = value;
    s.order_state = value ^ 0x5EED0FDE7E4A11ull;
}

std::uint64_t next_policy_random() {
    auto& s = the_sequences();
    std::lock_guard lock(s.mutex);
    return splitmix64(s.policy_state);
}

std::uint64_t next_order_random() {
    auto& s = the_sequences();
    std::lock_guard lock(s.mutex);
    return splitmix64(s.order_state);
}

}  // namespace wskemu::rt
