// wskemu benchmarks: the comparisons each benchmark registers, and the
// reporter that prints them as one ratio table after the runs. Sees neither
// world: Google Benchmark and the standard library only.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace wskemu::bench {

/// What a comparison reads from a benchmark's runs.
enum class measure {
    throughput,  // bytes per second (SetBytesProcessed); ratio = candidate / baseline
    rate,        // items per second (SetItemsProcessed); ratio = candidate / baseline
    time,        // real time per iteration; ratio = candidate / baseline
    counter,     // a user counter, compared as a value (see comparison::difference)
};

enum class goal { none, at_least, at_most };

/// One row of the table: a wskemu benchmark against its baseline, or a
/// wskemu figure on its own (no baseline).
struct comparison {
    std::string row;             // what is compared, e.g. "WskSend 4 KiB, 1 in flight"
    std::string candidate;       // the wskemu benchmark's name
    std::string baseline;        // the baseline benchmark's name; empty for an absolute figure
    std::string baseline_label;  // e.g. "send()"
    measure what = measure::throughput;
    std::string counter;         // measure::counter: the counter's name
    std::string unit;            // measure::counter: "B", "ns", ...
    std::string statistic = "median";  // the aggregate read ("median", "max")
    bool difference = false;     // measure::counter with a baseline: candidate - baseline, not a ratio
    goal target_goal = goal::none;
    double target = 0;           // a ratio, or an absolute value in the figure's unit
};

/// Adds a row (benchmarks register theirs next to themselves).
void add_comparison(comparison row);
/// A row that cannot be measured yet, and why.
void add_unmeasured(std::string row, std::string why);

/// The console output of Google Benchmark, then the ratio table (Markdown).
class ratio_reporter : public benchmark::ConsoleReporter {
public:
    explicit ratio_reporter(std::string preamble) : preamble_(std::move(preamble)) {}

    bool ReportContext(const Context& context) override;
    void ReportRuns(const std::vector<Run>& runs) override;
    void Finalize() override;

    /// True if a benchmark failed (SkipWithError) or a target was missed.
    bool any_error() const noexcept { return errors_ > 0; }
    bool any_missed() const noexcept { return missed_ > 0; }

private:
    struct figure {
        bool error = false;
        std::string message;
        double real_ns = 0;
        std::map<std::string, double> counters;
    };
    const figure* find(const std::string& name, const std::string& statistic) const;
    void print_row(std::ostream& out, const comparison& row);

    std::string preamble_;
    // benchmark name -> statistic ("median", "max", "single") -> figure
    std::map<std::string, std::map<std::string, figure>> figures_;
    int errors_ = 0;
    int missed_ = 0;
};

}  // namespace wskemu::bench
