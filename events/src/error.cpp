#include "portal/events/error.hpp"

namespace portal {

std::string_view
to_string(error_class c) noexcept
{
    switch (c) {
        case error_class::rejected:
            return "rejected";
        case error_class::conflict:
            return "conflict";
        case error_class::unavailable:
            return "unavailable";
        case error_class::invalid:
            return "invalid";
        case error_class::not_found:
            return "not_found";
        case error_class::forbidden:
            return "forbidden";
    }
    return "invalid";
}

} // namespace portal
