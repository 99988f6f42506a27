#include "portal/infra/mail.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace portal::infra {

namespace {

// --- small helpers -----------------------------------------------------------

constexpr std::size_t k_max_header_line = 78;
constexpr std::size_t k_max_qp_line = 76;
constexpr std::size_t k_max_encoded_word = 75;
constexpr std::string_view k_encoded_prefix = "=?UTF-8?B?";
constexpr std::string_view k_encoded_suffix = "?=";

bool
is_control(unsigned char c) noexcept
{
    return c < 0x20 || c == 0x7f;
}

bool
is_ascii_printable(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c >= 0x20 && c < 0x7f;
    });
}

bool
has_control(std::string_view s) noexcept
{
    return std::any_of(
      s.begin(), s.end(), [](char ch) { return is_control(static_cast<unsigned char>(ch)); });
}

/// Control characters (CR, LF, TAB, ...) become spaces: no header injection.
std::string
sanitize_header_value(std::string_view s)
{
    std::string out(s);
    for (auto& ch : out) {
        if (is_control(static_cast<unsigned char>(ch))) {
            ch = ' ';
        }
    }
    return out;
}

/// atext of RFC 5322 (without the dot).
bool
is_atext(char ch) noexcept
{
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || is_control(c)) {
        return false;
    }
    if (std::isalnum(c) != 0) {
        return true;
    }
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
}

/// A dot-atom: atext runs separated by single dots.
bool
is_dot_atom(std::string_view s) noexcept
{
    if (s.empty() || s.front() == '.' || s.back() == '.') {
        return false;
    }
    char prev = 0;
    for (char ch : s) {
        if (ch == '.') {
            if (prev == '.') {
                return false;
            }
        } else if (!is_atext(ch)) {
            return false;
        }
        prev = ch;
    }
    return true;
}

bool
is_domain(std::string_view s) noexcept
{
    if (!is_dot_atom(s)) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '.';
    });
}

bool
is_addr_spec(std::string_view s) noexcept
{
    auto at = s.rfind('@');
    if (at == std::string_view::npos || s.size() > 254) {
        return false;
    }
    return is_dot_atom(s.substr(0, at)) && is_domain(s.substr(at + 1));
}

/// Keeps only the characters an addr-spec may hold (for `compose`).
std::string
sanitize_address(std::string_view s)
{
    std::string out;
    for (char ch : s) {
        if (is_atext(ch) || ch == '.' || ch == '@') {
            out.push_back(ch);
        }
    }
    return out;
}

std::string_view
domain_of(std::string_view email) noexcept
{
    auto at = email.rfind('@');
    if (at == std::string_view::npos || at + 1 == email.size()) {
        return "portal.invalid";
    }
    return email.substr(at + 1);
}

std::uint64_t
fnv1a(std::uint64_t h, std::string_view s) noexcept
{
    for (char ch : s) {
        h ^= static_cast<unsigned char>(ch);
        h *= 0x100000001b3ULL;
    }
    return h;
}

constexpr std::uint64_t k_fnv_basis = 0xcbf29ce484222325ULL;

std::string
base64(std::string_view in)
{
    static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                          (static_cast<unsigned char>(in[i + 1]) << 8) |
                          static_cast<unsigned char>(in[i + 2]);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    if (auto rest = in.size() - i; rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2) {
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        }
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

/// Length of the UTF-8 sequence starting at `s[0]` (1 for a stray byte),
/// never past the end.
std::size_t
utf8_length(std::string_view s) noexcept
{
    auto c = static_cast<unsigned char>(s.front());
    std::size_t n = 1;
    if (c >= 0xf0 && c < 0xf8) {
        n = 4;
    } else if (c >= 0xe0) {
        n = c < 0xf0 ? 3 : 1;
    } else if (c >= 0xc0) {
        n = 2;
    }
    n = std::min(n, s.size());
    for (std::size_t i = 1; i < n; ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
            return i;
        }
    }
    return n;
}

// --- header folding ----------------------------------------------------------

/// Writes one header field, folding between tokens so that lines stay within
/// 78 characters. Folding replaces the space before a token by CRLF + space,
/// so unfolding restores the value.
class header_writer
{
  public:
    header_writer(std::string& out, std::string_view name)
      : out_(out)
      , col_(name.size() + 1)
    {
        out_.append(name);
        out_.push_back(':');
    }

    /// One unbreakable token, preceded by a space (or a fold).
    void token(std::string_view t)
    {
        if (col_ + 1 + t.size() > k_max_header_line && col_ > 1 && !t.empty()) {
            fold();
        }
        out_.push_back(' ');
        out_.append(t);
        col_ += 1 + t.size();
    }

