/* wskemu: basic NT types and macros (the WDK's ntdef.h).
 * Widths follow Windows on every host: LONG and ULONG are 32-bit even on LP64
 * Linux, SIZE_T and ULONG_PTR are pointer-sized, BOOLEAN is 8-bit. WCHAR is
 * wchar_t so that L"..." literals work unchanged (32-bit on Linux, 16-bit on
 * Windows; docs/porting.md explains the consequences). Valid C11 and C++20. */
#ifndef _NTDEF_
#define _NTDEF_

/* An SDK header included earlier in this translation unit (an SDK header
 * included later finds the stand-ins include/wdk/windows.h and winsock2.h). */
#if defined(_WINDOWS_) || defined(_WINNT_) || defined(_WINDEF_) || defined(_MINWINDEF_) || defined(_WINSOCKAPI_) || \
    defined(_WINSOCK2API_)
#error "wskemu: the Windows SDK headers (<windows.h>, <winsock2.h>) and the WDK headers of wskemu (include/wdk) must not meet in one translation unit; keep host-side code in its own source file (docs/windows.md)"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <wchar.h>
#include <string.h>

#include <driverspecs.h>

/* Parameter direction markers of old driver code. */
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif

/* ---- language glue ---------------------------------------------------- */
#ifdef __cplusplus
#define EXTERN_C extern "C"
#define EXTERN_C_START extern "C" {
#define EXTERN_C_END }
#else
#define EXTERN_C extern
#define EXTERN_C_START
#define EXTERN_C_END
#endif

/* Calling conventions only matter on 32-bit x86; x64 and arm64 have one. */
#if defined(_M_IX86) || defined(__i386__)
#if defined(_MSC_VER)
#define NTAPI __stdcall
#else
#define NTAPI __attribute__((stdcall))
#endif
#else
#define NTAPI
#endif
#ifndef __stdcall
#if !defined(_MSC_VER) && !defined(_WIN32)
#define __stdcall
#define __cdecl
#define __fastcall
#endif
#endif
#define NTAPI_INLINE NTAPI
#define NTSYSAPI
#define NTSYSCALLAPI
#define NTKERNELAPI
#define NTHALAPI
#define NTSTRSAFEDDI static __inline NTSTATUS
#define WINAPI NTAPI
#define CALLBACK NTAPI
#define FASTCALL
#define RESTRICTED_POINTER
/* MinGW's _mingw.h (reached through <stddef.h>) already defines UNALIGNED. */
#ifndef UNALIGNED
#define UNALIGNED
#endif
#define UNALIGNED64
#define POINTER_64
#define POINTER_32
#define CONST const
#define VOID void

#if defined(_MSC_VER)
#define FORCEINLINE __forceinline
#define DECLSPEC_NORETURN __declspec(noreturn)
#define DECLSPEC_ALIGN(x) __declspec(align(x))
#define DECLSPEC_NOINLINE __declspec(noinline)
#define DECLSPEC_SELECTANY __declspec(selectany)
#define DECLSPEC_DEPRECATED __declspec(deprecated)
#define DECLSPEC_NOTHROW __declspec(nothrow)
#else
#ifdef __cplusplus
#define FORCEINLINE inline
#else
#define FORCEINLINE static inline
#endif
#define DECLSPEC_NORETURN __attribute__((noreturn))
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#define DECLSPEC_NOINLINE __attribute__((noinline))
#define DECLSPEC_SELECTANY __attribute__((weak))
#define DECLSPEC_DEPRECATED __attribute__((deprecated))
#define DECLSPEC_NOTHROW
#endif
#define DECLSPEC_IMPORT
#define DECLSPEC_EXPORT
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#define DECLSPEC_GUARDNOCF
#define DECLSPEC_NOSANITIZE_ADDRESS
#define DECLSPEC_CHPE_GUEST
#define DECLSPEC_ADDRSAFE
#define DECLSPEC_SAFEBUFFERS
#define NOP_FUNCTION (void)0

/* C_ASSERT works at file and block scope in both languages. */
#ifdef __cplusplus
#define C_ASSERT(e) static_assert((e), #e)
#else
#define C_ASSERT(e) _Static_assert((e), #e)
#endif

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define UNUSED_PARAMETER(P) ((void)(P))

/* Debug builds: DBG follows NDEBUG unless the build sets it (docs/porting.md). */
#ifndef DBG
#ifdef NDEBUG
#define DBG 0
#else
#define DBG 1
#endif
#endif

#ifndef NULL
#ifdef __cplusplus
#define NULL 0
#else
#define NULL ((void *)0)
#endif
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif

