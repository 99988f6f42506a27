#include "http/api.hpp"

#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/events/position_token.hpp"
#include "portal/infra/crypto.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace portal::gateway {

namespace {

/// The runner of the `sessions` model among `runners` (null when absent).
const projections::runner*
sessions_runner(const std::vector<const projections::runner*>& runners)
{
    for (const auto* r : runners) {
        if (r != nullptr && r->name() == projections::k_sessions) {
            return r;
        }
    }
    return nullptr;
}

/// A client's request id when it is short and plain, else a new one.
std::string
request_id_of(const request& req, timestamp now)
{
    auto given = req["X-Request-Id"];
    if (!given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                   c == '.';
        })) {
        return std::string(given);
    }
    return infra::to_string(infra::uuid_v7(now));
}

/// The value of cookie `name` in a Cookie header.
std::string_view
cookie_value(std::string_view header, std::string_view name)
{
    while (!header.empty()) {
        auto semi = header.find(';');
        auto part = header.substr(0, semi);
        while (!part.empty() && part.front() == ' ') {
            part.remove_prefix(1);
        }
        auto eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name) {
            return part.substr(eq + 1);
        }
        if (semi == std::string_view::npos) {
            break;
        }
        header.remove_prefix(semi + 1);
    }
    return {};
}

bool
is_write(http::verb v)
{
    return v != http::verb::get && v != http::verb::head && v != http::verb::options;
}

std::optional<events::role>
parse_role(std::string_view name)
{
    for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(events::role::auditor); ++i) {
        if (events::enum_name(static_cast<schema::Role>(i)) == name) {
            return static_cast<events::role>(i);
        }
    }
    return std::nullopt;
}

const std::string k_empty;

} // namespace

const std::string&
call::param(std::string_view name) const
{
    for (const auto& [k, v] : params) {
        if (k == name) {
            return v;
        }
    }
    return k_empty;
}

std::optional<std::string_view>
call::query_param(std::string_view name) const
{
    auto it = query.find(name);
    if (it == query.end()) {
        return std::nullopt;
    }
    return std::string_view(it->second);
}

bool
viewer::has_role(events::role r) const
{
    return std::any_of(
      state->roles.begin(), state->roles.end(), [&](const auto& x) { return x.kind == r; });
}

api::api(app::services services,
         events::event_log& log,
         infra::kv_store& store,
         std::vector<const projections::runner*> runners,
         app::secret_source secrets,
         api_options options,
         std::function<timestamp()> clock,
         infra::kafka_log* kafka,
         const projections::sessions_projector* sessions)
  : services_(std::move(services))
  , log_(log)
  , kafka_(kafka)
  , store_(store)
  , runners_(std::move(runners))
  , options_(options)
  , clock_(std::move(clock))
  , secrets_(std::move(secrets))
  , sessions_(session_sources{ &store,
                               sessions_runner(runners_),
                               sessions,
                               kafka,
                               options.max_position_wait })
  , auth_limiter_(options.auth_attempts_per_minute)
{
    add_session_routes(router_);
    add_company_routes(router_);
    add_contract_routes(router_);
    add_report_routes(router_);
    add_exam_routes(router_);
    add_examiner_routes(router_);
    add_event_routes(router_);
    add_operation_routes(router_);
    add_reminder_routes(router_);
    add_mail_routes(router_);
    add_chamber_routes(router_);
}

