// Operations: liveness, readiness (projections caught up) and metrics.

#include "http/api.hpp"

#include <fmt/format.h>

namespace portal::gateway {

namespace {

/// How far behind the log a read model may be and still count as ready.
constexpr std::uint64_t k_ready_lag_events = 1000;

reply
healthz(api&, call&)
{
    response res{ http::status::ok, 11 };
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = "ok\n";
    res.prepare_payload();
    return res;
}

reply
readyz(api& a, call&)
{
    boost::json::array models;
    bool ready = true;
    std::uint64_t head = a.log().last_position().value;
    for (const auto* r : a.runners()) {
        boost::json::object m{ { "name", r->name() } };
        auto position = r->position().value;
        m["position"] = position;
        auto behind = head > position ? head - position : 0;
        m["lagEvents"] = behind;
        if (auto failed = r->failure()) {
            m["error"] = failed->code;
            ready = false;
        } else if (behind > k_ready_lag_events) {
            ready = false;
        }
        models.push_back(std::move(m));
    }
    return json_response(ready ? http::status::ok : http::status::service_unavailable,
                         boost::json::object{ { "ready", ready },
                                              { "position", std::to_string(head) },
                                              { "models", std::move(models) } });
}

reply
metrics_text(api& a, call&)
{
    std::string out = a.stats().render();
    out += "# HELP portal_log_position The event log's last position.\n"
           "# TYPE portal_log_position gauge\n";
    out += fmt::format("portal_log_position {}\n", a.log().last_position().value);
    out += "# HELP portal_projection_lag_events Events the read model trails the log.\n"
           "# TYPE portal_projection_lag_events gauge\n";
    std::string seconds = "# HELP portal_projection_lag_seconds Age of the oldest event the "
                          "read model has not applied.\n# TYPE portal_projection_lag_seconds "
                          "gauge\n";
    std::string delay = "# HELP portal_projection_delay_seconds For the last written batch: "
                        "write time minus the event's recording time.\n# TYPE "
                        "portal_projection_delay_seconds gauge\n";
    for (const auto* r : a.runners()) {
        auto lag = r->lag();
        if (!lag) {
            continue;
        }
        auto name = prometheus_label(r->name());
        out += fmt::format("portal_projection_lag_events{{model=\"{}\"}} {}\n", name, lag->events);
        seconds += fmt::format("portal_projection_lag_seconds{{model=\"{}\"}} {}\n",
                               name,
                               static_cast<double>(lag->time.count()) / 1e6);
        delay += fmt::format("portal_projection_delay_seconds{{model=\"{}\"}} {}\n",
                             name,
                             static_cast<double>(lag->last_delay.count()) / 1e6);
    }
    out += seconds;
    out += delay;
    response res{ http::status::ok, 11 };
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(out);
    res.prepare_payload();
    return res;
}

} // namespace

void
add_operation_routes(router& r)
{
    r.add(http::verb::get, "/healthz", access::open, healthz);
    r.add(http::verb::get, "/readyz", access::open, readyz);
    r.add(http::verb::get, "/metrics", access::open, metrics_text);
}

} // namespace portal::gateway