/* ---- integer types with Windows widths --------------------------------- */
typedef void *PVOID;
typedef void *PVOID64;
typedef const void *PCVOID;
typedef char CHAR;
typedef unsigned char UCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef short CSHORT;
typedef int INT;
typedef unsigned int UINT;
#if defined(_WIN32)
typedef long LONG;
typedef unsigned long ULONG;
#else
typedef int32_t LONG;
typedef uint32_t ULONG;
#endif
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef signed char CCHAR;
typedef UCHAR BOOLEAN;
typedef UCHAR BYTE;
typedef USHORT WORD;
typedef ULONG DWORD;
typedef int BOOL;
typedef float FLOAT;
typedef double DOUBLE;

typedef int8_t INT8;
typedef uint8_t UINT8;
typedef int16_t INT16;
typedef uint16_t UINT16;
typedef int32_t INT32;
typedef uint32_t UINT32;
typedef int64_t INT64;
typedef uint64_t UINT64;
typedef int32_t LONG32;
typedef uint32_t ULONG32;
typedef uint32_t DWORD32;
typedef int64_t LONG64;
typedef uint64_t ULONG64;
typedef uint64_t DWORD64;
typedef uint64_t DWORDLONG;

typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef intptr_t SHANDLE_PTR;
typedef uintptr_t HANDLE_PTR;
typedef ULONG_PTR SIZE_T;
typedef LONG_PTR SSIZE_T;
typedef ULONG_PTR KAFFINITY;

typedef wchar_t WCHAR;

typedef LONG NTSTATUS;
typedef UCHAR KIRQL;
typedef CCHAR KPROCESSOR_MODE;
typedef LONG KPRIORITY;
typedef ULONG LOGICAL;
typedef ULONG ACCESS_MASK;
typedef ULONG_PTR KSPIN_LOCK;
typedef void *HANDLE;
typedef ULONG CLONG;
typedef ULONG DEVICE_TYPE;
typedef ULONG EXECUTION_STATE;
typedef ULONG SECURITY_INFORMATION;
typedef void *PSECURITY_DESCRIPTOR;
typedef void *PACCESS_TOKEN;
typedef void *PSID;
typedef ULONG_PTR ERESOURCE_THREAD;

/* Pointer typedefs, the P-prefixed family */
typedef CHAR *PCHAR, *PCH, *LPCH, *PSZ, *PSTR, *LPSTR, *NPSTR;
typedef const CHAR *PCCH, *LPCCH, *PCSZ, *PCSTR, *LPCSTR;
typedef UCHAR *PUCHAR;
typedef SHORT *PSHORT;
typedef USHORT *PUSHORT;
typedef INT *PINT;
typedef UINT *PUINT;
typedef LONG *PLONG;
typedef ULONG *PULONG;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef CCHAR *PCCHAR;
typedef BOOLEAN *PBOOLEAN;
typedef BYTE *PBYTE, *LPBYTE;
typedef WORD *PWORD;
typedef DWORD *PDWORD, *LPDWORD;
typedef INT8 *PINT8;
typedef UINT8 *PUINT8;
typedef INT16 *PINT16;
typedef UINT16 *PUINT16;
typedef INT32 *PINT32;
typedef UINT32 *PUINT32;
typedef INT64 *PINT64;
typedef UINT64 *PUINT64;
typedef LONG32 *PLONG32;
typedef ULONG32 *PULONG32;
typedef LONG64 *PLONG64;
typedef ULONG64 *PULONG64;
typedef ULONG_PTR *PULONG_PTR;
typedef LONG_PTR *PLONG_PTR;
typedef SIZE_T *PSIZE_T;
typedef SSIZE_T *PSSIZE_T;
typedef KAFFINITY *PKAFFINITY;
typedef WCHAR *PWCHAR, *LPWCH, *PWCH, *PWSTR, *LPWSTR, *NWPSTR;
typedef const WCHAR *LPCWCH, *PCWCH, *PCWSTR, *LPCWSTR;
typedef NTSTATUS *PNTSTATUS;
typedef KIRQL *PKIRQL;
typedef ACCESS_MASK *PACCESS_MASK;
typedef KSPIN_LOCK *PKSPIN_LOCK;
typedef HANDLE *PHANDLE;
typedef CLONG *PCLONG;
typedef void **PPVOID;
typedef SECURITY_INFORMATION *PSECURITY_INFORMATION;

#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffUL
#define MAXLONG 0x7fffffffL
#define MINLONG (-MAXLONG - 1)
#define MAXLONGLONG 0x7fffffffffffffffLL
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define MAXLONG_PTR ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MAXSIZE_T MAXULONG_PTR
#define MAXUINT32 0xffffffffU
#define MAXUINT64 0xffffffffffffffffULL

/* ---- status ------------------------------------------------------------ */
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