timestamp
api::now() const
{
    if (clock_) {
        return clock_();
    }
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

std::string
api::new_id(const call& c) const
{
    auto key = c.req["Idempotency-Key"];
    if (!key.empty() && c.auth) {
        // A repeated write must name the same new thing: the id derives from
        // the account and the key (a UUID-shaped BLAKE2b prefix).
        auto hex = infra::to_hex(
          infra::blake2b_256(fmt::format("id:{}:{}", c.auth->account_id, std::string_view(key))));
        return fmt::format("{}-{}-{}-{}-{}",
                           hex.substr(0, 8),
                           hex.substr(8, 4),
                           hex.substr(12, 4),
                           hex.substr(16, 4),
                           hex.substr(20, 12));
    }
    return infra::to_string(infra::uuid_v7(c.now));
}

reply
api::handle(const request& req, const peer& from)
{
    auto started = std::chrono::steady_clock::now();
    std::string route_name = "unmatched";
    auto request_id = request_id_of(req, now());
    auto answer = [&]() -> reply {
        try {
            auto target = std::string_view(req.target());
            auto q = target.find('?');
            auto path = target.substr(0, q);
            auto m = router_.match(req.method(), path);
            if (m.matched == nullptr) {
                if (!m.allowed.empty()) {
                    std::string allow;
                    for (auto v : m.allowed) {
                        if (!allow.empty()) {
                            allow += ", ";
                        }
                        allow += std::string(http::to_string(v));
                    }
                    auto res = problem(http::status::method_not_allowed,
                                       "http.method_not_allowed",
                                       "this resource does not allow this method");
                    res.set(http::field::allow, allow);
                    return res;
                }
                return problem(http::status::not_found, "http.not_found", "no such resource");
            }
            route_name = m.matched->name;
            auto query =
              parse_query(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1));
            if (!query) {
                return problem(http::status::bad_request,
                               "validation.query",
                               "the query string has a bad percent escape");
            }
            call c{ req,
                    std::string(path),
                    std::move(*query),
                    std::move(m.params),
                    from,
                    request_id,
                    now(),
                    std::nullopt,
                    false };
            // Authentication: a bearer token wins over the cookie.
            std::string_view token;
            auto authorization = req[http::field::authorization];
            if (authorization.size() > 7 && authorization.substr(0, 7) == "Bearer ") {
                token = authorization.substr(7);
            } else {
                token = cookie_value(req[http::field::cookie], "portal_session");
                c.via_cookie = !token.empty();
            }
            if (!token.empty()) {
                // On Kafka a route that needs a session waits for a token
                // another instance may just have issued (sessions.hpp).
                auto found = sessions_.find(token, c.now, m.matched->who == access::authenticated);
                if (!found) {
                    return error_response(found.error());
                }
                c.auth = std::move(*found);
                if (c.auth) {
                    c.token = token;
                } else {
                    c.via_cookie = false;
                }
            }
            if (m.matched->who == access::authenticated && !c.auth) {
                auto res = problem(
                  http::status::unauthorized, "auth.unauthenticated", "please sign in first");
                res.set(http::field::www_authenticate, "Bearer realm=\"portal\"");
                return res;
            }
            if (c.auth && c.via_cookie && is_write(req.method()) &&
                req["X-Requested-With"] != "portal") {
                return problem(http::status::forbidden,
                               "auth.csrf",
                               "a write with the session cookie needs the header "
                               "X-Requested-With: portal");
            }
            return m.matched->run(*this, c);
        } catch (const std::exception& e) {
            spdlog::error("request {} {} failed: {}", request_id, route_name, e.what());
            return problem(http::status::internal_server_error,
                           "internal",
                           "the request failed unexpectedly; it was logged");
        }
    }();
    answer.res.set("X-Request-Id", request_id);
    if (req.method() == http::verb::head) {
        answer.res.body().clear();
    }
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
    auto status = answer.res.result_int();
    metrics_.observe_request(http::to_string(req.method()), route_name, status, latency);
    if (spdlog::should_log(spdlog::level::info)) {
        spdlog::info("http {} {} {} {} {}us client={} request_id={}",
                     std::string_view(http::to_string(req.method())),
                     route_name,
                     std::string_view(req.target()).substr(0, 200),
                     status,
                     latency.count(),
                     from.address,
                     request_id);
    }
    return answer;
}

std::expected<std::pair<domain::command_meta, std::string>, reply>
erasure_input(api& a, const call& c, const viewer& v)
{
    auto in = input::parse(c.req);
    if (!in) {
        return std::unexpected(reply(in.error()));
    }
    auto reason = in->text("reason", required, domain::k_max_erase_reason);
    if (auto bad = in->finish()) {
        return std::unexpected(reply(*bad));
    }
    auto meta = a.meta(c, v, { events::role::staff });
    if (!meta) {
        return std::unexpected(reply(error_response(meta.error())));
    }
    return std::pair{ std::move(*meta), std::move(*reason) };
}

result<std::optional<std::uint64_t>>
if_match_of(const call& c)
{
    auto header = std::string_view(c.req[http::field::if_match]);
    if (header.empty() || header == "*") {
        return std::optional<std::uint64_t>{};
    }
    if (header.starts_with("W/")) {
        header.remove_prefix(2);
    }
    if (header.size() >= 2 && header.front() == '"' && header.back() == '"') {
        header = header.substr(1, header.size() - 2);
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), v);
    if (header.empty() || ec != std::errc{} || end != header.data() + header.size()) {
        return fail(
          error::invalid("validation.if_match", "If-Match must be a version (e.g. If-Match: 3)"));
    }
    return std::optional<std::uint64_t>{ v };
}

