/* wskemu: interlocked operations, memory barriers and the NoFence/Acquire/
 * Release accessors, header-inline as in the WDK. GCC and Clang use the
 * __atomic builtins, sequentially consistent (the WDK's full-fence
 * semantics); the Acquire/Release/NoFence spellings map to the same full
 * fence, which is stronger and therefore correct. MSVC uses <intrin.h>.
 * Part of <wdm.h>; do not include directly. */
#ifndef WSKEMU_WDM_INTERLOCKED_H
#define WSKEMU_WDM_INTERLOCKED_H

#ifndef _NTDEF_
#include <ntdef.h>
#endif

#if defined(_MSC_VER)

#include <intrin.h>

#define InterlockedIncrement _InterlockedIncrement
#define InterlockedDecrement _InterlockedDecrement
#define InterlockedExchange _InterlockedExchange
#define InterlockedExchangeAdd _InterlockedExchangeAdd
#define InterlockedCompareExchange _InterlockedCompareExchange
#define InterlockedAnd _InterlockedAnd
#define InterlockedOr _InterlockedOr
#define InterlockedXor _InterlockedXor
#define InterlockedAdd(Addend, Value) (_InterlockedExchangeAdd((Addend), (Value)) + (Value))
#define InterlockedIncrement16 _InterlockedIncrement16
#define InterlockedDecrement16 _InterlockedDecrement16
#define InterlockedCompareExchange16 _InterlockedCompareExchange16
#define InterlockedExchange8 _InterlockedExchange8
#define InterlockedAnd8 _InterlockedAnd8
#define InterlockedOr8 _InterlockedOr8
#define InterlockedIncrement64 _InterlockedIncrement64
#define InterlockedDecrement64 _InterlockedDecrement64
#define InterlockedExchange64 _InterlockedExchange64
#define InterlockedExchangeAdd64 _InterlockedExchangeAdd64
#define InterlockedCompareExchange64 _InterlockedCompareExchange64
#define InterlockedAnd64 _InterlockedAnd64
#define InterlockedOr64 _InterlockedOr64
#define InterlockedXor64 _InterlockedXor64
#define InterlockedAdd64(Addend, Value) (_InterlockedExchangeAdd64((Addend), (Value)) + (Value))
#define InterlockedExchangePointer _InterlockedExchangePointer
#define InterlockedCompareExchangePointer _InterlockedCompareExchangePointer
#define InterlockedBitTestAndSet _interlockedbittestandset
#define InterlockedBitTestAndReset _interlockedbittestandreset
#define MemoryBarrier() __faststorefence()
#define YieldProcessor _mm_pause
/* /volatile:ms gives volatile accesses acquire and release semantics. */
#define ReadNoFence(Source) (*(Source))
#define ReadAcquire(Source) (*(Source))
#define WriteNoFence(Destination, Value) ((void)(*(Destination) = (Value)))
#define WriteRelease(Destination, Value) ((void)(*(Destination) = (Value)))
#define ReadNoFence64 ReadNoFence
#define ReadAcquire64 ReadAcquire
#define WriteNoFence64 WriteNoFence
#define WriteRelease64 WriteRelease
#define ReadPointerNoFence ReadNoFence
#define ReadPointerAcquire ReadAcquire
#define WritePointerNoFence WriteNoFence
#define WritePointerRelease WriteRelease
#define KeMemoryBarrierWithoutFence() _ReadWriteBarrier()

#else /* GCC, Clang */

#define WSKEMU_SEQ __ATOMIC_SEQ_CST

