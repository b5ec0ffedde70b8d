// wskemu: the public view of live kernel objects (include/wskemu/leak_report.hpp).
#include <wskemu/leak_report.hpp>

#include "ex_pool.hpp"

#include <fmt/format.h>

namespace wskemu {

namespace {

const char* kind_text(kernel::block_kind kind) {
    switch (kind) {
    case kernel::block_kind::pool: return "pool block";
    case kernel::block_kind::irp: return "IRP";
    case kernel::block_kind::mdl: return "MDL";
    case kernel::block_kind::page_run: return "page run";
    }
    return "block";
}

}  // namespace

std::vector<live_kernel_object> live_kernel_objects() {
    std::vector<live_kernel_object> objects;
    for (const auto& block : kernel::live_blocks()) {
        objects.push_back({kind_text(block.kind), block.tag, block.size, block.address, block.allocation_site,
                           block.serial});
    }
    return objects;
}

std::string format_pool_tag(std::uint32_t tag) { return kernel::tag_text(tag); }

std::uint64_t next_allocation_serial() { return kernel::next_block_serial(); }

std::string format_leak_report(std::uint64_t since) {
    std::string report;
    for (const auto& block : kernel::live_blocks()) {
        if (block.serial < since) {
            continue;
        }
        report += fmt::format("{} at {}, {} bytes, tag {}, allocated at {}\n", kind_text(block.kind), block.address,
                              block.size, kernel::tag_text(block.tag), block.allocation_site);
    }
    return report;
}

}  // namespace wskemu
