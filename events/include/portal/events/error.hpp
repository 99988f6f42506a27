#pragma once

/// Expected failures as values (CONVENTIONS.md, "Errors").

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace portal {

/// What the caller should do with a failure. The gateway maps each class to
/// an HTTP status in one place.
enum class error_class
{
    rejected,    ///< a domain rule: do not retry (HTTP 422 or 409)
    conflict,    ///< an expected-version race: reload and retry, bounded
    unavailable, ///< infrastructure: retry later (HTTP 503)
    invalid,     ///< bad input (HTTP 400)
    not_found,   ///< unknown or not visible (HTTP 404)
    forbidden,   ///< not allowed (HTTP 403)
};

/// Stable name of an error class, e.g. "rejected".
std::string_view to_string(error_class c) noexcept;

/// A failure: a stable dotted code (`report.remarks_required`), a message
/// for humans (English) and the class.
struct error
{
    std::string code;
    std::string message;
    error_class cls = error_class::invalid;

    static error rejected(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::rejected };
    }
    static error conflict(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::conflict };
    }
    static error unavailable(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::unavailable };
    }
    static error invalid(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::invalid };
    }
    static error not_found(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::not_found };
    }
    static error forbidden(std::string code, std::string message)
    {
        return { std::move(code), std::move(message), error_class::forbidden };
    }

    friend bool operator==(const error&, const error&) = default;
};

/// Shorthand for a value or an error.
template<class T>
using result = std::expected<T, error>;

/// Shorthand for a failed result: `return fail(error::invalid(...));`
inline std::unexpected<error>
fail(error e)
{
    return std::unexpected<error>(std::move(e));
}

} // namespace portal
