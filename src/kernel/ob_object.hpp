// wskemu: the object manager: reference counts and the kernel handle table.
// Objects are registered by address while alive (a side table of live
// objects only); the entry goes away with the object.
#pragma once

#include <wdm.h>

#include <cstddef>

/// An object type (*PsThreadType, *PsProcessType).
struct _OBJECT_TYPE {
    const char* name;
    /// Frees the object when its last reference goes; NULL for permanent
    /// objects. May call driver code (a file object's IRP_MJ_CLOSE), so a bug
    /// check raised there reaches the caller of ObDereferenceObject.
    void (*delete_procedure)(void* body);
};

namespace wskemu::kernel {

/// The thread and process types.
_OBJECT_TYPE* thread_object_type() noexcept;
_OBJECT_TYPE* process_object_type() noexcept;

/// Registers @p body as an object of @p type holding @p pointer_count
/// references. Objects of a type without a delete procedure are permanent.
void insert_object(void* body, _OBJECT_TYPE* type, LONG_PTR pointer_count);

/// Adds a reference; returns the new count (1 for untracked objects).
LONG_PTR reference_object(void* body);

/// Drops a reference and deletes the object at zero; returns the new count
/// (1 for untracked objects). Safe under the dispatcher lock for thread
/// objects, whose delete procedure takes no emulator locks.
LONG_PTR dereference_object(void* body);

/// The type of a live tracked object, or NULL.
_OBJECT_TYPE* object_type_of(void* body);

/// Creates a kernel handle to @p body, which takes one reference.
NTSTATUS create_handle(void* body, ACCESS_MASK granted_access, HANDLE* handle);

/// Number of live objects that can be deleted, not counting threads that are
/// still running (their own reference keeps them): for leak checks in tests.
std::size_t live_object_count();

}  // namespace wskemu::kernel
