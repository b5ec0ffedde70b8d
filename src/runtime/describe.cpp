// wskemu: WDK objects as readable text (include/wskemu/describe.hpp).
#include <wskemu/describe.hpp>
#include <wskemu/status.hpp>

#include <fmt/format.h>

namespace wskemu {

std::string describe_irp(const IRP* irp) {
    if (irp == nullptr) {
        return "IRP NULL";
    }
    const int in_use = irp->StackCount + 1 - irp->CurrentLocation;
    return fmt::format("IRP {} {{Status {}, Information {}, PendingReturned {}, Cancel {}, stack {} of {} in use}}",
                       static_cast<const void*>(irp), describe_status(irp->IoStatus.Status),
                       irp->IoStatus.Information, irp->PendingReturned ? 1 : 0, irp->Cancel ? 1 : 0, in_use,
                       static_cast<int>(irp->StackCount));
}

std::string describe_wsk_buf(const WSK_BUF* buffer) {
    if (buffer == nullptr) {
        return "WSK_BUF NULL";
    }
    return fmt::format("WSK_BUF {{Mdl {}, Offset {}, Length {}}}", static_cast<const void*>(buffer->Mdl),
                       buffer->Offset, buffer->Length);
}

std::string describe_mdl(const MDL* mdl) {
    if (mdl == nullptr) {
        return "MDL NULL";
    }
    return fmt::format("MDL {} {{va {}, {} bytes, flags {:#06x}, next {}}}", static_cast<const void*>(mdl),
                       static_cast<const void*>(static_cast<const char*>(mdl->StartVa) + mdl->ByteOffset),
                       mdl->ByteCount, static_cast<unsigned>(static_cast<USHORT>(mdl->MdlFlags)),
                       static_cast<const void*>(mdl->Next));
}

std::string describe_address(const SOCKADDR* address) {
    if (address == nullptr) {
        return "address NULL";
    }
    char text[64] = {};
    ULONG length = sizeof(text);
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const SOCKADDR_IN*>(address);
        if (NT_SUCCESS(RtlIpv4AddressToStringExA(&in->sin_addr, in->sin_port, text, &length))) {
            return text;
        }
    } else if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const SOCKADDR_IN6*>(address);
        if (NT_SUCCESS(RtlIpv6AddressToStringExA(&in6->sin6_addr, in6->sin6_scope_id, in6->sin6_port, text, &length))) {
            return text;
        }
    }
    return fmt::format("family {}", address->sa_family);
}

}  // namespace wskemu
