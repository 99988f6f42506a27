#include "http/http.hpp"

#include <fmt/format.h>

#include <charconv>

namespace portal::gateway {

namespace {

bool
ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool
contains(std::string_view s, std::string_view part)
{
    return s.find(part) != std::string_view::npos;
}

} // namespace

http::status
status_of(const error& e) noexcept
{
    // Codes with a status of their own (docs/API.md, "Status codes").
    if (e.code == "auth.locked") {
        return http::status::locked;
    }
    if (e.code == "auth.unauthenticated" || e.code == "auth.invalid_credentials") {
        return http::status::unauthorized;
    }
    if (e.code == "auth.rate_limited") {
        return http::status::too_many_requests;
    }
    if (e.code == "http.too_large") {
        return http::status::payload_too_large;
    }
    if (e.code == "http.unsupported_media_type") {
        return http::status::unsupported_media_type;
    }
    if (e.code == "http.method_not_allowed") {
        return http::status::method_not_allowed;
    }
    if (ends_with(e.code, ".version_mismatch")) {
        return http::status::precondition_failed;
    }
    switch (e.cls) {
        case error_class::invalid:
            return http::status::bad_request;
        case error_class::not_found:
            return http::status::not_found;
        case error_class::forbidden:
            return http::status::forbidden;
        case error_class::conflict:
            return http::status::conflict;
        case error_class::unavailable:
            return http::status::service_unavailable;
        case error_class::rejected:
            // A rule about the current state of a thing (it exists already,
            // it was decided already) is a conflict; any other rule 422.
            if (contains(e.code, ".already_") || ends_with(e.code, "_taken") ||
                ends_with(e.code, ".exists") || ends_with(e.code, "_exists")) {
                return http::status::conflict;
            }
            return http::status::unprocessable_entity;
    }
    return http::status::internal_server_error;
}

response
json_response(http::status status, const boost::json::value& body)
{
    response res{ status, 11 };
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response
problem(http::status status,
        std::string_view code,
        std::string_view detail,
        const std::vector<field_error>& errors)
{
    boost::json::object body;
    body["type"] = fmt::format("urn:portal:problem:{}", code);
    body["title"] = std::string(http::obsolete_reason(status));
    body["status"] = static_cast<int>(status);
    body["detail"] = detail;
    body["code"] = code;
    if (!errors.empty()) {
        boost::json::array list;
        for (const auto& f : errors) {
            list.push_back(boost::json::object{ { "field", f.field }, { "code", f.code } });
        }
        body["errors"] = std::move(list);
    }
    response res{ status, 11 };
    res.set(http::field::content_type, "application/problem+json");
    res.set(http::field::cache_control, "no-store");
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response
error_response(const error& e)
{
    auto status = status_of(e);
    if (e.cls == error_class::unavailable) {
        auto res = problem(status, e.code, "the service is temporarily unavailable; retry later");
        res.set(http::field::retry_after, "1");
        return res;
    }
    return problem(status, e.code, e.message);
}

void
serialize_head(const response& res, std::string& out)
{
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char digits[8];
    auto written = std::to_chars(std::begin(digits), std::end(digits), res.result_int());
    out.append(digits, written.ptr);
    out += ' ';
    out += res.reason();
    out += "\r\n";
    for (const auto& f : res.base()) {
        out += f.name_string();
        out += ": ";
        out += f.value();
        out += "\r\n";
    }
    out += "\r\n";
}

response
validation_problem(std::vector<field_error> errors)
{
    std::string detail = "the request has invalid fields";
    if (errors.size() == 1) {
        detail = fmt::format("invalid field '{}' ({})", errors.front().field, errors.front().code);
    }
    return problem(http::status::bad_request, "validation.field", detail, errors);
}

} // namespace portal::gateway
