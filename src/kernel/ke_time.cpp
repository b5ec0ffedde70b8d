// wskemu: system time, interrupt time, ticks, the performance counter and
// processor numbers, from the host's clocks.
#include <wdm.h>

#include <chrono>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace {

using hundred_ns = std::chrono::duration<LONGLONG, std::ratio<1, 10'000'000>>;

// 100 ns intervals from 1601-01-01 to 1970-01-01.
constexpr LONGLONG unix_epoch_in_nt_time = 116'444'736'000'000'000LL;
// 15.625 ms, the default clock interval on Windows.
constexpr ULONG time_increment = 156'250;
constexpr LONGLONG performance_frequency = 10'000'000;

LONGLONG system_time_now() noexcept {
    const auto since_unix = std::chrono::duration_cast<hundred_ns>(std::chrono::system_clock::now().time_since_epoch());
    return since_unix.count() + unix_epoch_in_nt_time;
}

// Interrupt time is time since boot: the host's monotonic clock, which on
// Linux counts from boot too.
ULONGLONG interrupt_time_now() noexcept {
    return static_cast<ULONGLONG>(
        std::chrono::duration_cast<hundred_ns>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

ULONG active_processor_count() noexcept {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<ULONG>(n > 64 ? 64 : n);
}

}  // namespace

/* KeQuerySystemTime (ntoskrnl; a macro in the WDK) */
extern "C" VOID NTAPI KeQuerySystemTime(PLARGE_INTEGER CurrentTime) { CurrentTime->QuadPart = system_time_now(); }

/* KeQuerySystemTimePrecise (ntoskrnl) */
extern "C" VOID NTAPI KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime) {
    CurrentTime->QuadPart = system_time_now();
}

/* KeQueryTickCount (ntoskrnl; a macro in the WDK) */
extern "C" VOID NTAPI KeQueryTickCount(PLARGE_INTEGER CurrentCount) {
    CurrentCount->QuadPart = static_cast<LONGLONG>(interrupt_time_now() / time_increment);
}

/* KeQueryTimeIncrement (ntoskrnl) */
extern "C" ULONG NTAPI KeQueryTimeIncrement(void) { return time_increment; }

/* KeQueryInterruptTime (ntoskrnl) */
extern "C" ULONGLONG NTAPI KeQueryInterruptTime(void) { return interrupt_time_now(); }

/* KeQueryInterruptTimePrecise (ntoskrnl): the counter runs at 10 MHz, so the
 * QPC stamp and the interrupt time are the same reading. */
extern "C" ULONG64 NTAPI KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp) {
    const ULONGLONG now = interrupt_time_now();
    if (QpcTimeStamp != nullptr) {
        *QpcTimeStamp = now;
    }
    return now;
}

/* KeQueryUnbiasedInterruptTime (ntoskrnl): the host clock does not count
 * sleep either way we can tell, so it equals the interrupt time. */
extern "C" ULONGLONG NTAPI KeQueryUnbiasedInterruptTime(void) { return interrupt_time_now(); }

/* KeQueryUnbiasedInterruptTimePrecise (ntoskrnl) */
extern "C" ULONGLONG NTAPI KeQueryUnbiasedInterruptTimePrecise(PULONG64 QpcTimeStamp) {
    return KeQueryInterruptTimePrecise(QpcTimeStamp);
}

/* KeQueryPerformanceCounter (hal): 10 MHz, as on current Windows. */
extern "C" LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency) {
    if (PerformanceFrequency != nullptr) {
        PerformanceFrequency->QuadPart = performance_frequency;
    }
    LARGE_INTEGER counter;
    counter.QuadPart = static_cast<LONGLONG>(interrupt_time_now());
    return counter;
}

/* KeGetCurrentProcessorNumber (ntoskrnl): the host CPU where known, else 0. */
extern "C" ULONG NTAPI KeGetCurrentProcessorNumber(void) {
#if defined(__linux__)
    const int cpu = sched_getcpu();
    return cpu < 0 ? 0 : static_cast<ULONG>(cpu) % active_processor_count();
#else
    return 0;
#endif
}

/* KeQueryActiveProcessorCount (ntoskrnl) */
extern "C" ULONG NTAPI KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors) {
    const ULONG n = active_processor_count();
    if (ActiveProcessors != nullptr) {
        *ActiveProcessors = n >= 64 ? ~KAFFINITY{0} : ((KAFFINITY{1} << n) - 1);
    }
    return n;
}

/* KeQueryActiveProcessorCountEx (ntoskrnl): one processor group. */
extern "C" ULONG NTAPI KeQueryActiveProcessorCountEx(USHORT GroupNumber) {
    return GroupNumber == 0 || GroupNumber == ALL_PROCESSOR_GROUPS ? active_processor_count() : 0;
}

/* KeQueryMaximumProcessorCount (ntoskrnl) */
extern "C" ULONG NTAPI KeQueryMaximumProcessorCount(void) { return active_processor_count(); }
