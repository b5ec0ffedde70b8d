// wskemu benchmarks: the ratio table.
#include "support/ratio_table.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <utility>

namespace wskemu::bench {

namespace {

struct unmeasured {
    std::string row;
    std::string why;
};

std::vector<comparison>& comparisons() {
    static std::vector<comparison> rows;
    return rows;
}

std::vector<unmeasured>& unmeasured_rows() {
    static std::vector<unmeasured> rows;
    return rows;
}

std::string printf_text(const char* format, double value) {
    char text[64];
    std::snprintf(text, sizeof(text), format, value);
    return text;
}

std::string throughput_text(double bytes_per_second) {
    if (bytes_per_second >= 1024.0 * 1024 * 1024) {
        return printf_text("%.2f GiB/s", bytes_per_second / (1024.0 * 1024 * 1024));
    }
    return printf_text("%.0f MiB/s", bytes_per_second / (1024.0 * 1024));
}

std::string time_text(double ns) {
    if (ns >= 1e6) {
        return printf_text("%.1f ms", ns / 1e6);
    }
    if (ns >= 1e4) {
        return printf_text("%.1f µs", ns / 1e3);
    }
    if (ns >= 1e3) {
        return printf_text("%.2f µs", ns / 1e3);
    }
    return printf_text("%.1f ns", ns);
}

std::string value_text(const comparison& row, double value) {
    switch (row.what) {
    case measure::throughput: return throughput_text(value);
    case measure::rate: return printf_text("%.0f k/s", value / 1e3);
    case measure::time: return time_text(value);
    case measure::counter: break;
    }
    if (row.unit == "ns") {
        return time_text(value);
    }
    return printf_text("%.0f", value) + (row.unit.empty() ? "" : " " + row.unit);
}

std::string target_text(const comparison& row, bool absolute) {
    if (row.target_goal == goal::none) {
        return "";
    }
    const char* sign = row.target_goal == goal::at_least ? "≥ " : "≤ ";
    if (!absolute) {
        return sign + printf_text("%.2f", row.target);
    }
    return sign + value_text(row, row.target);
}

}  // namespace

void add_comparison(comparison row) { comparisons().push_back(std::move(row)); }

void add_unmeasured(std::string row, std::string why) {
    unmeasured_rows().push_back(unmeasured{std::move(row), std::move(why)});
}

bool ratio_reporter::ReportContext(const Context& context) {
    GetOutputStream() << preamble_ << '\n';
    return ConsoleReporter::ReportContext(context);
}

void ratio_reporter::ReportRuns(const std::vector<Run>& runs) {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
        std::string statistic;
        if (run.run_type == Run::RT_Aggregate) {
            statistic = run.aggregate_name;
        } else if (run.repetitions <= 1) {
            statistic = "single";
        } else {
            continue;  // one repetition of several: the aggregates follow
        }
        figure f;
        f.error = run.error_occurred;
        f.message = run.error_message;
        if (f.error) {
            ++errors_;
        }
        f.real_ns = run.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
        for (const auto& [name, counter] : run.counters) {
            f.counters[name] = counter.value;
        }
        figures_[run.run_name.function_name][statistic] = std::move(f);
    }
}

const ratio_reporter::figure* ratio_reporter::find(const std::string& name, const std::string& statistic) const {
    auto it = figures_.find(name);
    if (it == figures_.end()) {
        return nullptr;
    }
    for (const std::string& s : {statistic, std::string("single")}) {
        if (auto f = it->second.find(s); f != it->second.end()) {
            return &f->second;
        }
    }
    return nullptr;
}

void ratio_reporter::print_row(std::ostream& out, const comparison& row) {
    const figure* candidate = find(row.candidate, row.statistic);
    const bool absolute = row.baseline.empty();
    const figure* baseline = absolute ? nullptr : find(row.baseline, row.statistic);
    if (candidate == nullptr || (!absolute && baseline == nullptr)) {
        return;  // filtered out of this run
    }
    out << "| " << row.row << " | ";
    for (const figure* f : {candidate, baseline}) {
        if (f != nullptr && f->error) {
            out << "error: " << f->message << " |\n";
            return;
        }
    }
    auto read = [&](const figure& f) {
        switch (row.what) {
        case measure::throughput: {
            auto it = f.counters.find("bytes_per_second");
            return it != f.counters.end() ? it->second : 0.0;
        }
        case measure::rate: {
            auto it = f.counters.find("items_per_second");
            return it != f.counters.end() ? it->second : 0.0;
        }
        case measure::time: return f.real_ns;
        case measure::counter: break;
        }
        auto it = f.counters.find(row.counter);
        return it != f.counters.end() ? it->second : 0.0;
    };
    const double mine = read(*candidate);
    double compared = mine;  // what the target applies to
    std::string ratio_text = "";
    out << value_text(row, mine) << " | ";
    if (absolute) {
        out << " | ";
    } else {
        const double theirs = read(*baseline);
        out << row.baseline_label << ' ' << value_text(row, theirs) << " | ";
        if (row.difference) {
            compared = mine - theirs;
            ratio_text = "+" + value_text(row, compared);
        } else {
            compared = theirs != 0 ? mine / theirs : 0;
            ratio_text = printf_text("%.2f", compared);
        }
    }
    const bool ratio_target = !absolute && !row.difference;
    out << ratio_text << " | " << target_text(row, !ratio_target) << " | ";
    if (row.target_goal == goal::none) {
        out << " |\n";
        return;
    }
    const bool met = row.target_goal == goal::at_least ? compared >= row.target : compared <= row.target;
    if (met) {
        out << "meets |\n";
        return;
    }
    ++missed_;
    const double by = std::fabs(compared - row.target) / (row.target != 0 ? std::fabs(row.target) : 1.0);
    // A ratio that rounds to its target still misses: say so, not "by 0%".
    const std::string by_text = by < 0.005 ? "<1" : printf_text("%.0f", by * 100);
    out << "**misses by " << by_text << "%** |\n";
}

void ratio_reporter::Finalize() {
    ConsoleReporter::Finalize();
    std::ostream& out = GetOutputStream();
    out << "\n| case | wskemu | baseline | ratio | target | result |\n|---|---|---|---|---|---|\n";
    for (const comparison& row : comparisons()) {
        print_row(out, row);
    }
    for (const unmeasured& row : unmeasured_rows()) {
        out << "| " << row.row << " | not measured: " << row.why << " | | | | |\n";
    }
    out.flush();
}

}  // namespace wskemu::bench