    /// `text` as RFC 2047 B encoded-words, each of whole UTF-8 characters
    /// and at most 75 characters, sized to the room left on the line.
    void encoded(std::string_view text)
    {
        while (!text.empty()) {
            auto room = [this] {
                auto used = col_ + 1 + k_encoded_prefix.size() + k_encoded_suffix.size();
                auto line_room = used < k_max_header_line ? k_max_header_line - used : 0;
                auto word_room =
                  k_max_encoded_word - k_encoded_prefix.size() - k_encoded_suffix.size();
                return std::min(line_room, word_room) / 4 * 3; // bytes
            };
            if (room() < 4 && col_ > 1) {
                fold();
            }
            auto bytes = room();
            std::size_t take = 0;
            while (take < text.size()) {
                auto n = utf8_length(text.substr(take));
                if (take + n > bytes && take > 0) {
                    break;
                }
                take += n;
            }
            token(fmt::format(
              "{}{}{}", k_encoded_prefix, base64(text.substr(0, take)), k_encoded_suffix));
            text.remove_prefix(take);
        }
    }

    /// Unstructured text: ASCII words folded at spaces, or encoded-words when
    /// the text has non-ASCII, `=?` or a word too long to fit a line.
    void unstructured(std::string_view raw)
    {
        auto text = sanitize_header_value(raw);
        if (needs_encoding(text)) {
            encoded(text);
            return;
        }
        std::size_t start = 0;
        bool first = true;
        while (start <= text.size()) {
            auto end = text.find(' ', start);
            if (end == std::string::npos) {
                end = text.size();
            }
            auto word = std::string_view(text).substr(start, end - start);
            if (first) {
                token(word);
                first = false;
            } else if (word.empty()) {
                // keep runs of spaces, never fold before an empty word
                out_.push_back(' ');
                ++col_;
            } else {
                token(word);
            }
            start = end + 1;
        }
    }

    /// A mailbox: display name (quoted or encoded) and `<address>`.
    void mailbox(const mail_address& a, bool comma)
    {
        auto name = sanitize_header_value(a.name);
        auto address = "<" + sanitize_address(a.email) + ">" + (comma ? "," : "");
        if (!name.empty()) {
            if (is_ascii_printable(name) && name.find("=?") == std::string::npos &&
                name.size() + 2 <= k_max_header_line - 2) {
                std::string quoted = "\"";
                for (char ch : name) {
                    if (ch == '"' || ch == '\\') {
                        quoted.push_back('\\');
                    }
                    quoted.push_back(ch);
                }
                quoted.push_back('"');
                token(quoted);
            } else {
                encoded(name);
            }
        }
        token(address);
    }

    void end() { out_.append("\r\n"); }

  private:
    static bool needs_encoding(std::string_view text)
    {
        if (!is_ascii_printable(text) || text.find("=?") != std::string_view::npos) {
            return true;
        }
        std::size_t start = 0;
        while (start < text.size()) {
            auto end = text.find(' ', start);
            if (end == std::string_view::npos) {
                end = text.size();
            }
            if (end - start > k_max_header_line - 2) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    void fold()
    {
        out_.append("\r\n");
        col_ = 0;
    }

    std::string& out_;
    std::size_t col_;
};

void
write_address_list(std::string& out, std::string_view name, const std::vector<mail_address>& list)
{
    header_writer w(out, name);
    for (std::size_t i = 0; i < list.size(); ++i) {
        w.mailbox(list[i], i + 1 < list.size());
    }
    w.end();
}

// --- quoted-printable --------------------------------------------------------

/// RFC 2045 quoted-printable with CRLF hard line breaks (from `\n` or
/// `\r\n`), soft breaks keeping lines at 76 characters, `=` always encoded
/// (so `=_` never occurs), trailing white space and a leading `.` encoded.
std::string
quoted_printable(std::string_view text)
{
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 11 / 10 + 16);
    bool first_line = true;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto nl = text.find('\n', start);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        auto line = text.substr(start, end - start);
        if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (!first_line) {
            out.append("\r\n");
        }
        first_line = false;
        std::size_t col = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            auto c = static_cast<unsigned char>(line[i]);
            bool last = i + 1 == line.size();
            bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
            if (c == '.' && col == 0) {
                literal = false;
            }
            std::array<char, 3> buf{};
            std::string_view piece;
            if (literal) {
                buf[0] = static_cast<char>(c);
                piece = std::string_view(buf.data(), 1);
            } else {
                buf = { '=', hex[c >> 4], hex[c & 15] };
                piece = std::string_view(buf.data(), 3);
            }
            // Room for the piece plus a soft break `=` (unless it ends the line).
            auto limit = last ? k_max_qp_line : k_max_qp_line - 1;
            if (col + piece.size() > limit) {
                out.append("=\r\n");
                col = 0;
                if (c == '.') {
                    buf = { '=', '2', 'E' };
                    piece = std::string_view(buf.data(), 3);
                }
            }
            out.append(piece);
            col += piece.size();
        }
        if (nl == std::string_view::npos) {
            break;
        }
        start = nl + 1;
    }
    return out;
}