result<viewer>
api::viewer_of(const call& c)
{
    if (!c.auth) {
        return fail(error{ "auth.unauthenticated", "please sign in first", error_class::invalid });
    }
    auto account = domain::load_shared<domain::account::state>(
      services_.log, domain::account::stream_id(c.auth->account_id));
    if (!account) {
        return fail(account.error());
    }
    if (!account->state->exists || account->state->erased) {
        return fail(
          error{ "auth.unauthenticated", "the account no longer exists", error_class::invalid });
    }
    return viewer{ c.auth->account_id, std::move(account->state) };
}

result<viewer>
api::viewer_of(const call& c, std::initializer_list<events::role> roles)
{
    auto v = viewer_of(c);
    if (!v) {
        return v;
    }
    if (auto denied = authz::require_role(*v, roles); !denied) {
        return fail(denied.error());
    }
    return v;
}

result<domain::command_meta>
api::meta(const call& c, const viewer& v, std::initializer_list<events::role> preferred)
{
    domain::command_meta m;
    m.now = c.now;
    m.actor.account_id = v.account_id;
    auto asked = c.req["Portal-Role"];
    if (!asked.empty()) {
        auto r = parse_role(asked);
        if (!r || !v.has_role(*r)) {
            return fail(error::forbidden(
              "auth.role",
              fmt::format("your account has no role '{}'", std::string_view(asked).substr(0, 40))));
        }
        m.actor.acting_as = *r;
    } else {
        bool chosen = false;
        for (auto r : preferred) {
            if (v.has_role(r)) {
                m.actor.acting_as = r;
                chosen = true;
                break;
            }
        }
        if (!chosen) {
            if (v.account().roles.empty()) {
                return fail(error::forbidden("auth.role", "your account has no role"));
            }
            m.actor.acting_as = v.account().roles.front().kind;
        }
    }
    auto company = c.req["Portal-Company"];
    if (company.size() > 200) {
        return fail(error::invalid("validation.company", "the Portal-Company header is too long"));
    }
    if (!company.empty()) {
        // The application layer trusts the principal it is given: only a
        // company the account really acts for may be named.
        auto acts = authz::acts_for_company(*this, v, company);
        if (!acts) {
            return fail(acts.error());
        }
        if (!*acts) {
            return fail(
              error::forbidden("auth.company", "your account does not act for this company"));
        }
    }
    m.actor.on_behalf_of_company_id = std::string(company);
    auto expected = if_match_of(c);
    if (!expected) {
        return fail(expected.error());
    }
    m.expected_version = *expected;
    auto key = c.req["Idempotency-Key"];
    if (!key.empty()) {
        if (key.size() > 100) {
            return fail(
              error::invalid("validation.idempotency_key", "the Idempotency-Key is too long"));
        }
        m.command_id = fmt::format("http:{}:{}", v.account_id, std::string_view(key));
    } else {
        m.command_id = "http:" + infra::to_string(infra::uuid_v7(c.now));
    }
    return m;
}

domain::command_meta
api::anonymous_meta(const call& c, std::string account_id) const
{
    domain::command_meta m;
    m.now = c.now;
    m.actor.account_id = std::move(account_id);
    m.actor.acting_as = events::role::system;
    m.command_id = "http:" + infra::to_string(infra::uuid_v7(c.now));
    return m;
}

result<void>
api::await_position(const call& c)
{
    auto header = c.req["Portal-Min-Position"];
    if (header.empty()) {
        return {};
    }
    auto token = events::parse_token(header);
    if (!token) {
        return fail(std::move(token.error()));
    }
    events::position p;
    if (const auto* local = std::get_if<events::position>(&*token)) {
        // A position of this instance's log (on Kafka: a token of this
        // instance only, as before partition offsets; kept so that such a
        // token still works where it came from).
        p = *local;
        if (p > log_.last_position()) {
            // No write returned this position (yet): waiting cannot help.
            return fail(error::invalid("validation.position",
                                       "Portal-Min-Position lies beyond the event log's last "
                                       "position"));
        }
    } else {
        const auto& offsets = std::get<events::partition_offsets>(*token);
        if (kafka_ == nullptr) {
            return fail(error::invalid("validation.position",
                                       "Portal-Min-Position names partition offsets, but this "
                                       "portal runs on the embedded event log"));
        }
        // The mirror first (another instance's write may not be here yet),
        // then the local position of what it named.
        auto deadline = std::chrono::steady_clock::now() + options_.max_position_wait;
        for (const auto& at : offsets) {
            auto covering = kafka_->await_offset(at, deadline);
            if (!covering) {
                const auto& e = covering.error();
                if (e.code == "log.beyond_end" || e.code == "log.invalid_request") {
                    return fail(error::invalid("validation.position",
                                               fmt::format("Portal-Min-Position: {}", e.message)));
                }
                if (e.code == "log.timeout") {
                    return fail(error::unavailable(
                      "projection.timeout",
                      fmt::format("the event log's mirror did not reach Portal-Min-Position "
                                  "within {} ms: {}",
                                  options_.max_position_wait.count(),
                                  e.message)));
                }
                return fail(e);
            }
            p = std::max(p, *covering);
        }
    }
    for (const auto* r : runners_) {
        auto waited = r->wait_for(p, options_.max_position_wait);
        if (!waited) {
            return fail(waited.error());
        }
    }
    return {};
}

