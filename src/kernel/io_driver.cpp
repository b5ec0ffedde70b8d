// wskemu: driver objects: created, started with DriverEntry and unloaded as
// the I/O manager does for a legacy driver (include/wskemu/driver.hpp).
#include "io_driver.hpp"

#include <wskemu/driver.hpp>

#include "io_device.hpp"
#include "irql.hpp"
#include "log.hpp"
#include "windows_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace wskemu {

namespace kernel {

NTSTATUS NTAPI invalid_device_request(PDEVICE_OBJECT device, PIRP irp) {
    (void)device;
    irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

}  // namespace kernel

namespace {

enum class phase { created, running, failed, unloaded };

UNICODE_STRING counted(std::wstring& text) {
    UNICODE_STRING s;
    s.Buffer = text.data();
    s.Length = static_cast<USHORT>(text.size() * sizeof(WCHAR));
    s.MaximumLength = s.Length;
    return s;
}

// The driver's devices, newest first (the order of DriverObject->DeviceObject).
std::vector<PDEVICE_OBJECT> devices_of(const DRIVER_OBJECT& object) {
    std::vector<PDEVICE_OBJECT> devices;
    for (PDEVICE_OBJECT d = object.DeviceObject; d != nullptr; d = d->NextDevice) {
        devices.push_back(d);
    }
    return devices;
}

}  // namespace

struct driver::state {
    PDRIVER_INITIALIZE entry;
    std::wstring service;
    std::wstring driver_name;
    std::wstring registry_path;
    std::wstring hardware_database = L"\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM";
    UNICODE_STRING registry{};
    UNICODE_STRING hardware{};
    DRIVER_EXTENSION extension{};
    DRIVER_OBJECT object{};
    phase at = phase::created;
    // Every device name the driver has had, to find links it leaves behind.
    std::set<std::wstring> device_names;

    void remember_device_names() {
        for (PDEVICE_OBJECT d : devices_of(object)) {
            if (auto name = kernel::device_name(d); !name.empty()) {
                device_names.insert(std::move(name));
            }
        }
    }

    bool files_open() const {
        const auto devices = devices_of(object);
        return std::any_of(devices.begin(), devices.end(), [](PDEVICE_OBJECT d) { return d->ReferenceCount != 0; });
    }
};

driver::driver(driver_entry entry, std::string_view service_name) : state_(std::make_unique<state>()) {
    auto& s = *state_;
    s.entry = reinterpret_cast<PDRIVER_INITIALIZE>(entry.address());
    s.service = kernel::utf8_to_wide(service_name);
    s.driver_name = L"\\Driver\\" + s.service;
    s.registry_path = L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\" + s.service;
    s.registry = counted(s.registry_path);
    s.hardware = counted(s.hardware_database);
    s.object.Type = IO_TYPE_DRIVER;
    s.object.Size = sizeof(DRIVER_OBJECT);
    s.object.DriverExtension = &s.extension;
    s.object.DriverName = counted(s.driver_name);
    s.object.HardwareDatabase = &s.hardware;
    s.object.DriverInit = s.entry;
    s.extension.DriverObject = &s.object;
    s.extension.ServiceKeyName = counted(s.service);
    std::fill(std::begin(s.object.MajorFunction), std::end(s.object.MajorFunction), &kernel::invalid_device_request);
}

driver::~driver() {
    auto& s = *state_;
    if (s.at == phase::running) {
        unload();
    }
    if (s.files_open()) {
        kernel::log().warn("driver {}: files are still open on its devices; its driver object stays allocated",
                           kernel::wide_to_utf8(s.driver_name));
        (void)state_.release();
        return;
    }
    for (const auto& left : leftovers()) {
        kernel::log().warn("driver {}: {}; deleting it", kernel::wide_to_utf8(s.driver_name), left);
    }
    for (const auto& name : s.device_names) {
        for (const auto& link : kernel::links_to(name)) {
            UNICODE_STRING text{};
            std::wstring copy = link;
            text = counted(copy);
            IoDeleteSymbolicLink(&text);
        }
    }
    while (s.object.DeviceObject != nullptr) {
        IoDeleteDevice(s.object.DeviceObject);
    }
}

std::int32_t driver::start() {
    auto& s = *state_;
    if (s.at != phase::created) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    s.at = phase::failed;  // until DriverEntry returns success
    NTSTATUS status;
    {
        kernel::irql_scope scope(PASSIVE_LEVEL, "DriverEntry");
        status = s.entry(&s.object, &s.registry);
    }
    s.remember_device_names();
    if (NT_SUCCESS(status)) {
        s.at = phase::running;
        // The I/O manager does this for devices created in DriverEntry.
        for (PDEVICE_OBJECT d : devices_of(s.object)) {
            d->Flags &= ~DO_DEVICE_INITIALIZING;
        }
    }
    return status;
}

bool driver::running() const noexcept { return state_->at == phase::running; }

bool driver::has_unload_routine() const noexcept { return state_->object.DriverUnload != nullptr; }

std::vector<driver_device> driver::devices() const {
    auto devices = devices_of(state_->object);
    std::reverse(devices.begin(), devices.end());
    std::vector<driver_device> named;
    for (PDEVICE_OBJECT d : devices) {
        const auto name = kernel::device_name(d);
        if (name.empty()) {
            continue;
        }
        driver_device device{kernel::wide_to_utf8(name), {}};
        for (const auto& link : kernel::links_to(name)) {
            device.links.push_back(kernel::wide_to_utf8(link));
        }
        named.push_back(std::move(device));
    }
    return named;
}

driver::unload_result driver::unload() {
    auto& s = *state_;
    if (s.at != phase::running) {
        return unload_result::not_running;
    }
    if (s.object.DriverUnload == nullptr) {
        return unload_result::no_unload_routine;
    }
    if (s.files_open()) {
        return unload_result::handles_open;
    }
    s.remember_device_names();
    s.at = phase::unloaded;
    kernel::irql_scope scope(PASSIVE_LEVEL, "DriverUnload");
    s.object.DriverUnload(&s.object);
    return unload_result::unloaded;
}

std::vector<std::string> driver::leftovers() const {
    const auto& s = *state_;
    std::vector<std::string> left;
    for (PDEVICE_OBJECT d : devices_of(s.object)) {
        const auto name = kernel::device_name(d);
        const std::string shown =
            name.empty() ? fmt::format("unnamed device {}", static_cast<void*>(d)) : "device " + kernel::wide_to_utf8(name);
        left.push_back(shown + " was not deleted");
        if (d->ReferenceCount != 0) {
            left.push_back(fmt::format("{} has {} open file(s)", shown, d->ReferenceCount));
        }
    }
    for (const auto& name : s.device_names) {
        for (const auto& link : kernel::links_to(name)) {
            left.push_back(fmt::format("symbolic link {} -> {} was not deleted", kernel::wide_to_utf8(link),
                                       kernel::wide_to_utf8(name)));
        }
    }
    return left;
}

void* driver::driver_object() const noexcept { return &state_->object; }

}  // namespace wskemu