FORCEINLINE LONG InterlockedIncrement(LONG volatile *Addend) { return __atomic_add_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE LONG InterlockedDecrement(LONG volatile *Addend) { return __atomic_sub_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE LONG InterlockedExchange(LONG volatile *Target, LONG Value) {
    return __atomic_exchange_n(Target, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG InterlockedExchangeAdd(LONG volatile *Addend, LONG Value) {
    return __atomic_fetch_add(Addend, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG InterlockedAdd(LONG volatile *Addend, LONG Value) {
    return __atomic_add_fetch(Addend, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comparand) {
    /* On failure the builtin stores the current value into Comparand, so it
     * holds the original value either way. */
    __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, WSKEMU_SEQ, WSKEMU_SEQ);
    return Comparand;
}
FORCEINLINE LONG InterlockedAnd(LONG volatile *Destination, LONG Value) {
    return __atomic_fetch_and(Destination, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG InterlockedOr(LONG volatile *Destination, LONG Value) {
    return __atomic_fetch_or(Destination, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG InterlockedXor(LONG volatile *Destination, LONG Value) {
    return __atomic_fetch_xor(Destination, Value, WSKEMU_SEQ);
}

FORCEINLINE SHORT InterlockedIncrement16(SHORT volatile *Addend) { return __atomic_add_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE SHORT InterlockedDecrement16(SHORT volatile *Addend) { return __atomic_sub_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE SHORT InterlockedCompareExchange16(SHORT volatile *Destination, SHORT Exchange, SHORT Comparand) {
    __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, WSKEMU_SEQ, WSKEMU_SEQ);
    return Comparand;
}
FORCEINLINE CHAR InterlockedExchange8(CHAR volatile *Target, CHAR Value) {
    return __atomic_exchange_n(Target, Value, WSKEMU_SEQ);
}
FORCEINLINE CHAR InterlockedAnd8(CHAR volatile *Destination, CHAR Value) {
    return __atomic_fetch_and(Destination, Value, WSKEMU_SEQ);
}
FORCEINLINE CHAR InterlockedOr8(CHAR volatile *Destination, CHAR Value) {
    return __atomic_fetch_or(Destination, Value, WSKEMU_SEQ);
}

FORCEINLINE LONG64 InterlockedIncrement64(LONG64 volatile *Addend) { return __atomic_add_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE LONG64 InterlockedDecrement64(LONG64 volatile *Addend) { return __atomic_sub_fetch(Addend, 1, WSKEMU_SEQ); }
FORCEINLINE LONG64 InterlockedExchange64(LONG64 volatile *Target, LONG64 Value) {
    return __atomic_exchange_n(Target, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG64 InterlockedExchangeAdd64(LONG64 volatile *Addend, LONG64 Value) {
    return __atomic_fetch_add(Addend, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG64 InterlockedAdd64(LONG64 volatile *Addend, LONG64 Value) {
    return __atomic_add_fetch(Addend, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG64 InterlockedCompareExchange64(LONG64 volatile *Destination, LONG64 Exchange, LONG64 Comparand) {
    __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, WSKEMU_SEQ, WSKEMU_SEQ);
    return Comparand;
}
FORCEINLINE LONG64 InterlockedAnd64(LONG64 volatile *Destination, LONG64 Value) {
    return __atomic_fetch_and(Destination, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG64 InterlockedOr64(LONG64 volatile *Destination, LONG64 Value) {
    return __atomic_fetch_or(Destination, Value, WSKEMU_SEQ);
}
FORCEINLINE LONG64 InterlockedXor64(LONG64 volatile *Destination, LONG64 Value) {
    return __atomic_fetch_xor(Destination, Value, WSKEMU_SEQ);
}

FORCEINLINE PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value) {
    return __atomic_exchange_n(Target, Value, WSKEMU_SEQ);
}
FORCEINLINE PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange, PVOID Comparand) {
    __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, WSKEMU_SEQ, WSKEMU_SEQ);
    return Comparand;
}

FORCEINLINE BOOLEAN InterlockedBitTestAndSet(LONG volatile *Base, LONG Offset) {
    const LONG bit = (LONG)(1UL << (Offset & 31));
    return (BOOLEAN)((__atomic_fetch_or(Base, bit, WSKEMU_SEQ) & bit) != 0);
}
FORCEINLINE BOOLEAN InterlockedBitTestAndReset(LONG volatile *Base, LONG Offset) {
    const LONG bit = (LONG)(1UL << (Offset & 31));
    return (BOOLEAN)((__atomic_fetch_and(Base, ~bit, WSKEMU_SEQ) & bit) != 0);
}

FORCEINLINE LONG ReadNoFence(LONG const volatile *Source) { return __atomic_load_n(Source, __ATOMIC_RELAXED); }
FORCEINLINE LONG ReadAcquire(LONG const volatile *Source) { return __atomic_load_n(Source, __ATOMIC_ACQUIRE); }
FORCEINLINE VOID WriteNoFence(LONG volatile *Destination, LONG Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WriteRelease(LONG volatile *Destination, LONG Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}
FORCEINLINE LONG64 ReadNoFence64(LONG64 const volatile *Source) { return __atomic_load_n(Source, __ATOMIC_RELAXED); }
FORCEINLINE LONG64 ReadAcquire64(LONG64 const volatile *Source) { return __atomic_load_n(Source, __ATOMIC_ACQUIRE); }
FORCEINLINE VOID WriteNoFence64(LONG64 volatile *Destination, LONG64 Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WriteRelease64(LONG64 volatile *Destination, LONG64 Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}
FORCEINLINE PVOID ReadPointerNoFence(PVOID const volatile *Source) {
    return __atomic_load_n(Source, __ATOMIC_RELAXED);
}
FORCEINLINE PVOID ReadPointerAcquire(PVOID const volatile *Source) {
    return __atomic_load_n(Source, __ATOMIC_ACQUIRE);
}
FORCEINLINE VOID WritePointerNoFence(PVOID volatile *Destination, PVOID Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WritePointerRelease(PVOID volatile *Destination, PVOID Value) {
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}

#if defined(__SANITIZE_THREAD__)
#define WSKEMU_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WSKEMU_THREAD_SANITIZER 1
#endif
#endif
#ifdef WSKEMU_THREAD_SANITIZER
/* GCC rejects __atomic_thread_fence under ThreadSanitizer; a sequentially
 * consistent read-modify-write of one shared word orders memory for both the
 * sanitizer and the processor. */
FORCEINLINE VOID wskemu_MemoryBarrier(void) {
    static LONG volatile word;
    (void)__atomic_fetch_add(&word, 0, WSKEMU_SEQ);
}
#define MemoryBarrier() wskemu_MemoryBarrier()
#else
#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define KeMemoryBarrierWithoutFence() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define YieldProcessor() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define YieldProcessor() __asm__ __volatile__("yield")
#else
#define YieldProcessor() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif

#undef WSKEMU_SEQ

#endif /* _MSC_VER */

#define KeMemoryBarrier() MemoryBarrier()

/* The fence-qualified spellings: a full fence satisfies each of them. */
#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedIncrementNoFence InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedDecrementNoFence InterlockedDecrement
#define InterlockedExchangeAddNoFence InterlockedExchangeAdd
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedCompareExchangeNoFence InterlockedCompareExchange
#define InterlockedOrNoFence InterlockedOr
#define InterlockedAndNoFence InterlockedAnd
#define InterlockedIncrementAcquire64 InterlockedIncrement64
#define InterlockedDecrementRelease64 InterlockedDecrement64
#define InterlockedCompareExchangeAcquire64 InterlockedCompareExchange64
#define InterlockedCompareExchangeRelease64 InterlockedCompareExchange64
#define InterlockedExchangePointerAcquire InterlockedExchangePointer
#define InterlockedExchangePointerNoFence InterlockedExchangePointer
#define InterlockedCompareExchangePointerAcquire InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerRelease InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerNoFence InterlockedCompareExchangePointer

/* SIZE_T and ULONG_PTR are 64-bit on every host wskemu supports. */
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement64((LONG64 volatile *)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement64((LONG64 volatile *)(a)))
#define InterlockedExchangeAddSizeT(a, b) ((SIZE_T)InterlockedExchangeAdd64((LONG64 volatile *)(a), (LONG64)(b)))
#define InterlockedAddSizeT(a, b) ((SIZE_T)InterlockedAdd64((LONG64 volatile *)(a), (LONG64)(b)))
#define InterlockedExchangeSizeT(a, b) ((SIZE_T)InterlockedExchange64((LONG64 volatile *)(a), (LONG64)(b)))
#define InterlockedCompareExchangeSizeT(a, b, c)                                                                  \
    ((SIZE_T)InterlockedCompareExchange64((LONG64 volatile *)(a), (LONG64)(b), (LONG64)(c)))

#endif /* WSKEMU_WDM_INTERLOCKED_H */
