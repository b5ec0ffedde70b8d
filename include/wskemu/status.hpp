// wskemu: NTSTATUS values by name, for logs and test output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wskemu {

/// @brief The name of an NTSTATUS value ("STATUS_PENDING"), or an empty view
/// when wskemu's table does not know it.
std::string_view status_name(std::int32_t status) noexcept;

/// @brief The value of a "STATUS_*" name wskemu's table knows, or nullopt.
std::optional<std::int32_t> status_from_name(std::string_view name) noexcept;

/// @brief "STATUS_PENDING (0x00000103)", or "0xC0001234" for an unknown value.
std::string describe_status(std::int32_t status);

}  // namespace wskemu
