#include "common/domain.hpp"

#include <algorithm>

namespace portal::domain {

std::string_view
trim(std::string_view text) noexcept
{
    constexpr std::string_view ws = " \t\r\n\f\v";
    auto begin = text.find_first_not_of(ws);
    if (begin == std::string_view::npos) {
        return {};
    }
    auto end = text.find_last_not_of(ws);
    return text.substr(begin, end - begin + 1);
}

namespace {

/// Valid UTF-8 (no overlong forms, no surrogates) without control characters
/// other than tab and newline (and CR when `allow_newlines`).
bool
clean_utf8(std::string_view text, bool allow_newlines) noexcept
{
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                bool ok = allow_newlines && (c == '\n' || c == '\t' || c == '\r');
                if (!ok) {
                    return false;
                }
            }
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += len;
    }
    return true;
}

} // namespace

bool
valid_text(std::string_view text, std::size_t max) noexcept
{
    return !trim(text).empty() && text.size() <= max && clean_utf8(text, true);
}

bool
valid_erase_reason(std::string_view reason) noexcept
{
    auto code_points = std::count_if(reason.begin(), reason.end(), [](char ch) {
        return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    });
    return valid_text(reason, 4 * k_max_erase_reason) &&
           static_cast<std::size_t>(code_points) <= k_max_erase_reason;
}

bool
valid_email(std::string_view email) noexcept
{
    if (email.empty() || email.size() > k_max_email || !clean_utf8(email, false)) {
        return false;
    }
    auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 ||
        email.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    auto domain = email.substr(at + 1);
    auto dot = domain.find('.');
    if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') {
        return false;
    }
    return std::none_of(email.begin(), email.end(), [](char c) {
        return c == ' ' || c == '<' || c == '>' || c == ',' || c == ';';
    });
}

std::string
normalize_email(std::string_view email)
{
    std::string out(trim(email));
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

} // namespace portal::domain
