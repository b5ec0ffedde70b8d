// wskemu host side: a move-only callable with inline storage, used for every
// completion handler so that a typical handler (a few pointers) costs no heap
// allocation per operation.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace wskemu::net {

template <typename Signature, std::size_t InlineSize = 48>
class callback;

// Callables up to InlineSize bytes that are nothrow-movable live inside the
// object; larger ones go to the heap (once, at construction).
template <typename R, typename... Args, std::size_t InlineSize>
class callback<R(Args...), InlineSize> {
public:
    callback() noexcept = default;
    callback(std::nullptr_t) noexcept {}

    template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, callback> &&
                                                      std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
    callback(F&& f) {  // NOLINT(google-explicit-constructor): handlers are passed as lambdas
        using stored = std::decay_t<F>;
        if constexpr (fits_inline<stored>) {
            ::new (static_cast<void*>(storage_)) stored(std::forward<F>(f));
            ops_ = &inline_ops<stored>;
        } else {
            *reinterpret_cast<stored**>(storage_) = new stored(std::forward<F>(f));
            ops_ = &heap_ops<stored>;
        }
    }

    callback(callback&& other) noexcept { take(other); }

    callback& operator=(callback&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }

    callback(const callback&) = delete;
    callback& operator=(const callback&) = delete;

    ~callback() { reset(); }

    // True when a callable is held.
    explicit operator bool() const noexcept { return ops_ != nullptr; }

    // Calls the held callable (precondition: one is held).
    R operator()(Args... args) { return ops_->invoke(storage_, std::forward<Args>(args)...); }

    // Destroys the held callable, if any, without calling it.
    void reset() noexcept {
        if (ops_ != nullptr) {
            ops_->destroy(storage_);
            ops_ = nullptr;
        }
    }

private:
    struct operations {
        R (*invoke)(void*, Args&&...);
        void (*move)(void* from, void* to) noexcept;
        void (*destroy)(void*) noexcept;
    };

    template <typename F>
    static constexpr bool fits_inline = sizeof(F) <= InlineSize && alignof(F) <= alignof(std::max_align_t) &&
                                        std::is_nothrow_move_constructible_v<F>;

    template <typename F>
    static constexpr operations inline_ops = {
        [](void* s, Args&&... args) -> R { return (*std::launder(static_cast<F*>(s)))(std::forward<Args>(args)...); },
        [](void* from, void* to) noexcept {
            F* f = std::launder(static_cast<F*>(from));
            ::new (to) F(std::move(*f));
            f->~F();
        },
        [](void* s) noexcept { std::launder(static_cast<F*>(s))->~F(); },
    };

    template <typename F>
    static constexpr operations heap_ops = {
        [](void* s, Args&&... args) -> R { return (**static_cast<F**>(s))(std::forward<Args>(args)...); },
        [](void* from, void* to) noexcept { *static_cast<F**>(to) = *static_cast<F**>(from); },
        [](void* s) noexcept { delete *static_cast<F**>(s); },
    };

    void take(callback& other) noexcept {
        if (other.ops_ != nullptr) {
            other.ops_->move(other.storage_, storage_);
            ops_ = other.ops_;
            other.ops_ = nullptr;
        }
    }

    alignas(std::max_align_t) unsigned char storage_[InlineSize];
    const operations* ops_ = nullptr;
};

}  // namespace wskemu::net
