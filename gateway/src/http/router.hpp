#pragma once

/// Routes: method + path pattern (`/api/v1/reports/{id}/submit`) -> handler.
/// Matching is exact per segment; `{name}` matches one non-empty segment
/// (percent-decoded). A path that matches with another method is 405 with
/// `Allow`; no match is 404.
///
/// Built once at start-up, then read-only: `match` may be called from any
/// thread.

#include "http/http.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portal::gateway {

class api;
struct call;

/// A request to stream events to the client (Server-Sent Events) instead of
/// a plain response: the session writes `head` and then the events after
/// `after`, pulling them from the log as the client keeps up.
struct event_stream
{
    std::uint64_t after = 0;
    /// Events of training records without content (chamber staff).
    bool redact_records = false;
};

/// What a handler answers: a response, or a response head plus an event
/// stream.
struct reply
{
    reply(response r)
      : res(std::move(r))
    {
    }
    reply(response head, event_stream s)
      : res(std::move(head))
      , stream(s)
    {
    }
    response res;
    std::optional<event_stream> stream;
};

/// Who may call a route at all (relationships are checked by the handler
/// through `authz`).
enum class access
{
    open,          ///< no session needed
    authenticated, ///< a valid session (401 otherwise)
};

using handler = std::function<reply(api&, call&)>;

/// One route.
struct route
{
    http::verb method;
    std::string pattern;
    /// A stable name for metrics and logs (the pattern itself).
    std::string name;
    access who = access::authenticated;
    handler run;
    std::vector<std::string> segments;
};

/// A matched route with its path parameters.
struct match_result
{
    const route* matched = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    /// Methods the path allows (for 405) when `matched` is null.
    std::vector<http::verb> allowed;
};

/// The route table.
class router
{
  public:
    /// Adds a route. Patterns are absolute paths; `{x}` is a parameter.
    void add(http::verb method, std::string pattern, access who, handler run);

    /// Finds the route of `method` and `path` (the path without query).
    match_result match(http::verb method, std::string_view path) const;

    /// Every route (for documentation checks).
    const std::vector<route>& routes() const { return routes_; }

  private:
    std::vector<route> routes_;
};

/// Splits a target into path and query; percent-decodes a component
/// (`+` stays `+` in paths; in queries it is a blank). nullopt for bad
/// escapes.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

/// The query parameters of a target (`a=1&b=x`), decoded; the last of
/// repeated names wins. nullopt for bad escapes.
std::optional<std::map<std::string, std::string, std::less<>>> parse_query(std::string_view query);

} // namespace portal::gateway
