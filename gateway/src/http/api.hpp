#pragma once

/// The HTTP API of the portal as a function: `api::handle(request, peer) ->
/// reply` (docs/API.md, docs/openapi.yaml). It knows nothing of sockets; the
/// session (server.hpp) owns connections, limits and the event stream.
///
/// Every request passes the same steps: route match (404/405), query
/// parsing, authentication (session cookie or bearer token; 401 for routes
/// that need it), the CSRF guard for cookie-authenticated writes
/// (`X-Requested-With: portal`, else 403 `auth.csrf`), then the route's
/// handler. Handlers live in `routes_*.cpp`, one file per area; they read
/// input through `input`, check relationships through `authz.hpp`, call the
/// application layer (`aggregates/app`) and the read models
/// (`projections/read_models.hpp`), and build replies with the helpers
/// below. Errors become problem+json through `error_response` only.
///
/// Thread safety: `handle` may be called from any number of threads at
/// once.

#include "app/accounts.hpp"
#include "app/app.hpp"
#include "app/policies.hpp"
#include "http/http.hpp"
#include "http/json_input.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/sessions.hpp"
#include "http/view_cache.hpp"
#include "portal/events/event_log.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/runner.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <expected>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portal::gateway {

/// Configuration of the API.
struct api_options
{
    /// How long a session lasts after login.
    std::chrono::minutes session_ttl{ 12 * 60 };
    /// Cost of password hashes computed for new passwords.
    infra::password_cost password_cost = infra::password_cost::interactive();
    /// Login, PIN login and password-reset attempts per client address and
    /// minute (a token bucket; the burst equals the rate).
    unsigned auth_attempts_per_minute = 20;
    /// The longest wait for `Portal-Min-Position`.
    std::chrono::milliseconds max_position_wait{ 2000 };
    /// How long links in invitation and reset mails stay valid.
    std::chrono::hours token_ttl{ 72 };
    /// Mark the session cookie `Secure` (behind TLS).
    bool secure_cookie = false;
    /// Days a submitted record waits before a reminder run by hand
    /// (`POST /api/v1/reminders/run`) reminds its approver.
    unsigned approver_reminder_days = 3;
};

/// Where a request came from.
struct peer
{
    std::string address; ///< client IP address (text)
};

/// One request being handled: what a handler reads.
struct call
{
    const request& req;
    std::string path;
    std::map<std::string, std::string, std::less<>> query;
    std::vector<std::pair<std::string, std::string>> params;
    peer from;
    std::string request_id;
    timestamp now;
    /// The session, when the request carried a valid one.
    std::optional<session> auth;
    /// The session came from the cookie (CSRF guard applies to writes).
    bool via_cookie = false;
    /// The session token of the request (bearer or cookie) when `auth` is set.
    std::string_view token;

    /// A path parameter (empty when unknown).
    const std::string& param(std::string_view name) const;
    /// A query parameter.
    std::optional<std::string_view> query_param(std::string_view name) const;
};

/// The signed-in account of a call, loaded from its committed state.
struct viewer
{
    std::string account_id;
    /// The account's committed state, shared with the state cache.
    std::shared_ptr<const domain::account::state> state;

    const domain::account::state& account() const { return *state; }

    bool has_role(events::role r) const;
};

/// Everything the handlers need.
class api
{
  public:
    /// The API over `services` (command path, e.g. a caching log), the raw
    /// `log` (event reads), the read-model `store`, the projection `runners`
    /// (read-your-writes and readiness), the derived secrets of the data key
    /// (the same as the process managers') and the clock (system clock when
    /// empty). `kafka`: the Kafka log when `log` is one (its consistency
    /// tokens work across instances), else null. `sessions`: the projector
    /// of the `sessions` model (its runner is the one of `runners` with its
    /// name), which tells the session cache when sessions ended; when null,
    /// cached sessions are checked against the model on every use.
    api(app::services services,
        events::event_log& log,
        infra::kv_store& store,
        std::vector<const projections::runner*> runners,
        app::secret_source secrets,
        api_options options,
        std::function<timestamp()> clock = {},
        infra::kafka_log* kafka = nullptr,
        const projections::sessions_projector* sessions = nullptr);

    /// Handles one request (see above). Never throws.
    reply handle(const request& req, const peer& from);

    // --- for handlers -------------------------------------------------------

    const app::services& services() const { return services_; }
    events::event_log& log() { return log_; }
    infra::kv_store& store() { return store_; }
    session_store& sessions() { return sessions_; }
    metrics& stats() { return metrics_; }
    const api_options& options() const { return options_; }
    const std::vector<const projections::runner*>& runners() const { return runners_; }
    /// The derived-secret source of the process managers (same key).
    const app::secret_source& secrets() const { return secrets_; }
    timestamp now() const;

    /// A new id: UUIDv7 text; with an `Idempotency-Key`, derived from the
    /// account and the key, so a repeated write names the same thing.
    std::string new_id(const call& c) const;

    /// The signed-in account (401 `auth.unauthenticated` without a session;
    /// 401 when the account no longer exists or was erased).
    result<viewer> viewer_of(const call& c);

    /// The signed-in account when it holds one of `roles` (else 403
    /// `auth.role`, see `authz::require_role`).
    result<viewer> viewer_of(const call& c, std::initializer_list<events::role> roles);