// --- dates -------------------------------------------------------------------

struct civil
{
    std::chrono::year_month_day ymd;
    std::chrono::hh_mm_ss<std::chrono::seconds> hms;
    std::chrono::weekday wd;
};

civil
civil_of(std::chrono::sys_seconds t)
{
    auto day = std::chrono::floor<std::chrono::days>(t);
    return { std::chrono::year_month_day{ day },
             std::chrono::hh_mm_ss<std::chrono::seconds>{ t - day },
             std::chrono::weekday{ day } };
}

/// Whether `t` falls into Central European Summer Time (EU rule: from the
/// last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC).
bool
is_cest(std::chrono::sys_seconds t)
{
    using namespace std::chrono;
    auto y = year_month_day{ floor<days>(t) }.year();
    auto begin = sys_days{ y / March / Sunday[last] } + hours{ 1 };
    auto end = sys_days{ y / October / Sunday[last] } + hours{ 1 };
    return t >= begin && t < end;
}

// --- validation --------------------------------------------------------------

bool
is_reserved_header(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    });
    static constexpr std::array<std::string_view, 8> reserved = {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version"
    };
    return std::find(reserved.begin(), reserved.end(), lower) != reserved.end() ||
           lower.starts_with("content-");
}

bool
is_header_name(std::string_view name) noexcept
{
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c >= 33 && c <= 126 && c != ':';
    });
}

bool
is_message_id(std::string_view id) noexcept
{
    auto at = id.rfind('@');
    return at != std::string_view::npos && id.size() <= 200 && is_dot_atom(id.substr(0, at)) &&
           is_dot_atom(id.substr(at + 1));
}

result<void>
check_mailbox(const mail_address& a, std::string_view role)
{
    if (has_control(a.name) || has_control(a.email)) {
        return fail(error::invalid("mail.header_injection",
                                   fmt::format("control character in the {} address", role)));
    }
    if (!is_addr_spec(a.email)) {
        return fail(error::invalid("mail.bad_address", fmt::format("bad {} address", role)));
    }
    return {};
}

// --- template helpers --------------------------------------------------------

std::string
link(const mail_settings& s, std::string_view path)
{
    std::string_view base = s.base_url;
    while (!base.empty() && base.back() == '/') {
        base.remove_suffix(1);
    }
    return fmt::format("{}{}", base, path);
}

std::string
token_link(const mail_settings& s, std::string_view path, std::string_view token)
{
    return fmt::format("{}?token={}", link(s, path), url_encode(token));
}

std::string
id_link(const mail_settings& s, std::string_view path, std::string_view id)
{
    return fmt::format("{}/{}", link(s, path), url_encode(id));
}

/// `text` escaped for HTML, its line breaks as `<br>`.
std::string
html_text(std::string_view text)
{
    std::string out;
    for (char ch : html_escape(text)) {
        if (ch == '\n') {
            out.append("<br>\n");
        } else if (ch != '\r') {
            out.push_back(ch);
        }
    }
    return out;
}

/// Builds the text and the HTML body side by side; every value is escaped
/// for HTML.
class body_builder
{
  public:
    explicit body_builder(std::string_view subject)
    {
        html_ =
          fmt::format("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<title>{}</title>\n</head>\n<body style=\"font-family: sans-serif; "
                      "line-height: 1.4;\">\n",
                      html_escape(subject));
    }

    body_builder& greeting(std::string_view name)
    {
        return paragraph(name.empty() ? std::string("Guten Tag,")
                                      : fmt::format("Guten Tag {},", name));
    }

    body_builder& paragraph(std::string_view text)
    {
        text_.append(text).append("\n\n");
        html_.append("<p>").append(html_text(text)).append("</p>\n");
        return *this;
    }

    /// A labelled value on a line of its own ("PIN: 123456").
    body_builder& field(std::string_view label, std::string_view value)
    {
        text_.append(fmt::format("{}: {}\n\n", label, value));
        html_.append(
          fmt::format("<p>{}: <strong>{}</strong></p>\n", html_escape(label), html_escape(value)));
        return *this;
    }

