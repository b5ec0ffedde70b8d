// Fuzz target: WSK_BUF validation and gathering over MDL chains
// (src/wsk/wsk_buf.hpp map_wsk_buf, advance_pieces, truncate_pieces).
//
// The input builds up to eight MDLs, each over a heap buffer of exactly its
// size (so AddressSanitizer sees any byte read past it): plain, built for
// nonpaged pool, or partial (IoBuildPartialMdl over a fuzzer-chosen range of
// another buffer, which must bug-check exactly when the range is outside).
// The chain may loop back on itself. Then a WSK_BUF with fuzzer-chosen Mdl,
// Offset and Length is mapped, and checked against a model that walks the
// same chain: the same verdict, the same bytes in the same order, and the
// same bytes again after advancing and truncating the piece list.
#include <wdm.h>
#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_support.hpp"
#include "net/buffer.hpp"
#include "wsk/wsk_buf.hpp"

namespace {

using wskemu::fuzz::check;

constexpr std::size_t max_mdls = 8;
constexpr ULONG max_buffer = 3 * PAGE_SIZE;
// Gather (and compare) the bytes only up to this length; longer WSK_BUFs
// (possible through a loop) are checked by their sizes.
constexpr std::size_t max_gathered = 1 << 20;

struct described_buffer {
    std::unique_ptr<unsigned char[]> bytes;  // exactly `size` bytes
    ULONG size = 0;
    PMDL mdl = nullptr;
    const unsigned char* first = nullptr;  // the first byte the MDL describes
    ULONG count = 0;                       // bytes the MDL describes
};

template <typename Piece>
std::vector<unsigned char> gather(const std::vector<Piece>& pieces) {
    std::vector<unsigned char> out;
    for (const Piece& piece : pieces) {
        const auto* p = static_cast<const unsigned char*>(piece.data);
        out.insert(out.end(), p, p + piece.size);
    }
    return out;
}

template <typename Piece>
std::size_t total_size(const std::vector<Piece>& pieces) {
    std::size_t sum = 0;
    for (const Piece& piece : pieces) {
        check(piece.size > 0, "map_wsk_buf produced an empty piece");
        sum += piece.size;
    }
    return sum;
}

// Maps `buffer` as Piece/Byte and checks the result against the model.
template <typename Piece, typename Byte>
void check_mapping(const WSK_BUF& buffer, bool model_valid, const std::vector<unsigned char>* model_bytes,
                   std::size_t advance, std::size_t keep) {
    std::vector<Piece> pieces{Piece{}};  // not empty: the call must clear it
    std::size_t total = 12345;
    const NTSTATUS status = wskemu::wsk::map_wsk_buf<Piece, Byte>(&buffer, pieces, total);
    if (!model_valid) {
        check(status == STATUS_INVALID_PARAMETER, "an invalid WSK_BUF was accepted");
        check(pieces.empty() && total == 0, "a refused WSK_BUF left pieces or a total");
        return;
    }
    check(status == STATUS_SUCCESS, "a valid WSK_BUF was refused");
    check(total == buffer.Length, "total differs from WSK_BUF.Length");
    check(total_size(pieces) == buffer.Length, "the pieces do not add up to WSK_BUF.Length");
    if (model_bytes == nullptr) {
        return;
    }
    check(gather(pieces) == *model_bytes, "the gathered bytes differ from the chain's");

    wskemu::wsk::advance_pieces(pieces, advance);
    const std::size_t skipped = std::min(advance, model_bytes->size());
    std::vector<unsigned char> expected(model_bytes->begin() + static_cast<std::ptrdiff_t>(skipped),
                                        model_bytes->end());
    check(gather(pieces) == expected, "advance_pieces kept the wrong bytes");
    wskemu::wsk::truncate_pieces(pieces, keep);
    expected.resize(std::min(keep, expected.size()));
    check(total_size(pieces) == expected.size() && gather(pieces) == expected, "truncate_pieces kept the wrong bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const std::uint64_t serial = wskemu::next_allocation_serial();

    const std::size_t count = input.ConsumeIntegralInRange<std::size_t>(1, max_mdls);
    std::vector<described_buffer> buffers(count);
    std::vector<PMDL> parents;  // sources of partial MDLs, freed at the end
    for (described_buffer& b : buffers) {
        b.size = input.ConsumeIntegralInRange<ULONG>(0, max_buffer);
        b.bytes = std::make_unique<unsigned char[]>(b.size);
        for (ULONG i = 0; i < b.size; ++i) {
            b.bytes[i] = static_cast<unsigned char>(i * 31 + b.size);
        }
        switch (input.ConsumeIntegralInRange(0, 2)) {
        case 0:  // as allocated
            b.mdl = IoAllocateMdl(b.bytes.get(), b.size, FALSE, FALSE, nullptr);
            check(b.mdl != nullptr, "IoAllocateMdl failed");
            b.first = b.bytes.get();
            b.count = b.size;
            break;
        case 1:  // built for nonpaged pool
            b.mdl = IoAllocateMdl(b.bytes.get(), b.size, FALSE, FALSE, nullptr);
            check(b.mdl != nullptr, "IoAllocateMdl failed");
            MmBuildMdlForNonPagedPool(b.mdl);
            b.first = b.bytes.get();
            b.count = b.size;
            break;
        default: {  // partial: a fuzzer-chosen range of the whole buffer, maybe outside it
            PMDL parent = IoAllocateMdl(b.bytes.get(), b.size, FALSE, FALSE, nullptr);
            check(parent != nullptr, "IoAllocateMdl failed");
            MmBuildMdlForNonPagedPool(parent);
            parents.push_back(parent);
            const ULONG offset = input.ConsumeIntegralInRange<ULONG>(0, b.size + 2);
            const ULONG length = input.ConsumeIntegralInRange<ULONG>(0, b.size + 2);
            const ULONG described = length == 0 && offset <= b.size ? b.size - offset : length;
            const bool inside = offset <= b.size && std::uint64_t{offset} + described <= b.size;
            // May lie past the buffer: an address, never dereferenced here.
            const auto address = reinterpret_cast<PVOID>(reinterpret_cast<std::uintptr_t>(b.bytes.get()) + offset);
            // The target is sized for what it will describe, so only the range can be wrong.
            b.mdl = IoAllocateMdl(address, inside ? described : 0, FALSE, FALSE, nullptr);
            check(b.mdl != nullptr, "IoAllocateMdl failed");
            bool raised = false;
            try {
                wskemu::catch_bug_check([&] { IoBuildPartialMdl(parent, b.mdl, address, length); });
            } catch (const wskemu::bug_check_error& e) {
                raised = true;
                check(!inside && e.code() == DRIVER_VERIFIER_DETECTED_VIOLATION,
                      "IoBuildPartialMdl bug-checked a range inside its source", e.what());
            }
            check(raised || inside, "IoBuildPartialMdl accepted a range outside its source");
            if (raised) {
                // A driver that made this call has stopped the machine; go on
                // with a plain MDL over the whole buffer.
                IoFreeMdl(b.mdl);
                b.mdl = IoAllocateMdl(b.bytes.get(), b.size, FALSE, FALSE, nullptr);
                check(b.mdl != nullptr, "IoAllocateMdl failed");
                b.first = b.bytes.get();
                b.count = b.size;
            } else {
                b.first = b.bytes.get() + offset;
                b.count = described;
            }
            break;
        }
        }
        check(wskemu::kernel::mdl_buffer(b.mdl) == b.first && b.mdl->ByteCount == b.count,
              "an MDL describes other bytes than it was built for");
    }

    // The chain: in order, and the last MDL may point back to any of them.
    std::vector<int> next(count);
    for (std::size_t i = 0; i < count; ++i) {
        next[i] = i + 1 < count ? static_cast<int>(i + 1) : -1;
    }
    // Loops are rare: a long Length around one walks max_mdl_chain_length MDLs.
    if (input.ConsumeIntegralInRange(0, 7) == 0) {
        next[count - 1] = static_cast<int>(input.ConsumeIntegralInRange<std::size_t>(0, count - 1));
    }
    for (std::size_t i = 0; i < count; ++i) {
        buffers[i].mdl->Next = next[i] < 0 ? nullptr : buffers[static_cast<std::size_t>(next[i])].mdl;
    }

    WSK_BUF buffer;
    const bool null_mdl = input.ConsumeIntegralInRange(0, 15) == 0;
    buffer.Mdl = null_mdl ? nullptr : buffers[0].mdl;
    buffer.Offset = input.ConsumeBool() ? input.ConsumeIntegral<ULONG>()
                                        : input.ConsumeIntegralInRange<ULONG>(0, buffers[0].count + 1);
    buffer.Length = input.ConsumeIntegralInRange(0, 3) == 0 ? input.ConsumeIntegral<SIZE_T>()
                                        : input.ConsumeIntegralInRange<SIZE_T>(0, 4 * max_buffer);
    const std::size_t advance = input.ConsumeIntegralInRange<std::size_t>(0, 4 * max_buffer);
    const std::size_t keep = input.ConsumeIntegralInRange<std::size_t>(0, 4 * max_buffer);

    // The model's verdict (reference §6): Offset inside the first MDL (or 0
    // with Length 0), Length within the chain, NULL Mdl only with Length 0.
    bool valid;
    std::vector<unsigned char> model_bytes;
    bool gathered = buffer.Length <= max_gathered;
    if (null_mdl) {
        valid = buffer.Length == 0;
    } else if (!(buffer.Offset < buffers[0].count || (buffer.Offset == 0 && buffer.Length == 0))) {
        valid = false;
    } else {
        // Walk the chain by index, at most max_mdl_chain_length MDLs.
        SIZE_T remaining = buffer.Length;
        std::size_t offset = buffer.Offset;
        std::size_t visited = 0;
        for (int index = 0; index >= 0 && remaining > 0 && visited < wskemu::wsk::max_mdl_chain_length;
             index = next[static_cast<std::size_t>(index)], ++visited) {
            const described_buffer& b = buffers[static_cast<std::size_t>(index)];
            const std::size_t take = std::min<std::size_t>(b.count - offset, remaining);
            if (gathered) {
                model_bytes.insert(model_bytes.end(), b.first + offset, b.first + offset + take);
            }
            remaining -= take;
            offset = 0;
        }
        valid = remaining == 0;
    }
    if (!valid) {
        gathered = false;
    }
    check_mapping<wskemu::net::const_buffer, const unsigned char>(buffer, valid, gathered ? &model_bytes : nullptr,
                                                                  advance, keep);
    check_mapping<wskemu::net::mutable_buffer, unsigned char>(buffer, valid, gathered ? &model_bytes : nullptr,
                                                              advance, keep);

    for (described_buffer& b : buffers) {
        b.mdl->Next = nullptr;
        IoFreeMdl(b.mdl);
    }
    for (PMDL parent : parents) {
        IoFreeMdl(parent);
    }
    wskemu::fuzz::check_no_leaks(serial);
    return 0;
}
