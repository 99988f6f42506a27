#include "http/metrics.hpp"

#include <fmt/format.h>

#include <tuple>

namespace portal::gateway {

std::string
prometheus_label(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void
metrics::observe_request(std::string_view method,
                         std::string_view route,
                         unsigned status,
                         std::chrono::microseconds latency)
{
    double seconds = static_cast<double>(latency.count()) / 1e6;
    std::lock_guard lock(mu_);
    auto key = std::make_tuple(method, route, status);
    auto counter = requests_.find(key);
    if (counter == requests_.end()) {
        counter =
          requests_.emplace(std::make_tuple(std::string(method), std::string(route), status), 0)
            .first;
    }
    ++counter->second;
    auto found = latency_.find(route);
    if (found == latency_.end()) {
        found = latency_.emplace(std::string(route), histogram{}).first;
    }
    auto& h = found->second;
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        if (seconds <= k_buckets[i]) {
            ++h.buckets[i];
        }
    }
    ++h.count;
    h.sum += seconds;
}

void
metrics::count_command(std::string_view name, std::string_view result)
{
    std::lock_guard lock(mu_);
    ++commands_[{ std::string(name), std::string(result) }];
}

void
metrics::count_mail_delivery(std::string_view result)
{
    std::lock_guard lock(mu_);
    ++mail_deliveries_[std::string(result)];
}

std::string
metrics::render() const
{
    std::string out;
    std::lock_guard lock(mu_);
    out += "# HELP portal_http_requests_total HTTP requests by route and status.\n"
           "# TYPE portal_http_requests_total counter\n";
    for (const auto& [k, n] : requests_) {
        out += fmt::format("portal_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} "
                           "{}\n",
                           prometheus_label(std::get<0>(k)),
                           prometheus_label(std::get<1>(k)),
                           std::get<2>(k),
                           n);
    }
    out += "# HELP portal_http_request_duration_seconds Time from a complete request to its "
           "response.\n# TYPE portal_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
        auto label = prometheus_label(route);
        for (std::size_t i = 0; i < k_buckets.size(); ++i) {
            out += fmt::format(
              "portal_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
              label,
              k_buckets[i],
              h.buckets[i]);
        }
        out += fmt::format(
          "portal_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
          label,
          h.count);
        out += fmt::format(
          "portal_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label, h.sum);
        out += fmt::format(
          "portal_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label, h.count);
    }
    out += "# HELP portal_commands_total Commands by name and result (ok, duplicate or the "
           "error code).\n# TYPE portal_commands_total counter\n";
    for (const auto& [k, n] : commands_) {
        out += fmt::format("portal_commands_total{{command=\"{}\",result=\"{}\"}} {}\n",
                           prometheus_label(k.first),
                           prometheus_label(k.second),
                           n);
    }
    out += "# HELP portal_mail_deliveries_total SMTP delivery attempts by result (sent, retry: "
           "a transient failure, failed: given up).\n# TYPE portal_mail_deliveries_total "
           "counter\n";
    for (std::string_view result : { "sent", "retry", "failed" }) {
        auto it = mail_deliveries_.find(result);
        out += fmt::format("portal_mail_deliveries_total{{result=\"{}\"}} {}\n",
                           result,
                           it == mail_deliveries_.end() ? 0 : it->second);
    }
    out += "# HELP portal_http_connections Open HTTP connections.\n"
           "# TYPE portal_http_connections gauge\n";
    out += fmt::format("portal_http_connections {}\n", connections_.load());
    return out;
}

} // namespace portal::gateway
