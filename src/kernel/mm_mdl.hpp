// wskemu: MDL bookkeeping shared with the verifier and the WSK provider.
#pragma once

#include <wdm.h>

#include "common/stack_trace.hpp"

#include <cstddef>
#include <vector>

namespace wskemu::kernel {

/// An MDL whose pages were probed and locked and not yet unlocked.
struct locked_mdl_info {
    const MDL* mdl;
    const void* lock_site;  // return address into the code that locked it
    common::stack_trace lock_stack;  // where it was locked (empty if stacks are off)
};

/// MDLs locked by MmProbeAndLockPages and not yet unlocked, oldest first.
std::vector<locked_mdl_info> locked_mdls();

/// Address of the first byte an MDL describes, whatever its flags.
inline unsigned char* mdl_buffer(const MDL* mdl) {
    return static_cast<unsigned char*>(mdl->StartVa) + mdl->ByteOffset;
}

}  // namespace wskemu::kernel
