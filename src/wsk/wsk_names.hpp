// wskemu: name resolution for WSK clients: WskGetAddressInfo,
// WskFreeAddressInfo, WskGetNameInfo over net::resolver (docs/semantics.md,
// "Name resolution"). The WSK_PROVIDER_DISPATCH members in wsk_provider.cpp
// check the IRQL and the client, then call these.
#pragma once

#include <wsk.h>

#include <cstddef>

namespace wskemu::wsk {

/// Verifier sub-code (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION) for
/// name resolution; parameter 2 is the pointer.
enum name_violation : ULONG_PTR {
    address_info_not_ours = 0x3201,  // WskFreeAddressInfo of a list WskGetAddressInfo did not return (or freed already)
};

/// WskGetAddressInfo after the IRQL and client checks: a NULL IRP is refused
/// with STATUS_INVALID_PARAMETER, nothing touched; otherwise the IRP completes
/// once, with *Result the ADDRINFOEXW list (pool memory, freed by
/// WskFreeAddressInfo) or NULL.
NTSTATUS get_address_info(PUNICODE_STRING node, PUNICODE_STRING service, ULONG name_space, GUID* provider,
                          PADDRINFOEXW hints, PADDRINFOEXW* result, PIRP irp);

/// WskFreeAddressInfo: frees a list WskGetAddressInfo returned (NULL: nothing).
void free_address_info(PADDRINFOEXW list);

/// WskGetNameInfo after the IRQL and client checks.
NTSTATUS get_name_info(PSOCKADDR address, ULONG address_length, PUNICODE_STRING node, PUNICODE_STRING service,
                       ULONG flags, PIRP irp);

/// For tests: lists returned by WskGetAddressInfo and not freed yet.
std::size_t live_address_info_lists();

}  // namespace wskemu::wsk
