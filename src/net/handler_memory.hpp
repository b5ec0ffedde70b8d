// wskemu host side, internal: per-socket recycled memory for Asio's operation
// objects, so a steady stream of sends or receives allocates nothing.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>
#include <utility>

namespace wskemu::net::detail {

// One reusable block. A socket has one per kind of native operation it keeps
// at most one of in flight (a write, a read); Asio frees the block before it
// calls the handler, so the handler can start the next operation in it.
class handler_slot {
public:
    handler_slot() = default;
    handler_slot(const handler_slot&) = delete;
    handler_slot& operator=(const handler_slot&) = delete;

    void* allocate(std::size_t size) {
        bool expected = false;
        if (size <= sizeof(storage_) && in_use_.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
            return storage_;
        }
        return ::operator new(size);
    }

    void deallocate(void* p) noexcept {
        if (p == storage_) {
            in_use_.store(false, std::memory_order_release);
        } else {
            ::operator delete(p);
        }
    }

private:
    alignas(std::max_align_t) unsigned char storage_[320];
    std::atomic<bool> in_use_{false};
};

// The Asio associated allocator that draws from a handler_slot.
template <typename T>
class slot_allocator {
public:
    using value_type = T;

    explicit slot_allocator(handler_slot* slot) noexcept : slot_(slot) {}
    template <typename U>
    slot_allocator(const slot_allocator<U>& other) noexcept : slot_(other.slot()) {}  // NOLINT: rebinding

    T* allocate(std::size_t n) { return static_cast<T*>(slot_->allocate(sizeof(T) * n)); }
    void deallocate(T* p, std::size_t) noexcept { slot_->deallocate(p); }
    handler_slot* slot() const noexcept { return slot_; }

    template <typename U>
    bool operator==(const slot_allocator<U>& other) const noexcept { return slot_ == other.slot(); }
    template <typename U>
    bool operator!=(const slot_allocator<U>& other) const noexcept { return slot_ != other.slot(); }

private:
    handler_slot* slot_;
};

// A handler carrying its slot as Asio's associated allocator.
template <typename Function>
class slot_handler {
public:
    using allocator_type = slot_allocator<void>;

    slot_handler(handler_slot& slot, Function f) : slot_(&slot), function_(std::move(f)) {}
    allocator_type get_allocator() const noexcept { return allocator_type(slot_); }

    template <typename... Args>
    void operator()(Args&&... args) {
        function_(std::forward<Args>(args)...);
    }

private:
    handler_slot* slot_;
    Function function_;
};

}  // namespace wskemu::net::detail
