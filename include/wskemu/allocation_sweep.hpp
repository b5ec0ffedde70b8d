// wskemu: systematic allocation failure: rerun a test body, failing each
// distinct allocation site in turn, until no new site is reached.
#pragma once

#include "operation.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace wskemu {

/// @brief One distinct place that allocates an IRP, MDL or pool block.
struct allocation_site_info {
    allocation_kind kind;
    const void* site;  ///< the return address into the allocating code
};

/// @brief One rerun of the body, with one site failing.
struct allocation_sweep_run {
    allocation_site_info failed;  ///< the site whose first allocation returned NULL
    bool reached = false;         ///< the body reached that site in this run
    std::string leaks;            ///< the leak report after the run ("" when nothing leaked)
    std::string error;            ///< a bug check or exception that escaped the body ("" when none)
};

/// @brief What a sweep found.
struct allocation_sweep_result {
    std::vector<allocation_site_info> sites;  ///< every distinct site seen, in first-seen order
    std::vector<allocation_sweep_run> runs;   ///< one per site
    std::string baseline_error;               ///< what the first, fault-free run raised ("" when clean)
    std::string baseline_leaks;

    /// @brief True if every run, the fault-free one included, ended without a leak or an error.
    bool clean() const noexcept;
    /// @brief A readable account: one line per run, naming the site and what went wrong.
    std::string report() const;
};

/// @brief Limits of a sweep.
struct allocation_sweep_options {
    std::size_t max_runs = 500;  ///< stop after this many reruns
    /// Called after each run, before the leak check (e.g. run_until_idle, or
    /// closing what the body left open on purpose).
    std::function<void()> after_each_run;
};

/// @brief Runs @p body once without faults (recording the allocation sites it
/// reaches), then once per site with that site's first allocation failing,
/// adding newly reached sites (error paths) as they appear, until every site
/// seen has failed once. After each run, every IRP, MDL and pool block
/// allocated during it must have been freed. The fault plan in force stays
/// in force; bug checks raised inside the body are caught and reported.
allocation_sweep_result sweep_allocation_failures(const std::function<void()>& body,
                                                  const allocation_sweep_options& options = {});

}  // namespace wskemu
