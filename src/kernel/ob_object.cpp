// wskemu: object references and kernel handles.
#include "ob_object.hpp"

#include "ke_dispatcher.hpp"
#include "log.hpp"
#include "ps_thread.hpp"

#include <mutex>
#include <unordered_map>

namespace wskemu::kernel {

namespace {

struct object_entry {
    _OBJECT_TYPE* type;
    LONG_PTR pointer_count;
};

struct handle_entry {
    void* body;
    ACCESS_MASK granted_access;
};

// Kernel handles have the top bit set on Windows; values are never reused,
// so a stale handle fails instead of reaching a newer object.
constexpr ULONG_PTR kernel_handle_base = 0xFFFFFFFF80000000ULL;

struct object_table {
    std::mutex lock;
    std::unordered_map<void*, object_entry> objects;
    std::unordered_map<ULONG_PTR, handle_entry> handles;
    ULONG_PTR next_handle = kernel_handle_base + 4;
};

object_table& table() {
    // Leaked on purpose: system threads may drop references while the process exits.
    static auto* const instance = new object_table;
    return *instance;
}

void warn_untracked(const char* function, void* body) {
    log().debug("{}({}): not an object the object manager created; treated as permanent", function, body);
}

void delete_thread(void* body) noexcept { delete static_cast<_ETHREAD*>(body); }

// Constant-initialised, so *PsThreadType is valid before any dynamic initialiser runs.
_OBJECT_TYPE thread_type{"Thread", &delete_thread};
_OBJECT_TYPE process_type{"Process", nullptr};

}  // namespace

_OBJECT_TYPE* thread_object_type() noexcept { return &thread_type; }

_OBJECT_TYPE* process_object_type() noexcept { return &process_type; }

void insert_object(void* body, _OBJECT_TYPE* type, LONG_PTR pointer_count) {
    auto& t = table();
    std::lock_guard lock(t.lock);
    t.objects[body] = object_entry{type, pointer_count};
}

LONG_PTR reference_object(void* body) {
    auto& t = table();
    std::lock_guard lock(t.lock);
    const auto it = t.objects.find(body);
    if (it == t.objects.end()) {
        warn_untracked("ObfReferenceObject", body);
        return 1;
    }
    return ++it->second.pointer_count;
}

LONG_PTR dereference_object(void* body) {
    auto& t = table();
    void (*delete_procedure)(void*) = nullptr;
    LONG_PTR count = 0;
    {
        std::lock_guard lock(t.lock);
        const auto it = t.objects.find(body);
        if (it == t.objects.end()) {
            warn_untracked("ObfDereferenceObject", body);
            return 1;
        }
        count = --it->second.pointer_count;
        if (count > 0 || it->second.type->delete_procedure == nullptr) {
            return count;
        }
        delete_procedure = it->second.type->delete_procedure;
        t.objects.erase(it);
    }
    delete_procedure(body);
    return 0;
}

_OBJECT_TYPE* object_type_of(void* body) {
    auto& t = table();
    std::lock_guard lock(t.lock);
    const auto it = t.objects.find(body);
    return it == t.objects.end() ? nullptr : it->second.type;
}

NTSTATUS create_handle(void* body, ACCESS_MASK granted_access, HANDLE* handle) {
    auto& t = table();
    std::lock_guard lock(t.lock);
    const auto it = t.objects.find(body);
    if (it == t.objects.end()) {
        return STATUS_INVALID_PARAMETER;
    }
    ++it->second.pointer_count;
    const ULONG_PTR value = t.next_handle;
    t.next_handle += 4;
    t.handles.emplace(value, handle_entry{body, granted_access});
    *handle = reinterpret_cast<HANDLE>(value);
    return STATUS_SUCCESS;
}

std::size_t live_object_count() {
    // Lock order: dispatcher, then the table (thread exit takes them so).
    std::lock_guard dispatcher(dispatcher_lock());
    auto& t = table();
    std::lock_guard lock(t.lock);
    std::size_t n = 0;
    for (const auto& [body, entry] : t.objects) {
        if (entry.type->delete_procedure == nullptr) {
            continue;
        }
        if (entry.type == &thread_type && static_cast<_ETHREAD*>(body)->Tcb.Header.SignalState == 0) {
            continue;  // a running thread: its own reference keeps it
        }
        ++n;
    }
    return n;
}

}  // namespace wskemu::kernel

