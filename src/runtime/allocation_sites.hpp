// wskemu: the allocation sites a test body reaches, recorded for the
// systematic allocation-failure sweep (allocation_sweep.cpp).
#pragma once

#include <wskemu/operation.hpp>

#include <vector>

namespace wskemu::rt {

struct allocation_site {
    allocation_kind kind;
    const void* site;  // the return address into the allocating code
};

/// Records `site` if a recording is under way.
void note_allocation_site(allocation_kind kind, const void* site);
/// Starts recording (clearing what was recorded).
void start_site_recording();
/// Stops recording; the distinct sites seen, in first-seen order.
std::vector<allocation_site> stop_site_recording();

}  // namespace wskemu::rt