    /// The command metadata of a write by the signed-in account: the role it
    /// acts in is the `Portal-Role` header when given (it must be one of the
    /// account's roles, else 403 `auth.role`), else the first of `preferred`
    /// the account holds, else its first role; `Portal-Company` names the
    /// company it acts for (403 `auth.company` unless
    /// `authz::acts_for_company`). The command
    /// id is `http:<account>:<Idempotency-Key>` when the header is present
    /// (a repeated key returns the first result), else a fresh UUID. An
    /// `If-Match` version becomes `expected_version` (412
    /// `<kind>.version_mismatch` when the target stream moved on).
    result<domain::command_meta> meta(const call& c,
                                      const viewer& v,
                                      std::initializer_list<events::role> preferred);

    /// Metadata of a write by nobody signed in (activation, password
    /// reset): actor `system` with the given account id.
    domain::command_meta anonymous_meta(const call& c, std::string account_id) const;

    /// Waits until every read model includes `Portal-Min-Position` (when the
    /// request carries it; bounded by `max_position_wait`). The header is a
    /// token of `position_token`: a local position, or on Kafka partition
    /// offsets, for which it first waits until this instance's mirror has
    /// the named events (bounded the same way) and then for the local
    /// position that covers them. Errors: `validation.position` (400) for a
    /// malformed token, a position beyond the log's last one, offsets
    /// beyond a partition's end, partitions the topic lacks, or offsets on
    /// the embedded log; `projection.timeout` (503) when the mirror or the
    /// read models do not get there in time.
    result<void> await_position(const call& c);

    /// The read-your-writes token of a request's commands (`Portal-Position`
    /// and `position` of its reply; events/position_token.hpp): on the
    /// embedded log the highest position (a decimal); on Kafka the offsets
    /// of the events they wrote, the highest per partition (`3:1042,7:18`),
    /// which every instance understands. A command that appended nothing
    /// decided on everything this instance had mirrored: its token names
    /// every partition's mirrored offset.
    std::string position_token(std::span<const domain::outcome> outcomes) const;

    /// The reply of a write: `{id, version, position}` with `status`
    /// (201 for creations, 200 otherwise), or the error's problem. Also
    /// counts the command in the metrics under `name`. `also`: the
    /// outcomes of the request's other commands, which `position` covers
    /// as well.
    reply written(std::string_view name,
                  const result<domain::outcome>& outcome,
                  std::string id,
                  http::status status = http::status::ok,
                  std::span<const domain::outcome> also = {});

    /// A page of `items`: `{items, next}` after `cursor` (an index), at most
    /// `limit` (default 50, max 500). Errors: `validation.limit`,
    /// `validation.cursor` (400).
    result<boost::json::object> page(const call& c, boost::json::array items) const;

    /// `page` as the reply of a list route (200, or the 400 problem).
    reply page_reply(const call& c, boost::json::array items) const;

    /// The 200 JSON reply of the read-model view `key`, computed by
    /// `compute` or reused while no projection moved (see view_cache.hpp).
    /// Check the viewer first: the view is the same for everyone who may
    /// see it.
    reply view_reply(const std::string& key,
                     const std::function<result<boost::json::object>()>& compute);

    /// `view_reply` of a view with an entity tag (`ETag: "<tag>"`).
    reply view_reply(const std::string& key, const std::function<result<cached_view>()>& compute);

    /// The memoised views.
    const view_cache& views() const { return views_; }

  private:
    reply dispatch(const request& req, const peer& from);

    app::services services_;
    events::event_log& log_;
    infra::kafka_log* kafka_ = nullptr;
    infra::kv_store& store_;
    std::vector<const projections::runner*> runners_;
    api_options options_;
    std::function<timestamp()> clock_;
    app::secret_source secrets_;
    session_store sessions_;
    metrics metrics_;
    view_cache views_;
    rate_limiter auth_limiter_;
    router router_;

  public:
    /// The limiter of login, PIN login and password-reset attempts.
    rate_limiter& auth_limiter() { return auth_limiter_; }
};

/// The version an `If-Match` header asks for: nullopt without the header
/// (or with `*`); `validation.if_match` (400) for anything but a version
/// (bare or quoted, optionally weak: `3`, `"3"`, `W/"3"`).
result<std::optional<std::uint64_t>> if_match_of(const call& c);

/// The body of an erasure by chamber staff (`{"reason"}`, at most
/// `domain::k_max_erase_reason` characters) and the staff's metadata, or the
/// error reply (400 for the body, 403 without the staff role).
std::expected<std::pair<domain::command_meta, std::string>, reply> erasure_input(api& a,
                                                                                 const call& c,
                                                                                 const viewer& v);

/// The JSON of a reply body (for handlers composing answers).
inline reply
ok_json(const boost::json::value& body, http::status status = http::status::ok)
{
    return json_response(status, body);
}

/// The next Server-Sent Events of the event stream after position `after`
/// (at most `max_events`): one `id: <position>`, `event: <name>`, `data:
/// <json>` block per event; advances `after`. Empty text when there is
/// nothing new. With `redact_records`, events of training records come
/// without content (chamber staff). Errors: the log's. (routes_events.cpp)
result<std::string> event_stream_chunk(api& a,
                                       std::uint64_t& after,
                                       std::size_t max_events,
                                       bool redact_records);

// --- route registration, one function per area (routes_*.cpp) ---------------

void add_session_routes(router& r);
void add_company_routes(router& r);
void add_contract_routes(router& r);
void add_report_routes(router& r);
void add_exam_routes(router& r);
void add_examiner_routes(router& r);
void add_event_routes(router& r);
void add_operation_routes(router& r);
void add_reminder_routes(router& r);
void add_mail_routes(router& r);
void add_chamber_routes(router& r);

} // namespace portal::gateway
