// wskemu: fmt formatters for NTSTATUS (through wskemu::ntstatus), IRP,
// WSK_BUF, MDL and socket addresses; wskemu's own logs use them too.
//   fmt::format("{} -> {}", wskemu::ntstatus{status}, *irp)
// Needs fmt (link fmt::fmt).
#pragma once

#include <fmt/format.h>

#include <wskemu/describe.hpp>
#include <wskemu/status.hpp>

#include <string_view>

namespace wskemu::detail {
/// Formats a wskemu value as the text its describe function gives.
struct text_formatter : fmt::formatter<std::string_view> {
    template <typename Context>
    auto write(const std::string& text, Context& context) const {
        return fmt::formatter<std::string_view>::format(std::string_view(text), context);
    }
};
}  // namespace wskemu::detail

template <>
struct fmt::formatter<wskemu::ntstatus> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(wskemu::ntstatus s, Context& context) const {
        return write(wskemu::describe_status(s.value), context);
    }
};

template <>
struct fmt::formatter<IRP> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const IRP& irp, Context& context) const {
        return write(wskemu::describe_irp(&irp), context);
    }
};

template <>
struct fmt::formatter<WSK_BUF> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const WSK_BUF& buffer, Context& context) const {
        return write(wskemu::describe_wsk_buf(&buffer), context);
    }
};

template <>
struct fmt::formatter<MDL> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const MDL& mdl, Context& context) const {
        return write(wskemu::describe_mdl(&mdl), context);
    }
};

template <>
struct fmt::formatter<SOCKADDR> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const SOCKADDR& address, Context& context) const {
        return write(wskemu::describe_address(&address), context);
    }
};

template <>
struct fmt::formatter<SOCKADDR_IN> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const SOCKADDR_IN& address, Context& context) const {
        return write(wskemu::describe_address(reinterpret_cast<const SOCKADDR*>(&address)), context);
    }
};

template <>
struct fmt::formatter<SOCKADDR_IN6> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const SOCKADDR_IN6& address, Context& context) const {
        return write(wskemu::describe_address(reinterpret_cast<const SOCKADDR*>(&address)), context);
    }
};

template <>
struct fmt::formatter<SOCKADDR_STORAGE> : wskemu::detail::text_formatter {
    template <typename Context>
    auto format(const SOCKADDR_STORAGE& address, Context& context) const {
        return write(wskemu::describe_address(reinterpret_cast<const SOCKADDR*>(&address)), context);
    }
};
