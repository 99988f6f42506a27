#pragma once

/// The HTTP vocabulary of the gateway: request and response types, JSON and
/// problem+json responses, and the one place where an error's class becomes
/// an HTTP status (CONVENTIONS.md, "Errors").
///
/// Pure functions; any thread.

#include "portal/events/error.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace portal::gateway {

namespace http = boost::beast::http;

/// A request as the gateway handles it (the whole body in memory; the
/// session enforces the size limit before it gets here).
using request = http::request<http::string_body>;
/// A response.
using response = http::response<http::string_body>;

/// One field of a validation failure: `{field, code}` in problem+json.
struct field_error
{
    std::string field; ///< dotted path, e.g. `trainee.birthDate`, `entries[2].hours`
    std::string code;  ///< e.g. `validation.required`, `validation.type`
};

/// The HTTP status of an error: by class (`invalid` 400, `not_found` 404,
/// `forbidden` 403, `conflict` 409, `unavailable` 503, `rejected` 422),
/// with the few codes the API gives their own status (`auth.locked` 423,
/// `auth.unauthenticated` 401, `*.version_mismatch` 412, `*.already_*`
/// and `*.exists`/`*.taken` 409, `http.too_large` 413, `auth.rate_limited`
/// 429, `http.unsupported_media_type` 415, `http.method_not_allowed` 405).
http::status status_of(const error& e) noexcept;

/// A JSON response with `status`.
response json_response(http::status status, const boost::json::value& body);

/// An `application/problem+json` response: `{type, title, status, detail,
/// code, errors?}`.
response problem(http::status status,
                 std::string_view code,
                 std::string_view detail,
                 const std::vector<field_error>& errors = {});

/// The problem response of an error (status from `status_of`). Messages of
/// `unavailable` errors are replaced by a generic text (they may name
/// files); the code stays.
response error_response(const error& e);

/// Appends the status line and header fields of `res` with the blank line
/// after them to `out`: the bytes Beast's serializer writes before the
/// body. The session writes them and the body as two buffers of one
/// gathered write (Beast's serializer walks a concatenated buffer view per
/// field, about 6 % of a small request). Not for chunked responses.
void serialize_head(const response& res, std::string& out);

/// A 400 `validation.field` problem listing `errors`.
response validation_problem(std::vector<field_error> errors);

} // namespace portal::gateway