namespace kernel = wskemu::kernel;

namespace {
POBJECT_TYPE thread_type_pointer = &kernel::thread_type;
POBJECT_TYPE process_type_pointer = &kernel::process_type;
}  // namespace

extern "C" {
POBJECT_TYPE* PsThreadType = &thread_type_pointer;
POBJECT_TYPE* PsProcessType = &process_type_pointer;
}

/* ObReferenceObjectByHandle (ntoskrnl): kernel handles and the NtCurrentThread
 * and NtCurrentProcess pseudo handles. No access checks (KernelMode). */
extern "C" NTSTATUS NTAPI ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                                    PVOID* Object, POBJECT_HANDLE_INFORMATION HandleInformation) {
    (void)DesiredAccess;
    if (Object == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    *Object = nullptr;
    void* body = nullptr;
    ACCESS_MASK granted = 0;
    if (Handle == NtCurrentThread() || Handle == NtCurrentProcess()) {
        // The current thread and the process outlive this call.
        body = Handle == NtCurrentThread() ? static_cast<void*>(kernel::current_thread())
                                           : static_cast<void*>(kernel::system_process());
        granted = Handle == NtCurrentThread() ? THREAD_ALL_ACCESS : PROCESS_ALL_ACCESS;
        if (ObjectType != nullptr && kernel::object_type_of(body) != ObjectType) {
            return STATUS_OBJECT_TYPE_MISMATCH;
        }
        kernel::reference_object(body);
    } else {
        if (AccessMode != KernelMode) {
            // Kernel handles are out of reach of a user-mode request.
            return STATUS_INVALID_HANDLE;
        }
        // Look up, check and reference under one lock, so that a concurrent
        // ZwClose cannot free the object in between.
        auto& t = kernel::table();
        std::lock_guard lock(t.lock);
        const auto handle = t.handles.find(reinterpret_cast<ULONG_PTR>(Handle));
        if (handle == t.handles.end()) {
            return STATUS_INVALID_HANDLE;
        }
        body = handle->second.body;
        granted = handle->second.granted_access;
        auto& object = t.objects.at(body);
        if (ObjectType != nullptr && object.type != ObjectType) {
            return STATUS_OBJECT_TYPE_MISMATCH;
        }
        ++object.pointer_count;
    }
    if (HandleInformation != nullptr) {
        HandleInformation->HandleAttributes = 0;
        HandleInformation->GrantedAccess = granted;
    }
    *Object = body;
    return STATUS_SUCCESS;
}

/* ObReferenceObjectByPointer (ntoskrnl) */
extern "C" NTSTATUS NTAPI ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                     KPROCESSOR_MODE AccessMode) {
    (void)DesiredAccess;
    (void)AccessMode;
    if (ObjectType != nullptr && kernel::object_type_of(Object) != ObjectType) {
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    kernel::reference_object(Object);
    return STATUS_SUCCESS;
}

/* ObfReferenceObject (ntoskrnl): the body of ObReferenceObject. */
extern "C" LONG_PTR FASTCALL ObfReferenceObject(PVOID Object) { return kernel::reference_object(Object); }

/* ObfDereferenceObject (ntoskrnl): the body of ObDereferenceObject. */
extern "C" LONG_PTR FASTCALL ObfDereferenceObject(PVOID Object) { return kernel::dereference_object(Object); }

/* ZwClose (ntoskrnl): closes a kernel handle, dropping its reference. */
extern "C" NTSTATUS NTAPI ZwClose(HANDLE Handle) {
    void* body = nullptr;
    {
        auto& t = kernel::table();
        std::lock_guard lock(t.lock);
        const auto it = t.handles.find(reinterpret_cast<ULONG_PTR>(Handle));
        if (it == t.handles.end()) {
            return STATUS_INVALID_HANDLE;
        }
        body = it->second.body;
        t.handles.erase(it);
    }
    kernel::dereference_object(body);
    return STATUS_SUCCESS;
}
