#pragma once

/// Prometheus metrics of the gateway (`GET /metrics`, text format 0.0.4):
/// requests by route and status, request latency histograms by route,
/// commands by name and result, open connections; gauges of the log
/// position and projection lag are added at scrape time by the caller.
///
/// Thread safety: every member may be called from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace portal::gateway {

/// The counters and histograms.
class metrics
{
  public:
    /// Upper bounds of the latency buckets, in seconds.
    static constexpr std::array<double, 12> k_buckets{ 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1.0,  2.5 };

    /// Counts a finished request of `route` (the route's pattern, or
    /// "unmatched") with its status and latency.
    void observe_request(std::string_view method,
                         std::string_view route,
                         unsigned status,
                         std::chrono::microseconds latency);

    /// Counts a command by name (route) and result code (`ok`, `duplicate`
    /// or the error code).
    void count_command(std::string_view name, std::string_view result);

    /// Counts an SMTP delivery attempt by result: `sent`, `retry` (a
    /// transient failure) or `failed` (given up).
    void count_mail_delivery(std::string_view result);

    /// Connection gauge.
    void connection_opened() { connections_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
    std::int64_t connections() const { return connections_.load(std::memory_order_relaxed); }

    /// The text exposition of everything counted so far.
    std::string render() const;

  private:
    struct histogram
    {
        std::array<std::uint64_t, k_buckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mu_;
    // Transparent comparators: a request's counters are found without
    // building strings (they are allocated once per route and status).
    std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t, std::less<>> requests_;
    std::map<std::string, histogram, std::less<>> latency_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> commands_;
    std::map<std::string, std::uint64_t, std::less<>> mail_deliveries_;
    std::atomic<std::int64_t> connections_{ 0 };
};

/// Escapes a label value for the text format.
std::string prometheus_label(std::string_view value);

} // namespace portal::gateway
