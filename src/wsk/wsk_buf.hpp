// wskemu: WSK_BUF -> byte ranges in the MDLs' pages (no copy), shared by
// every socket category's send and receive paths.
#pragma once

#include <wsk.h>

#include "kernel/mm_mdl.hpp"
#include "kernel/verifier_irp.hpp"
#include "wsk/wsk_verifier.hpp"

#include <algorithm>
#include <type_traits>
#include <cstddef>
#include <vector>

namespace wskemu::wsk {

/// More MDLs than this in one WSK_BUF chain is taken for a cycle.
inline constexpr std::size_t max_mdl_chain_length = 65536;

/// Maps a WSK_BUF to byte ranges (Piece = net::const_buffer or
/// net::mutable_buffer, Byte its byte type). The rules (reference §6): Offset
/// inside the first MDL (or 0 with Length 0), Length within the chain, a NULL
/// Mdl only with Length 0. STATUS_INVALID_PARAMETER otherwise, with `pieces`
/// empty and `total` 0, and a verifier report. The MDLs used are recorded for
/// the verifier against the IRP of the calling thread's current call.
template <typename Piece, typename Byte>
NTSTATUS map_wsk_buf(const WSK_BUF* buffer, std::vector<Piece>& pieces, std::size_t& total) {
    pieces.clear();
    total = 0;
    if (buffer == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    const SIZE_T length = buffer->Length;
    const MDL* mdl = buffer->Mdl;
    if (mdl == nullptr) {
        if (length == 0) {
            return STATUS_SUCCESS;
        }
        report_wsk_buf(buffer, wsk_buf_fault::past_chain);
        return STATUS_INVALID_PARAMETER;
    }
    if (!(buffer->Offset < mdl->ByteCount || (buffer->Offset == 0 && length == 0))) {
        report_wsk_buf(buffer, wsk_buf_fault::offset_outside_first_mdl);
        return STATUS_INVALID_PARAMETER;
    }
    SIZE_T remaining = length;
    std::size_t offset = buffer->Offset;
    std::size_t count = 0;
    while (remaining > 0) {
        if (mdl == nullptr || ++count > max_mdl_chain_length) {
            pieces.clear();
            report_wsk_buf(buffer, wsk_buf_fault::past_chain);
            return STATUS_INVALID_PARAMETER;  // Length runs past the chain
        }
        const std::size_t take = std::min<std::size_t>(mdl->ByteCount - offset, remaining);
        if (take > 0) {
            pieces.push_back(Piece{static_cast<Byte*>(kernel::mdl_buffer(mdl) + offset), take});
        }
        remaining -= take;
        offset = 0;
        mdl = mdl->Next;
    }
    total = length;
    kernel::verifier::buffer_in_use(buffer->Mdl, count);
    if constexpr (std::is_const_v<Byte>) {
        if (kernel::verifier::checksum_enabled()) {
            for (const Piece& piece : pieces) {
                kernel::verifier::send_bytes(piece.data, piece.size);
            }
        }
    }
    return STATUS_SUCCESS;
}

/// Drops the first `bytes` bytes of a descriptor list.
template <typename Piece>
void advance_pieces(std::vector<Piece>& pieces, std::size_t bytes) {
    auto it = pieces.begin();
    while (bytes > 0 && it != pieces.end()) {
        if (bytes >= it->size) {
            bytes -= it->size;
            ++it;
        } else {
            it->data = static_cast<unsigned char*>(const_cast<void*>(static_cast<const void*>(it->data))) + bytes;
            it->size -= bytes;
            bytes = 0;
        }
    }
    pieces.erase(pieces.begin(), it);
}

/// Keeps at most the first `bytes` bytes of a descriptor list.
template <typename Piece>
void truncate_pieces(std::vector<Piece>& pieces, std::size_t bytes) {
    std::size_t kept = 0;
    auto it = pieces.begin();
    for (; it != pieces.end() && kept < bytes; ++it) {
        if (kept + it->size > bytes) {
            it->size = bytes - kept;
        }
        kept += it->size;
    }
    pieces.erase(it, pieces.end());
}

}  // namespace wskemu::wsk
