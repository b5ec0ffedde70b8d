/* A C11 test driver using the run-time library as drivers do: constant and
 * initialised UNICODE_STRINGs, ntstrsafe printf with %wZ and 32-bit %lu, the
 * ip2string parsers and printers, pool-allocated string conversion and
 * DbgPrint. Only WDK headers: it builds against the real WDK as well. */
#include <ntddk.h>
#include <ntstrsafe.h>
#include <ws2def.h>
#include <ws2ipdef.h>

#include "rtl_driver.h"

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\RtlDriver");

NTSTATUS RtlDriverDescribeEndpoint(PCSTR AddressText, PCHAR Output, SIZE_T OutputSize) {
    UNICODE_STRING protocol;
    UNICODE_STRING expected = RTL_CONSTANT_STRING(L"TCP");
    IN_ADDR address;
    USHORT port = 0;
    CHAR dotted[16];
    PSTR end;
    ULONG host_port;
    NTSTATUS status;

    RtlInitUnicodeString(&protocol, L"tcp");
    if (!RtlEqualUnicodeString(&protocol, &expected, TRUE)) {
        return STATUS_UNSUCCESSFUL;
    }

    status = RtlIpv4StringToAddressExA(AddressText, TRUE, &address, &port);
    if (!NT_SUCCESS(status)) {
        DbgPrintEx(DPFLTR_IHVNETWORK_ID, DPFLTR_ERROR_LEVEL, "rtl_driver: bad address %s (%08lx)\n", AddressText,
                   (ULONG)status);
        return status;
    }

    end = RtlIpv4AddressToStringA(&address, dotted);
    if (end != dotted + strlen(dotted)) {
        return STATUS_UNSUCCESSFUL;
    }

    host_port = RtlUshortByteSwap(port);
    status = RtlStringCbPrintfA(Output, OutputSize, "%wZ %wZ %s port %lu", &DeviceName, &protocol, dotted, host_port);
    if (NT_SUCCESS(status)) {
        DbgPrint("rtl_driver: %s\n", Output);
    }
    return status;
}

NTSTATUS RtlDriverNormalizeIpv6(PCSTR Text, PCHAR Output, SIZE_T OutputSize) {
    ANSI_STRING ansi;
    UNICODE_STRING wide;
    IN6_ADDR address;
    PCWSTR terminator = NULL;
    WCHAR printed[64];
    NTSTATUS status;

    RtlInitAnsiString(&ansi, Text);
    status = RtlAnsiStringToUnicodeString(&wide, &ansi, TRUE);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = RtlIpv6StringToAddressW(wide.Buffer, &terminator, &address);
    if (NT_SUCCESS(status) && *terminator != UNICODE_NULL) {
        status = STATUS_INVALID_PARAMETER;
    }
    RtlFreeUnicodeString(&wide);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    RtlIpv6AddressToStringW(&address, printed);
    return RtlStringCbPrintfA(Output, OutputSize, "%ws", printed);
}
