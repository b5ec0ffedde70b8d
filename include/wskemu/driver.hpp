// wskemu: a driver loaded as Windows loads a legacy driver: its DRIVER_OBJECT
// and registry path, DriverEntry, DriverUnload, and what it left behind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wskemu {

/// @brief The address of a driver's DriverEntry. Converts from the routine
/// itself (any DRIVER_INITIALIZE), so that this header needs no WDK types.
class driver_entry {
public:
    template <typename Status, typename DriverObject, typename RegistryPath>
    driver_entry(Status (*routine)(DriverObject*, RegistryPath*)) noexcept  // NOLINT: converts on purpose
        : address_(reinterpret_cast<void*>(routine)) {}

    /// From an address found in a loaded module (dlsym, GetProcAddress).
    static driver_entry from_address(void* address) noexcept { return driver_entry(address); }

    void* address() const noexcept { return address_; }

private:
    explicit driver_entry(void* address) noexcept : address_(address) {}
    void* address_;
};

/// @brief One of a driver's named devices and the symbolic links to it.
struct driver_device {
    std::string name;                ///< "\Device\Echo" (UTF-8)
    std::vector<std::string> links;  ///< "\DosDevices\Echo", as the driver created them
};

/// @brief A driver as the I/O manager holds it. Not copyable.
/// @par Thread Safety Call start(), unload() and the destructor from one
/// thread, at PASSIVE_LEVEL.
class driver {
public:
    /// What unload() did.
    enum class unload_result {
        unloaded,           ///< DriverUnload ran
        no_unload_routine,  ///< the driver set no DriverUnload: it cannot be unloaded (as on Windows)
        not_running,        ///< DriverEntry was not called, failed, or unload() ran already
        handles_open,       ///< files are still open on its devices: Windows defers the unload; nothing ran
    };

    /// Creates the DRIVER_OBJECT (name \Driver\<service_name>, every
    /// MajorFunction set to the I/O manager's default routine, which fails the
    /// IRP with STATUS_INVALID_DEVICE_REQUEST) and the registry path
    /// \Registry\Machine\System\CurrentControlSet\Services\<service_name>.
    /// Nothing of the driver runs yet.
    driver(driver_entry entry, std::string_view service_name);
    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;
    /// Unloads the driver if it still runs, then deletes what it left behind
    /// (devices, links) with a warning in the log, so the names are free
    /// again. With files still open on its devices the driver object is kept
    /// alive (leaked) instead.
    ~driver();

    /// Calls DriverEntry on this thread at PASSIVE_LEVEL; on success clears
    /// DO_DEVICE_INITIALIZING on the devices it created, as the I/O manager
    /// does, so that they can be opened.
    /// @return DriverEntry's status (an NTSTATUS); STATUS_INVALID_DEVICE_STATE
    /// without calling it if start() was called before.
    std::int32_t start();

    /// True after a successful start() and until unload().
    bool running() const noexcept;

    /// True if the driver set DriverUnload.
    bool has_unload_routine() const noexcept;

    /// The driver's named devices, oldest first.
    std::vector<driver_device> devices() const;

    /// Calls DriverUnload on this thread at PASSIVE_LEVEL, if the driver runs,
    /// set one, and has no files open on its devices.
    unload_result unload();

    /// What the driver object still holds, one sentence each: devices not
    /// deleted, symbolic links left pointing at its devices, files still open.
    /// Meaningful after unload() or a failed start(); empty when clean.
    std::vector<std::string> leftovers() const;

    /// The DRIVER_OBJECT, for tests that inspect it (a PDRIVER_OBJECT).
    void* driver_object() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace wskemu