    /// A block of text kept as written (remarks, comments).
    body_builder& quote(std::string_view label, std::string_view text)
    {
        text_.append(fmt::format("{}:\n{}\n\n", label, text));
        html_.append(fmt::format(
          "<p>{}:</p>\n<blockquote>{}</blockquote>\n", html_escape(label), html_text(text)));
        return *this;
    }

    body_builder& list(const std::vector<std::string>& items)
    {
        html_.append("<ul>\n");
        for (const auto& item : items) {
            text_.append("- ").append(item).append("\n");
            html_.append("<li>").append(html_escape(item)).append("</li>\n");
        }
        text_.append("\n");
        html_.append("</ul>\n");
        return *this;
    }

    body_builder& link(std::string_view url)
    {
        text_.append(url).append("\n\n");
        auto escaped = html_escape(url);
        html_.append(fmt::format("<p><a href=\"{}\">{}</a></p>\n", escaped, escaped));
        return *this;
    }

    mail_message finish(const mail_settings& s, mail_address to, std::string subject)
    {
        paragraph("Mit freundlichen Grüßen\nIhr Ausbildungsportal");
        constexpr std::string_view footer = "Diese E-Mail wurde automatisch erstellt. Bitte "
                                            "antworten Sie nicht auf diese E-Mail.";
        text_.append("-- \n").append(footer).append("\n");
        html_.append(
          fmt::format("<hr>\n<p style=\"font-size: smaller;\">{}</p>\n</body>\n</html>\n",
                      html_escape(footer)));
        mail_message m;
        m.from = s.from;
        m.to.push_back(std::move(to));
        m.subject = std::move(subject);
        m.text_body = std::move(text_);
        m.html_body = std::move(html_);
        m.headers.emplace_back("Auto-Submitted", "auto-generated");
        return m;
    }

  private:
    std::string text_;
    std::string html_;
};

} // namespace

// --- public helpers ----------------------------------------------------------

std::string
url_encode(std::string_view value)
{
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string
html_escape(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char ch : value) {
        switch (ch) {
            case '&':
                out.append("&amp;");
                break;
            case '<':
                out.append("&lt;");
                break;
            case '>':
                out.append("&gt;");
                break;
            case '"':
                out.append("&quot;");
                break;
            case '\'':
                out.append("&#39;");
                break;
            default:
                out.push_back(ch);
        }
    }
    return out;
}

std::string
rfc5322_date(timestamp t)
{
    static constexpr std::array<std::string_view, 7> days = { "Sun", "Mon", "Tue", "Wed",
                                                              "Thu", "Fri", "Sat" };
    static constexpr std::array<std::string_view, 12> months = { "Jan", "Feb", "Mar", "Apr",
                                                                 "May", "Jun", "Jul", "Aug",
                                                                 "Sep", "Oct", "Nov", "Dec" };
    auto c = civil_of(std::chrono::floor<std::chrono::seconds>(t));
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
                       days[c.wd.c_encoding()],
                       static_cast<unsigned>(c.ymd.day()),
                       months[static_cast<unsigned>(c.ymd.month()) - 1],
                       static_cast<int>(c.ymd.year()),
                       c.hms.hours().count(),
                       c.hms.minutes().count(),
                       c.hms.seconds().count());
}

std::string
german_date_time(timestamp t)
{
    auto utc = std::chrono::floor<std::chrono::seconds>(t);
    auto local = utc + std::chrono::hours(is_cest(utc) ? 2 : 1);
    auto c = civil_of(local);
    return fmt::format("{:02}.{:02}.{:04}, {:02}:{:02} Uhr",
                       static_cast<unsigned>(c.ymd.day()),
                       static_cast<unsigned>(c.ymd.month()),
                       static_cast<int>(c.ymd.year()),
                       c.hms.hours().count(),
                       c.hms.minutes().count());
}

// --- validate and compose ----------------------------------------------------

result<void>
validate(const mail_message& m)
{
    if (m.to.empty()) {
        return fail(error::invalid("mail.no_recipient", "a mail needs at least one recipient"));
    }
    if (auto r = check_mailbox(m.from, "From"); !r) {
        return r;
    }
    for (const auto& a : m.to) {
        if (auto r = check_mailbox(a, "To"); !r) {
            return r;
        }
    }
    for (const auto& a : m.cc) {
        if (auto r = check_mailbox(a, "Cc"); !r) {
            return r;
        }
    }
    if (has_control(m.subject) || has_control(m.message_id)) {
        return fail(error::invalid("mail.header_injection", "control character in a header"));
    }
    for (const auto& [name, value] : m.headers) {
        if (has_control(name) || has_control(value)) {
            return fail(error::invalid("mail.header_injection", "control character in a header"));
        }
        if (!is_header_name(name) || is_reserved_header(name)) {
            return fail(error::invalid("mail.bad_header", "bad or reserved extra header name"));
        }
    }
    if (!m.message_id.empty() && !is_message_id(m.message_id)) {
        return fail(error::invalid("mail.bad_message_id", "bad message id"));
    }
    if (m.date == timestamp{}) {
        return fail(error::invalid("mail.date_missing", "the mail has no date"));
    }
    return {};
}