std::string
api::position_token(std::span<const domain::outcome> outcomes) const
{
    if (kafka_ == nullptr) {
        std::uint64_t last = 0;
        for (const auto& o : outcomes) {
            last = std::max(last, o.position.value);
        }
        return std::to_string(last);
    }
    events::partition_offsets offsets;
    bool everything = false;
    for (const auto& o : outcomes) {
        if (o.events > 0) {
            auto at = kafka_->offset_of(o.position);
            if (at && *at) {
                events::merge_offsets(offsets, { **at });
                continue;
            }
            // Not recorded (mirrored by an older version) or unreadable:
            // the conservative token below still covers it.
        }
        everything = true;
    }
    if (everything) {
        // Every partition as far as this instance has mirrored it: more
        // than the command needs, never less.
        auto mirrored = kafka_->partition_offsets();
        events::partition_offsets all;
        for (std::uint32_t p = 0; p < mirrored.size(); ++p) {
            if (mirrored[p] > 0) {
                all.push_back({ p, mirrored[p] - 1 });
            }
        }
        events::merge_offsets(offsets, all);
    }
    return events::format_token(offsets);
}

reply
api::written(std::string_view name,
             const result<domain::outcome>& outcome,
             std::string id,
             http::status status,
             std::span<const domain::outcome> also)
{
    if (!outcome) {
        metrics_.count_command(name, outcome.error().code);
        return error_response(outcome.error());
    }
    metrics_.count_command(name, outcome->duplicate ? "duplicate" : "ok");
    std::vector<domain::outcome> all(also.begin(), also.end());
    all.push_back(*outcome);
    auto token = position_token(all);
    auto res = json_response(status,
                             boost::json::object{ { "id", std::move(id) },
                                                  { "version", outcome->version },
                                                  { "position", token } });
    res.set("Portal-Position", token);
    return res;
}

result<boost::json::object>
api::page(const call& c, boost::json::array items) const
{
    std::size_t limit = 50;
    std::size_t offset = 0;
    if (auto l = c.query_param("limit")) {
        std::size_t v = 0;
        auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
        if (ec != std::errc{} || end != l->data() + l->size() || v < 1 || v > 500) {
            return fail(error::invalid("validation.limit", "limit must be a number from 1 to 500"));
        }
        limit = v;
    }
    if (auto cur = c.query_param("cursor")) {
        std::size_t v = 0;
        auto [end, ec] = std::from_chars(cur->data(), cur->data() + cur->size(), v);
        if (ec != std::errc{} || end != cur->data() + cur->size()) {
            return fail(error::invalid("validation.cursor",
                                       "cursor must be the `next` value of a previous page"));
        }
        offset = v;
    }
    boost::json::array out;
    for (std::size_t i = offset; i < items.size() && out.size() < limit; ++i) {
        out.push_back(std::move(items[i]));
    }
    boost::json::value next = nullptr;
    if (offset + out.size() < items.size()) {
        next = std::to_string(offset + out.size());
    }
    return boost::json::object{ { "items", std::move(out) }, { "next", std::move(next) } };
}

reply
api::page_reply(const call& c, boost::json::array items) const
{
    auto listed = page(c, std::move(items));
    if (!listed) {
        return error_response(listed.error());
    }
    return ok_json(*listed);
}

reply
api::view_reply(const std::string& key, const std::function<result<boost::json::object>()>& compute)
{
    return view_reply(key, [&]() -> result<cached_view> {
        auto view = compute();
        if (!view) {
            return fail(std::move(view.error()));
        }
        return cached_view{ boost::json::serialize(*view), {} };
    });
}

reply
api::view_reply(const std::string& key, const std::function<result<cached_view>()>& compute)
{
    std::uint64_t stamp = 0;
    for (const auto* r : runners_) {
        stamp += r->position().value;
    }
    auto view = views_.get(key, stamp, compute);
    if (!view) {
        return error_response(view.error());
    }
    response res{ http::status::ok, 11 };
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    if (!(*view)->etag.empty()) {
        res.set(http::field::etag, fmt::format("\"{}\"", (*view)->etag));
    }
    res.body() = (*view)->body;
    res.prepare_payload();
    return res;
}

} // namespace portal::gateway
