// wskemu: the allocation-failure sweep (allocation_sweep.hpp) and the
// recording of allocation sites it relies on.
#include <wskemu/allocation_sweep.hpp>
#include <wskemu/bug_check.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>

#include "runtime/allocation_sites.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>

namespace wskemu {

namespace rt {

namespace {

struct site_recorder {
    std::atomic<bool> on{false};
    std::mutex mutex;
    std::vector<allocation_site> sites;
};

site_recorder& recorder() {
    static auto* r = new site_recorder;  // never destroyed: allocations at exit
    return *r;
}

}  // namespace

void note_allocation_site(allocation_kind kind, const void* site) {
    auto& r = recorder();
    if (!r.on.load(std::memory_order_relaxed)) {
        return;
    }
    std::lock_guard lock(r.mutex);
    const bool known = std::any_of(r.sites.begin(), r.sites.end(),
                                   [&](const allocation_site& s) { return s.kind == kind && s.site == site; });
    if (!known) {
        r.sites.push_back(allocation_site{kind, site});
    }
}

void start_site_recording() {
    auto& r = recorder();
    std::lock_guard lock(r.mutex);
    r.sites.clear();
    r.on.store(true, std::memory_order_relaxed);
}

std::vector<allocation_site> stop_site_recording() {
    auto& r = recorder();
    std::lock_guard lock(r.mutex);
    r.on.store(false, std::memory_order_relaxed);
    return r.sites;
}

}  // namespace rt

namespace {

// Runs the body once; records sites, leaks and escapes into the out-parameters.
std::vector<rt::allocation_site> run_once(const std::function<void()>& body, const allocation_sweep_options& options,
                                          std::string& leaks, std::string& error) {
    const std::uint64_t mark = next_allocation_serial();
    rt::start_site_recording();
    try {
        catch_bug_check([&] { body(); });
    } catch (const std::exception& e) {
        error = e.what();
    } catch (...) {
        error = "a non-standard exception";
    }
    auto sites = rt::stop_site_recording();
    if (options.after_each_run) {
        options.after_each_run();
    }
    leaks = format_leak_report(mark);
    return sites;
}

std::string site_text(const allocation_site_info& s) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s allocation at %p", std::string(allocation_kind_name(s.kind)).c_str(),
                  s.site);
    return buffer;
}

}  // namespace

bool allocation_sweep_result::clean() const noexcept {
    if (!baseline_error.empty() || !baseline_leaks.empty()) {
        return false;
    }
    return std::all_of(runs.begin(), runs.end(),
                       [](const allocation_sweep_run& r) { return r.leaks.empty() && r.error.empty(); });
}

std::string allocation_sweep_result::report() const {
    std::string text = std::to_string(sites.size()) + " allocation site(s), " + std::to_string(runs.size()) +
                       " run(s) with one failing\n";
    if (!baseline_error.empty()) {
        text += "  without faults: " + baseline_error + "\n";
    }
    if (!baseline_leaks.empty()) {
        text += "  without faults, leaked:\n" + baseline_leaks;
    }
    for (const allocation_sweep_run& run : runs) {
        if (run.leaks.empty() && run.error.empty()) {
            continue;
        }
        text += "  failing the " + site_text(run.failed) + ":\n";
        if (!run.error.empty()) {
            text += "    raised: " + run.error + "\n";
        }
        if (!run.leaks.empty()) {
            text += "    leaked:\n" + run.leaks;
        }
    }
    return text;
}

allocation_sweep_result sweep_allocation_failures(const std::function<void()>& body,
                                                  const allocation_sweep_options& options) {
    allocation_sweep_result result;
    auto& rt_handle = runtime::instance();
    auto add_sites = [&](const std::vector<rt::allocation_site>& seen) {
        for (const auto& s : seen) {
            const bool known = std::any_of(result.sites.begin(), result.sites.end(), [&](const allocation_site_info& k) {
                return k.kind == s.kind && k.site == s.site;
            });
            if (!known) {
                result.sites.push_back(allocation_site_info{s.kind, s.site});
            }
        }
    };
    add_sites(run_once(body, options, result.baseline_leaks, result.baseline_error));
    const fault_plan base = rt_handle.faults();
    for (std::size_t i = 0; i < result.sites.size() && result.runs.size() < options.max_runs; ++i) {
        const allocation_site_info target = result.sites[i];
        fault_plan plan = base;
        plan.add(fault::fail_allocation(target.kind).at_site(target.site).nth(1));
        rt_handle.set_faults(plan);
        allocation_sweep_run run;
        run.failed = target;
        const auto seen = run_once(body, options, run.leaks, run.error);
        run.reached = std::any_of(seen.begin(), seen.end(),
                                  [&](const rt::allocation_site& s) { return s.kind == target.kind && s.site == target.site; });
        add_sites(seen);
        result.runs.push_back(std::move(run));
    }
    rt_handle.set_faults(base);
    return result;
}

}  // namespace wskemu