std::string
compose(const mail_message& m)
{
    auto text = quoted_printable(m.text_body);
    auto html = quoted_printable(m.html_body);
    // The boundary starts with "=_": quoted-printable always encodes "=" and
    // puts it only before two hex digits or a line end, so it cannot occur.
    auto h = fnv1a(fnv1a(k_fnv_basis, text), html);
    auto boundary = fmt::format("=_portal_{:016x}", h);

    auto message_id = sanitize_header_value(m.message_id);
    if (!is_message_id(message_id)) {
        auto id =
          fnv1a(fnv1a(fnv1a(h, m.subject), m.from.email), std::to_string(to_micros(m.date)));
        for (const auto& a : m.to) {
            id = fnv1a(id, a.email);
        }
        auto domain = sanitize_address(domain_of(m.from.email));
        if (!is_dot_atom(domain)) {
            domain = "portal.invalid";
        }
        message_id = fmt::format("{:016x}@{}", id, domain);
    }

    std::string out;
    out.reserve(text.size() + html.size() + 1024);
    write_address_list(out, "From", { m.from });
    write_address_list(out, "To", m.to);
    if (!m.cc.empty()) {
        write_address_list(out, "Cc", m.cc);
    }
    {
        header_writer w(out, "Subject");
        w.unstructured(m.subject);
        w.end();
    }
    out.append("Date: ").append(rfc5322_date(m.date)).append("\r\n");
    {
        header_writer w(out, "Message-ID");
        w.token("<" + message_id + ">");
        w.end();
    }
    out.append("MIME-Version: 1.0\r\n");
    for (const auto& [name, value] : m.headers) {
        if (!is_header_name(name) || is_reserved_header(name)) {
            continue;
        }
        header_writer w(out, name);
        w.unstructured(value);
        w.end();
    }
    {
        header_writer w(out, "Content-Type");
        w.token("multipart/alternative;");
        w.token(fmt::format("boundary=\"{}\"", boundary));
        w.end();
    }
    out.append("\r\nThis is a multi-part message in MIME format.\r\n");
    for (const auto& [type, body] :
         { std::pair{ "text/plain", &text }, std::pair{ "text/html", &html } }) {
        out.append("\r\n--").append(boundary).append("\r\n");
        out.append(fmt::format("Content-Type: {}; charset=UTF-8\r\n", type));
        out.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        out.append(*body);
    }
    out.append("\r\n--").append(boundary).append("--\r\n");
    return out;
}

// --- templates ---------------------------------------------------------------

std::string_view
to_german(proposal_outcome o) noexcept
{
    switch (o) {
        case proposal_outcome::approved:
            return "genehmigt";
        case proposal_outcome::approved_with_notes:
            return "mit Hinweisen genehmigt";
        case proposal_outcome::changes_required:
            return "Änderungen erforderlich";
        case proposal_outcome::rejected:
            return "abgelehnt";
    }
    return "entschieden";
}

