// Events and audit: the events of one stream and the whole event stream as
// Server-Sent Events (auditors and chamber staff). Chamber staff do not
// read record contents (DOMAIN.md, "Data protection"): for them, events of
// training records come without their content.

#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"

#include <fmt/format.h>

#include <charconv>

namespace portal::gateway {

namespace {

using events::role;

/// Removes credential hashes (password, PIN, token and session hashes) from an
/// event's JSON: nobody reads them from the API, not even auditors.
void
strip_secrets(boost::json::value& v)
{
    if (v.is_object()) {
        auto& o = v.as_object();
        for (auto key :
             { "passwordHash", "pinHash", "tokenHash", "sessionHash", "keptSessionHash" }) {
            if (o.contains(key)) {
                o[key] = "(hidden)";
            }
        }
        for (auto& kv : o) {
            strip_secrets(kv.value());
        }
    } else if (v.is_array()) {
        for (auto& item : v.as_array()) {
            strip_secrets(item);
        }
    }
}

/// One event as JSON text: `{position, stream, version, name, envelope}`;
/// without `envelope` (only `recordedAt` and `actor`) when `redact`.
std::string
event_json_text(const events::recorded_event& e, bool redact)
{
    auto env = events::envelope::decode_trusted(e.envelope_bytes);
    if (!env) {
        return fmt::format(R"({{"position":"{}","stream":{},"version":{},"error":"undecodable"}})",
                           e.position.value,
                           boost::json::serialize(boost::json::string(e.stream)),
                           e.version);
    }
    auto reader = env->reader();
    auto name = events::event_name(reader.getPayload());
    if (redact) {
        auto actor = reader.getActor();
        return fmt::format(
          R"({{"position":"{}","stream":{},"version":{},"name":"{}","recordedAt":"{}","actor":{{"accountId":{},"role":"{}"}},"redacted":true}})",
          e.position.value,
          boost::json::serialize(boost::json::string(e.stream)),
          e.version,
          name,
          format_rfc3339(from_micros(reader.getRecordedAt())),
          boost::json::serialize(boost::json::string(std::string(actor.getAccountId().cStr()))),
          events::enum_name(actor.getRole()));
    }
    auto envelope = boost::json::parse(events::to_json(reader));
    if (e.stream.starts_with("account-")) {
        strip_secrets(envelope);
    }
    return fmt::format(R"({{"position":"{}","stream":{},"version":{},"name":"{}","envelope":{}}})",
                       e.position.value,
                       boost::json::serialize(boost::json::string(e.stream)),
                       e.version,
                       name,
                       boost::json::serialize(envelope));
}

bool
is_record_stream(std::string_view stream)
{
    return stream.starts_with("report-");
}

std::optional<std::uint64_t>
parse_number(std::string_view text)
{
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return v;
}

reply
stream_events(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::auditor, role::staff });
    if (!v) {
        return error_response(v.error());
    }
    const auto& stream = c.param("stream");
    std::uint64_t from = 1;
    if (auto f = c.query_param("fromVersion")) {
        auto n = parse_number(*f);
        if (!n || *n == 0) {
            return problem(http::status::bad_request,
                           "validation.query",
                           "fromVersion must be a version (1 or more)");
        }
        from = *n;
    }
    auto read = a.log().read_stream(stream, from);
    if (!read) {
        return error_response(read.error());
    }
    bool redact = !v->has_role(role::auditor) && is_record_stream(stream);
    boost::json::array items;
    for (const auto& e : *read) {
        items.push_back(boost::json::parse(event_json_text(e, redact)));
    }
    return a.page_reply(c, std::move(items));
}

reply
event_stream_route(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::auditor, role::staff });
    if (!v) {
        return error_response(v.error());
    }
    std::uint64_t after = 0;
    auto last = c.req["Last-Event-ID"];
    if (!last.empty()) {
        auto n = parse_number(last);
        if (!n) {
            return problem(http::status::bad_request,
                           "validation.last_event_id",
                           "Last-Event-ID must be the id of a received event");
        }
        after = *n;
    } else if (auto f = c.query_param("from")) {
        auto n = parse_number(*f);
        if (!n) {
            return problem(
              http::status::bad_request, "validation.query", "from must be a position");
        }
        after = *n;
    }
    response head{ http::status::ok, 11 };
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(http::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");
    // Staff streams are redacted: the session asks for the chunk with the
    // redaction flag encoded in the stream request.
    return reply(std::move(head), event_stream{ after, !v->has_role(role::auditor) });
}

} // namespace

result<std::string>
event_stream_chunk(api& a, std::uint64_t& after, std::size_t max_events, bool redact_records)
{
    auto read = a.log().read_all(events::position{ after }, max_events);
    if (!read) {
        return fail(read.error());
    }
    std::string out;
    for (const auto& e : *read) {
        auto env = events::envelope::decode_trusted(e.envelope_bytes);
        std::string name = env ? std::string(events::event_name(env->reader().getPayload()))
                               : std::string("undecodable");
        out += fmt::format("id: {}\nevent: {}\ndata: {}\n\n",
                           e.position.value,
                           name,
                           event_json_text(e, redact_records && is_record_stream(e.stream)));
        after = e.position.value;
    }
    return out;
}

void
add_event_routes(router& r)
{
    r.add(http::verb::get, "/api/v1/streams/{stream}/events", access::authenticated, stream_events);
    r.add(http::verb::get, "/api/v1/events/stream", access::authenticated, event_stream_route);
}

} // namespace portal::gateway
