// wskemu: the verifier's view of IRPs a provider holds: taken by a WSK call
// until it is completed. The provider calls irp_taken() and completion_scope;
// the I/O routines ask before they free, reuse or unlock what a held IRP uses.
#pragma once

#include <wdm.h>

#include <cstddef>

namespace wskemu::kernel::verifier {

/// A WSK call is about to take @p irp (before its stack location is
/// consumed). Checks a freed IRP (bug check), an IRP another call still holds,
/// one without a free stack location, and for a client-allocated IRP (no
/// location in use) its completion routine and invoke flags. Returns false if
/// the call must refuse the IRP without touching it; otherwise the IRP is
/// held until its completion_scope.
bool irp_taken(PIRP irp, const char* function);

/// The provider marks taken @p irp pending: from now on another thread may
/// complete it, so the verifier's entry for it moves where every thread sees
/// it. Must come before the operation that completes it is started.
void irp_pending(PIRP irp);

/// The function of the WSK call the calling thread is making (set by
/// irp_taken), or nullptr.
const char* current_call() noexcept;

/// Records the MDLs of the buffer of the calling thread's current call (the
/// one irp_taken last accepted): @p count MDLs from @p first along Next.
/// IoFreeMdl or MmUnlockPages on one of them while the IRP is held is
/// reported.
void buffer_in_use(const MDL* first, std::size_t count);
/// Records the bytes a send of the current call will read, for the opt-in
/// buffer.modified_while_pending checksum.
void send_bytes(const void* data, std::size_t size);
/// True if the checksum rule is on (callers skip send_bytes otherwise).
bool checksum_enabled() noexcept;

/// Around the provider's IoCompleteRequest of a held IRP: the IRP is no longer
/// held (a checksum recorded for it is verified first), and if it is a
/// client-allocated IRP, the completion stops once it leaves the provider's
/// location instead of reaching the I/O manager's final step.
class completion_scope {
public:
    explicit completion_scope(PIRP irp);
    ~completion_scope();
    completion_scope(const completion_scope&) = delete;
    completion_scope& operator=(const completion_scope&) = delete;

private:
    const IRP* previous_;
    bool previous_client_;
    const char* previous_function_;
};

/// IofCompleteRequest's last location has completed and no routine stopped
/// it. For a client-allocated IRP the provider is completing, reports a
/// routine that returned @p status (not STATUS_MORE_PROCESSING_REQUIRED) and
/// returns true: the IRP stays with the driver. False otherwise.
bool stops_at_top(PIRP irp, bool routine_ran, NTSTATUS status);

/// A freed IRP (in the quarantine) given to @p function: bug check.
void check_not_freed(PIRP irp, const char* function);

/// IoFreeIrp / IoReuseIrp on an IRP: false if a WSK call still holds it
/// (reported; the free or reuse is skipped so that the provider's completion
/// stays safe).
bool irp_releasable(PIRP irp, const char* function);

/// IoFreeMdl / MmUnlockPages on an MDL: reports one that a held IRP's buffer
/// uses. Returns false if the MDL must not be freed now.
bool mdl_releasable(const MDL* mdl, const char* function);

/// IRPs held now (for tests and the leak report).
std::size_t held_irps();

}  // namespace wskemu::kernel::verifier
