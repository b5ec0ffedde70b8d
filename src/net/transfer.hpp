// wskemu host side: the neutral vocabulary of transfers, shared by every
// socket kind: a synchronous attempt's result, operation ids, handlers.
#pragma once

#include "callback.hpp"
#include "error.hpp"

#include <cstddef>
#include <cstdint>

namespace wskemu::net {

// Result of a synchronous transfer attempt.
struct io_result {
    error err = error::none;
    std::size_t bytes = 0;
};

// Names one pending send or receive of a socket, for cancel(op_id). 0 names
// nothing (an operation refused at initiation, already being completed).
using op_id = std::uint64_t;

// Completion handlers. Each runs exactly once, on an engine thread (or the
// polling thread in manual mode), never inside the call that started it.
using transfer_handler = callback<void(error, std::size_t)>;
using status_handler = callback<void(error)>;

}  // namespace wskemu::net