mail_message
account_invitation_mail(const mail_settings& s, const account_invitation& d)
{
    std::string subject = "Einladung zum Ausbildungsportal";
    std::string what = "für Sie wurde ein Zugang zum Ausbildungsportal angelegt";
    if (!d.role.empty()) {
        what += fmt::format(", Rolle: {}", d.role);
    }
    if (!d.organisation.empty()) {
        what += fmt::format(", für {}", d.organisation);
    }
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(what + ".")
      .field("Ihr Benutzername", d.to.email)
      .paragraph("Bitte legen Sie über den folgenden Link Ihr Passwort fest, um Ihr Konto zu "
                 "aktivieren:")
      .link(token_link(s, mail_paths::activate, d.token))
      .paragraph(fmt::format("Der Link ist gültig bis {} und kann nur einmal verwendet werden.",
                             german_date_time(d.expires)));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
supervisor_pin_mail(const mail_settings& s, const supervisor_pin& d)
{
    std::string subject = "Ihr Zugang zum Ausbildungsportal";
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(fmt::format("{} zur Freigabe gesendet. Für den Zugang zum Ausbildungsportal "
                             "erhalten Sie eine persönliche PIN:",
                             d.trainee_name.empty()
                               ? std::string("Ihnen wurde ein Ausbildungsnachweis")
                               : d.trainee_name + " hat Ihnen einen Ausbildungsnachweis"))
      .field("PIN", d.pin)
      .paragraph("Melden Sie sich mit Ihrer E-Mail-Adresse und dieser PIN an:")
      .link(link(s, mail_paths::pin_login))
      .paragraph("Die PIN gilt auch für alle weiteren Ausbildungsnachweise, die Ihnen gesendet "
                 "werden. Bitte geben Sie sie nicht weiter.");
    return b.finish(s, d.to, std::move(subject));
}

mail_message
record_submitted_mail(const mail_settings& s, const record_submitted& d)
{
    auto subject =
      fmt::format("Ausbildungsnachweis zur Freigabe: {}, {}", d.trainee_name, d.period);
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(fmt::format("{} hat Ihnen den Ausbildungsnachweis für den Zeitraum {} zur "
                             "Freigabe gesendet.",
                             d.trainee_name,
                             d.period))
      .paragraph("Bitte prüfen Sie den Nachweis und geben Sie ihn frei oder lehnen Sie ihn mit "
                 "Bemerkungen ab:")
      .link(id_link(s, mail_paths::reports, d.report_id));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
record_approved_mail(const mail_settings& s, const record_decided& d)
{
    auto subject = fmt::format("Ausbildungsnachweis freigegeben: {}", d.period);
    body_builder b(subject);
    b.greeting(d.to.name).paragraph(
      fmt::format("Ihr Ausbildungsnachweis für den Zeitraum {} wurde von {} freigegeben.",
                  d.period,
                  d.approver_name));
    if (!d.note.empty()) {
        b.quote("Kommentar", d.note);
    }
    b.link(id_link(s, mail_paths::reports, d.report_id));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
record_rejected_mail(const mail_settings& s, const record_decided& d)
{
    auto subject = fmt::format("Ausbildungsnachweis abgelehnt: {}", d.period);
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(fmt::format("Ihr Ausbildungsnachweis für den Zeitraum {} wurde von {} abgelehnt.",
                             d.period,
                             d.approver_name))
      .quote("Bemerkungen des Ausbilders", d.note)
      .paragraph("Bitte überarbeiten Sie den Nachweis und reichen Sie ihn erneut ein:")
      .link(id_link(s, mail_paths::reports, d.report_id));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
password_reset_mail(const mail_settings& s, const password_reset& d)
{
    std::string subject = "Passwort zurücksetzen";
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph("für Ihr Konto im Ausbildungsportal wurde das Zurücksetzen des Passworts "
                 "angefordert. Über den folgenden Link legen Sie ein neues Passwort fest:")
      .link(token_link(s, mail_paths::password_reset, d.token))
      .paragraph(fmt::format("Der Link kann nur einmal verwendet werden und ist gültig bis {}.",
                             german_date_time(d.expires)))
      .paragraph("Falls Sie kein neues Passwort angefordert haben, können Sie diese E-Mail "
                 "ignorieren; Ihr bisheriges Passwort bleibt gültig.");
    return b.finish(s, d.to, std::move(subject));
}

mail_message
representative_approved_mail(const mail_settings& s, const representative_approved& d)
{
    auto subject = fmt::format("Freischaltung als Vertretung von {}", d.company_name);
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(fmt::format("die Industrie- und Handelskammer hat Sie als Vertretung des "
                             "Ausbildungsbetriebs {} im Ausbildungsportal freigeschaltet.",
                             d.company_name))
      .paragraph("Ihre Zugangsdaten:")
      .field("Benutzername", d.to.email);
    if (d.token.empty()) {
        b.paragraph("Melden Sie sich mit Ihrem bisherigen Passwort an und wechseln Sie in den "
                    "Betrieb:")
          .link(link(s, mail_paths::login));
    } else {
        b.paragraph("Bitte legen Sie über den folgenden Link Ihr Passwort fest:")
          .link(token_link(s, mail_paths::activate, d.token))
          .paragraph(fmt::format("Der Link ist gültig bis {} und kann nur einmal verwendet werden.",
                                 german_date_time(d.expires)));
    }
    return b.finish(s, d.to, std::move(subject));
}

mail_message
exam_results_published_mail(const mail_settings& s, const exam_results_published& d)
{
    auto subject = fmt::format("Prüfungsergebnisse veröffentlicht: {}", d.exam);
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(
        fmt::format("die Ergebnisse der Prüfung „{}“ vom {}{} wurden veröffentlicht.",
                    d.exam,
                    d.exam_date,
                    d.occupation.empty() ? std::string() : fmt::format(" ({})", d.occupation)))
      .paragraph("Ihre Ergebnisse können Sie im Ausbildungsportal einsehen:")
      .link(link(s, mail_paths::exams));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
proposal_status_changed_mail(const mail_settings& s, const proposal_status_changed& d)
{
    auto subject = fmt::format("Projektantrag {}: {}", to_german(d.outcome), d.title);
    body_builder b(subject);
    b.greeting(d.to.name)
      .paragraph(fmt::format("der Prüfungsausschuss hat über den Projektantrag „{}“ von {} "
                             "entschieden.",
                             d.title,
                             d.trainee_name))
      .field("Ergebnis", to_german(d.outcome));
    if (!d.remarks.empty()) {
        b.quote("Bemerkungen des Prüfungsausschusses", d.remarks);
    }
    b.link(id_link(s, mail_paths::proposals, d.proposal_id));
    return b.finish(s, d.to, std::move(subject));
}

mail_message
reminder_mail(const mail_settings& s, const reminder& d)
{
    bool to_approver = !d.waiting.empty() && d.missing_periods.empty() && d.unsent_periods.empty();
    std::string prefix = d.escalation ? "2. Erinnerung" : "Erinnerung";
    auto subject = to_approver
                     ? fmt::format("{}: Ausbildungsnachweise warten auf Ihre Freigabe", prefix)
                     : fmt::format("{}: offene Ausbildungsnachweise", prefix);
    body_builder b(subject);
    b.greeting(d.to.name);
    if (d.escalation) {
        b.paragraph("dies ist die zweite Erinnerung: Die folgenden Punkte sind seit unserer ersten "
                    "Erinnerung vor einer Woche noch offen.");
    }
    if (!d.missing_periods.empty()) {
        b.paragraph("Für folgende Zeiträume fehlt noch Ihr Ausbildungsnachweis:")
          .list(d.missing_periods);
    }
    if (!d.unsent_periods.empty()) {
        b.paragraph("Folgende Ausbildungsnachweise sind noch nicht eingereicht (Entwurf oder "
                    "abgelehnt):")
          .list(d.unsent_periods);
    }
    if (!d.waiting.empty()) {
        std::vector<std::string> items;
        for (const auto& w : d.waiting) {
            items.push_back(fmt::format("{}, {}{}",
                                        w.trainee_name,
                                        w.period,
                                        w.submitted_on.empty()
                                          ? std::string()
                                          : fmt::format(" (eingereicht am {})", w.submitted_on)));
        }
        b.paragraph("Folgende Ausbildungsnachweise warten auf Ihre Freigabe:").list(items);
    }
    b.link(link(s, to_approver ? mail_paths::approvals : mail_paths::reports));
    std::optional<mail_address> cc;
    if (d.escalation && d.trainer && d.trainer->email != d.to.email) {
        cc = d.trainer;
        b.paragraph(d.trainer->name.empty()
                      ? std::string("Eine Kopie dieser E-Mail erhält der Ausbilder bzw. die "
                                    "Ausbilderin.")
                      : fmt::format("Eine Kopie dieser E-Mail erhält {} als Ausbilder/-in.",
                                    d.trainer->name));
    }
    auto m = b.finish(s, d.to, std::move(subject));
    if (cc) {
        m.cc.push_back(*cc);
    }
    return m;
}

// --- outbox ------------------------------------------------------------------

bool
valid_mail_id(std::string_view mail_id) noexcept
{
    return !mail_id.empty() && mail_id.size() <= 128 && mail_id.front() != '.' &&
           std::all_of(mail_id.begin(), mail_id.end(), [](char ch) {
               return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' ||
                      ch == '-';
           });
}

namespace {

error
io_error(std::string_view what, const std::filesystem::path& path, int err)
{
    return error::unavailable("mail.outbox_unavailable",
                              fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

result<void>
sync_dir(const std::filesystem::path& dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return fail(io_error("cannot open", dir, errno));
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) {
        return fail(io_error("cannot sync", dir, err));
    }
    return {};
}

result<void>
write_all(int fd, std::string_view data, const std::filesystem::path& path)
{
    while (!data.empty()) {
        auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(io_error("cannot write", path, errno));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

/// Moves `from` to `to` unless `to` exists. Returns false when it existed.
result<bool>
rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return true;
    }
    if (errno == EEXIST) {
        return false;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return fail(io_error("cannot rename to", to, errno));
    }
    // The file system cannot rename without replacing: a hard link fails
    // atomically when the target exists.
    if (::link(from.c_str(), to.c_str()) != 0) {
        if (errno == EEXIST) {
            return false;
        }
        return fail(io_error("cannot link to", to, errno));
    }
    ::unlink(from.c_str());
    return true;
}

std::atomic<std::uint64_t> g_temp_counter{ 0 };

} // namespace

result<eml_outbox>
eml_outbox::open(std::filesystem::path dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fail(error::unavailable(
          "mail.outbox_unavailable",
          fmt::format("cannot create the mail directory {}: {}", dir.string(), ec.message())));
    }
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        if (name.starts_with(".") && name.ends_with(".tmp")) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
    if (ec) {
        return fail(error::unavailable(
          "mail.outbox_unavailable",
          fmt::format("cannot read the mail directory {}: {}", dir.string(), ec.message())));
    }
    return eml_outbox(std::move(dir));
}

result<eml_written>
eml_outbox::write(std::string_view mail_id, const mail_message& m) const
{
    auto checked = file_of(mail_id, &m);
    if (!checked) {
        return fail(checked.error());
    }
    const auto& path = *checked;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        if (auto synced = sync_dir(dir_); !synced) {
            return fail(synced.error());
        }
        spdlog::info("mail {} already written: {}", mail_id, path.string());
        return eml_written{ path, true };
    }

    auto temp = write_temp(mail_id, m);
    if (!temp) {
        return fail(temp.error());
    }
    auto moved = rename_no_replace(*temp, path);
    if (!moved || !*moved) {
        ::unlink(temp->c_str());
    }
    if (!moved) {
        return fail(moved.error());
    }
    if (auto synced = sync_dir(dir_); !synced) {
        return fail(synced.error());
    }
    if (!*moved) {
        spdlog::info("mail {} already written: {}", mail_id, path.string());
        return eml_written{ path, true };
    }
    spdlog::info("mail {} written to {}", mail_id, path.string());
    return eml_written{ path, false };
}

result<std::filesystem::path>
eml_outbox::file_of(std::string_view mail_id, const mail_message* m) const
{
    if (!valid_mail_id(mail_id)) {
        return fail(error::invalid(
          "mail.bad_id", "a mail id is 1-128 of A-Z a-z 0-9 . _ - and not starting with ."));
    }
    if (m != nullptr) {
        if (auto ok = validate(*m); !ok) {
            return fail(ok.error());
        }
    }
    return dir_ / (std::string(mail_id) + ".eml");
}

result<std::filesystem::path>
eml_outbox::write_temp(std::string_view mail_id, const mail_message& m) const
{
    auto message = m;
    if (message.message_id.empty()) {
        message.message_id = fmt::format("{}@{}", mail_id, domain_of(m.from.email));
    }
    auto bytes = compose(message);
    auto temp =
      dir_ / fmt::format(".{}.{}.{}.tmp", mail_id, ::getpid(), g_temp_counter.fetch_add(1));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        return fail(io_error("cannot create", temp, errno));
    }
    auto written = write_all(fd, bytes, temp);
    int sync_rc = written ? ::fsync(fd) : 0;
    int sync_err = errno;
    ::close(fd);
    if (!written || sync_rc != 0) {
        ::unlink(temp.c_str());
        return fail(written ? io_error("cannot sync", temp, sync_err) : written.error());
    }
    return temp;
}

result<bool>
eml_outbox::replace(std::string_view mail_id, const mail_message& m) const
{
    auto checked = file_of(mail_id, &m);
    if (!checked) {
        return fail(checked.error());
    }
    const auto& path = *checked;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return false;
    }
    auto temp = write_temp(mail_id, m);
    if (!temp) {
        return fail(temp.error());
    }
    if (::rename(temp->c_str(), path.c_str()) != 0) {
        auto err = errno;
        ::unlink(temp->c_str());
        return fail(io_error("cannot rename to", path, err));
    }
    if (auto synced = sync_dir(dir_); !synced) {
        return fail(synced.error());
    }
    spdlog::info("mail {} rewritten in {}", mail_id, path.string());
    return true;
}

result<bool>
eml_outbox::remove(std::string_view mail_id) const
{
    auto checked = file_of(mail_id, nullptr);
    if (!checked) {
        return fail(checked.error());
    }
    const auto& path = *checked;
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) {
            return false;
        }
        return fail(io_error("cannot remove", path, errno));
    }
    if (auto synced = sync_dir(dir_); !synced) {
        return fail(synced.error());
    }
    spdlog::info("mail {} removed from {}", mail_id, dir_.string());
    return true;
}

} // namespace portal::infra
