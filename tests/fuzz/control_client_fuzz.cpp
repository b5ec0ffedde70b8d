// Fuzz target: WskControlClient input and output buffers, through a
// registered client (WskRegister, WskCaptureProviderNPI,
// Dispatch->WskControlClient, WskReleaseProviderNPI, WskDeregister per
// input).
//
// Each input issues up to four calls with a fuzzer-chosen control code,
// input and output buffers allocated at exactly the size passed (or NULL),
// an OutputSizeReturned pointer or NULL, and an IRP or NULL. Pointers inside
// an input (WSK_EVENT_CALLBACK_CONTROL.NpiId) are replaced by valid ones or
// NULL, since a driver passes real pointers there. Checked: an IRP completes
// exactly once (one left pending is cancelled and must then complete); no
// IRP never pends; a success never reports more output than the buffer
// holds nor writes past what it reports; the transport list is whole and
// well formed; static event callbacks are accepted only for the WSK NPI and
// known event bits; deregistration does not hang; nothing is left allocated.
#include <wsk.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "fuzz_support.hpp"

namespace {

using wskemu::fuzz::check;
using wskemu::fuzz::counted_irp;

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

constexpr ULONG control_codes[] = {WSK_TRANSPORT_LIST_QUERY,       WSK_TRANSPORT_LIST_CHANGE, WSK_CACHE_SD,
                                   WSK_RELEASE_SD,                 WSK_TDI_DEVICENAME_MAPPING,
                                   WSK_SET_STATIC_EVENT_CALLBACKS, WSK_TDI_BEHAVIOR};
constexpr ULONG known_event_bits =
    WSK_EVENT_RECEIVE_FROM | WSK_EVENT_ACCEPT | WSK_EVENT_SEND_BACKLOG | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT;
constexpr unsigned char untouched = 0xA5;

struct fuzz_buffer {
    std::unique_ptr<unsigned char[]> bytes;  // exactly `size` bytes, or none (NULL)
    SIZE_T size = 0;
    unsigned char* get() const { return bytes.get(); }
};

fuzz_buffer make_buffer(FuzzedDataProvider& input, SIZE_T largest) {
    fuzz_buffer b;
    b.size = input.ConsumeIntegralInRange<SIZE_T>(0, largest);
    if (input.ConsumeIntegralInRange(0, 7) != 0) {
        b.bytes = std::make_unique<unsigned char[]>(b.size);
        for (SIZE_T i = 0; i < b.size; ++i) {
            b.bytes[i] = input.ConsumeIntegral<unsigned char>();
        }
    }
    return b;
}

void control_once(FuzzedDataProvider& input, const WSK_PROVIDER_NPI& provider, const GUID& other_npi) {
    const ULONG code = input.ConsumeIntegralInRange(0, 7) != 0
                           ? control_codes[input.ConsumeIntegralInRange<std::size_t>(0, std::size(control_codes) - 1)]
                           : input.ConsumeIntegral<ULONG>();
    fuzz_buffer in = make_buffer(input, 2 * sizeof(WSK_EVENT_CALLBACK_CONTROL));
    // Valid pointers (or NULL) where the input holds one; WSK_TDI_DEVICENAME_MAPPING's
    // input is all pointers and counts, so it is given zeros.
    const void* npi_id = nullptr;
    if (code == WSK_SET_STATIC_EVENT_CALLBACKS && in.get() != nullptr &&
        in.size >= sizeof(WSK_EVENT_CALLBACK_CONTROL)) {
        switch (input.ConsumeIntegralInRange(0, 2)) {
        case 0: npi_id = nullptr; break;
        case 1: npi_id = &NPI_WSK_INTERFACE_ID; break;
        default: npi_id = &other_npi; break;
        }
        std::memcpy(in.get() + offsetof(WSK_EVENT_CALLBACK_CONTROL, NpiId), &npi_id, sizeof(npi_id));
    } else if (code == WSK_TDI_DEVICENAME_MAPPING && in.get() != nullptr) {
        std::memset(in.get(), 0, in.size);
    }
    fuzz_buffer out = make_buffer(input, 4 * sizeof(WSK_TRANSPORT) + 8);
    if (out.get() != nullptr) {
        std::memset(out.get(), untouched, out.size);
    }
    constexpr SIZE_T returned_poison = 0xDEADBEEF;
    SIZE_T returned = returned_poison;
    SIZE_T* returned_pointer = input.ConsumeIntegralInRange(0, 3) != 0 ? &returned : nullptr;
    const bool with_irp = input.ConsumeIntegralInRange(0, 3) == 0;

    std::optional<counted_irp> irp;
    if (with_irp) {
        irp.emplace();
    }
    const NTSTATUS status =
        provider.Dispatch->WskControlClient(provider.Client, code, in.size, in.get(), out.size, out.get(),
                                            returned_pointer, with_irp ? irp->get() : nullptr);
    if (with_irp) {
        irp->check_completed_once(status, "WskControlClient", true);
        return;
    }
    check(status != STATUS_PENDING, "WskControlClient without an IRP returned STATUS_PENDING");

    // How much of the output the call says it wrote.
    SIZE_T written = 0;
    if (NT_SUCCESS(status) && returned_pointer != nullptr && returned != returned_poison) {
        check(returned <= out.size, "a success reported more output than the buffer holds");
        written = returned;
    }
    if (code == WSK_TRANSPORT_LIST_QUERY && returned_pointer != nullptr && returned != returned_poison) {
        check(returned > 0 && returned % sizeof(WSK_TRANSPORT) == 0,
              "the transport list size is not a whole number of WSK_TRANSPORTs");
        if (status == STATUS_BUFFER_OVERFLOW) {
            check(returned > out.size, "STATUS_BUFFER_OVERFLOW for a buffer that was large enough");
        }
    }
    if (code == WSK_TRANSPORT_LIST_QUERY && status == STATUS_SUCCESS) {
        check(returned_pointer != nullptr && out.get() != nullptr, "the transport list succeeded with nowhere to go");
        for (SIZE_T at = 0; at < written; at += sizeof(WSK_TRANSPORT)) {
            WSK_TRANSPORT transport;
            std::memcpy(&transport, out.get() + at, sizeof(transport));
            check((transport.AddressFamily == AF_INET || transport.AddressFamily == AF_INET6) &&
                      ((transport.SocketType == SOCK_STREAM && transport.Protocol == IPPROTO_TCP) ||
                       (transport.SocketType == SOCK_DGRAM && transport.Protocol == IPPROTO_UDP)),
                  "a malformed WSK_TRANSPORT");
        }
    }
    if (code == WSK_SET_STATIC_EVENT_CALLBACKS && NT_SUCCESS(status)) {
        WSK_EVENT_CALLBACK_CONTROL control;
        check(in.get() != nullptr && in.size >= sizeof(control), "static callbacks set without a control block");
        std::memcpy(&control, in.get(), sizeof(control));
        check(npi_id != nullptr && std::memcmp(npi_id, &NPI_WSK_INTERFACE_ID, sizeof(GUID)) == 0,
              "static callbacks set for another NPI");
        check((control.EventMask & ~known_event_bits) == 0, "static callbacks set with unknown event bits");
    }
    // With no OutputSizeReturned the caller cannot know what was written:
    // only a reported size bounds the writes.
    if (out.get() != nullptr && returned_pointer != nullptr) {
        for (SIZE_T i = written; i < out.size; ++i) {
            check(out.get()[i] == untouched, "WskControlClient wrote past the output it reported");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const std::uint64_t serial = wskemu::next_allocation_serial();
    // Another GUID for NpiId: the fuzzer's, or the WSK NPI's with one byte changed.
    GUID other_npi = NPI_WSK_INTERFACE_ID;
    other_npi.Data4[input.ConsumeIntegralInRange(0, 7)] ^= input.ConsumeIntegralInRange<unsigned char>(0, 255);

    WSK_REGISTRATION registration;
    WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
    check(WskRegister(&npi, &registration) == STATUS_SUCCESS, "WskRegister failed");
    WSK_PROVIDER_NPI provider;
    check(WskCaptureProviderNPI(&registration, WSK_NO_WAIT, &provider) == STATUS_SUCCESS,
          "WskCaptureProviderNPI failed");
    const int calls = input.ConsumeIntegralInRange(1, 4);
    for (int i = 0; i < calls; ++i) {
        control_once(input, provider, other_npi);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    wskemu::fuzz::check_no_leaks(serial);
    return 0;
}