/* ---- composite types --------------------------------------------------- */
typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _LUID {
    ULONG LowPart;
    LONG HighPart;
} LUID, *PLUID;

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
} GUID;
#endif
typedef GUID *LPGUID, *PGUID;
typedef const GUID *LPCGUID, *PCGUID;
#define REFGUID const GUID *
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    EXTERN_C const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#define IsEqualGUID(a, b) (memcmp((a), (b), sizeof(GUID)) == 0)

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY, *PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCSTRING;
typedef const ANSI_STRING *PCANSI_STRING;
typedef const OEM_STRING *PCOEM_STRING;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without the terminator */
    USHORT MaximumLength; /* bytes */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;
#define UNICODE_NULL ((WCHAR)0)
#define ANSI_NULL ((CHAR)0)
#define UNICODE_STRING_MAX_BYTES ((USHORT)65534)
#define UNICODE_STRING_MAX_CHARS (32767)

/* RTL_CONSTANT_STRING(L"x") and RTL_CONSTANT_STRING("x") both work; in C++
 * the literal's constness is dropped as the WDK's C-style cast does. */
#ifdef __cplusplus
template <typename T>
constexpr T *wskemu_literal_buffer(const T *literal) {
    return const_cast<T *>(literal);
}
#define RTL_CONSTANT_STRING(s) {(USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), wskemu_literal_buffer(s)}
#else
#define RTL_CONSTANT_STRING(s) {(USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), (void *)(s)}
#endif
#define DECLARE_CONST_UNICODE_STRING(_var, _string)                                              \
    const WCHAR _var##_buffer[] = _string;                                                         \
    const UNICODE_STRING _var = {sizeof(_string) - sizeof(WCHAR), sizeof(_string), (PWCH)_var##_buffer}
#define DECLARE_UNICODE_STRING_SIZE(_var, _size)                                                 \
    WCHAR _var##_buffer[_size];                                                                    \
    UNICODE_STRING _var = {0, (_size) * sizeof(WCHAR), _var##_buffer}
#define DECLARE_GLOBAL_CONST_UNICODE_STRING(_var, _str) extern const DECLSPEC_SELECTANY UNICODE_STRING _var = RTL_CONSTANT_STRING(_str)

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;
#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_OPENLINK 0x00000100L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L
#define InitializeObjectAttributes(p, n, a, r, s)                                                \
    do {                                                                                           \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                   \
        (p)->RootDirectory = (r);                                                                  \
        (p)->Attributes = (a);                                                                     \
        (p)->ObjectName = (n);                                                                     \
        (p)->SecurityDescriptor = (s);                                                             \
        (p)->SecurityQualityOfService = NULL;                                                      \
    } while (0)

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue } WAIT_TYPE;

/* ---- layout helpers ---------------------------------------------------- */
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define UFIELD_OFFSET(type, field) ((ULONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field)                                                  \
    ((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF_V1(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF(A) RTL_NUMBER_OF_V1(A)
#define ARRAYSIZE(A) RTL_NUMBER_OF_V1(A)
#define _ARRAYSIZE(A) RTL_NUMBER_OF_V1(A)
#define RTL_BITS_OF(sizeOfArg) (sizeof(sizeOfArg) * 8)
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address) - (ULONG_PTR)offsetof(type, field)))
#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment) - 1))
#define ALIGN_UP_BY(length, alignment) (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment) - 1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)((ULONG_PTR)(address) & ~((ULONG_PTR)(alignment) - 1)))
#define ALIGN_UP_POINTER_BY(address, alignment) (ALIGN_DOWN_POINTER_BY(((ULONG_PTR)(address) + (alignment) - 1), alignment))
#define ALIGN_DOWN(length, type) ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type) ALIGN_UP_BY(length, sizeof(type))
#define MAKELONG(a, b) ((LONG)(((USHORT)(a)) | ((ULONG)((USHORT)(b))) << 16))
#define LOWORD(l) ((USHORT)((ULONG_PTR)(l) & 0xffff))
#define HIWORD(l) ((USHORT)((ULONG_PTR)(l) >> 16))
#define LOBYTE(w) ((UCHAR)((ULONG_PTR)(w) & 0xff))
#define HIBYTE(w) ((UCHAR)((ULONG_PTR)(w) >> 8))
/* The WDK defines min and max as macros; in C++ they would break std::min
 * and std::max in test code, so C++ gets them only on request. */
#if !defined(NOMINMAX) && (!defined(__cplusplus) || defined(WSKEMU_MINMAX_MACROS))
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

/* Kernel-mode processor modes and IRQLs. */
#define KernelMode ((KPROCESSOR_MODE)0)
#define UserMode ((KPROCESSOR_MODE)1)
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define DRS_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

#endif /* _NTDEF_ */
