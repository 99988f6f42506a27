// Mail: the SMTP delivery state of the outbox for chamber staff (which
// mails went out, which wait for a retry, which failed and why).

#include "http/api.hpp"
#include "http/authz.hpp"
#include "mail_deliveries.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace portal::gateway {

namespace {

using events::role;

/// The fields staff see of a delivery record.
constexpr std::array<std::string_view, 10> k_fields{ "id",           "kind",      "recipient",
                                                     "subject",      "status",    "attempts",
                                                     "lastError",    "updatedAt", "messageId",
                                                     "nextAttemptAt" };

/// An outbox entry id: `<position>/<n>` (digits).
bool
valid_entry_id(std::string_view id)
{
    auto slash = id.find('/');
    auto digits = [](std::string_view s) {
        return !s.empty() && s.size() <= 24 &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return slash != std::string_view::npos && digits(id.substr(0, slash)) &&
           digits(id.substr(slash + 1));
}

reply
list_deliveries(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    if (auto denied = authz::require_role(*v, { role::staff }); !denied) {
        return error_response(denied.error());
    }
    std::string status;
    if (auto s = c.query_param("status")) {
        if (!cli::valid_delivery_status(*s)) {
            return error_response(error::invalid(
              "validation.status", "status must be one of pending, sending, sent, failed"));
        }
        status = std::string(*s);
    }
    std::size_t limit = 50;
    if (auto l = c.query_param("limit")) {
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), n);
        if (ec != std::errc{} || end != l->data() + l->size() || n < 1 || n > 500) {
            return error_response(
              error::invalid("validation.limit", "limit must be a number from 1 to 500"));
        }
        limit = n;
    }
    std::string after;
    if (auto cur = c.query_param("cursor")) {
        if (!valid_entry_id(*cur)) {
            return error_response(error::invalid(
              "validation.cursor", "cursor must be the `next` value of a previous page"));
        }
        after = std::string(*cur);
    }
    auto page = cli::delivery_records(a.store(), status, after, limit);
    if (!page) {
        return error_response(page.error());
    }
    boost::json::array items;
    for (auto& record : page->items) {
        boost::json::object item;
        const auto& r = record.as_object();
        for (auto field : k_fields) {
            const auto* value = r.if_contains(field);
            item[field] = value != nullptr ? *value : boost::json::value(nullptr);
        }
        items.push_back(std::move(item));
    }
    return ok_json(boost::json::object{
      { "items", std::move(items) },
      { "next",
        page->next.empty() ? boost::json::value(nullptr) : boost::json::value(page->next) } });
}

} // namespace

void
add_mail_routes(router& r)
{
    r.add(http::verb::get, "/api/v1/mail/deliveries", access::authenticated, list_deliveries);
}

} // namespace portal::gateway
