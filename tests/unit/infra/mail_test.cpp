#include "portal/infra/mail.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

using namespace portal;
using namespace portal::infra;

namespace {

// --- independent decoders (the test's own, not the composer's) ---------------

std::string
base64_decode(std::string_view in)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        int v = value(c);
        if (v < 0) {
            continue; // padding
        }
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

/// Decodes `=?UTF-8?B?...?=` words; white space between two adjacent
/// encoded-words is dropped (RFC 2047, 6.2).
std::string
decode_words(std::string_view value)
{
    std::string out;
    std::string pending_space;
    bool last_was_word = false;
    std::size_t i = 0;
    while (i < value.size()) {
        if (value.substr(i).starts_with("=?UTF-8?B?")) {
            auto end = value.find("?=", i + 10);
            if (end == std::string_view::npos) {
                break;
            }
            if (!last_was_word) {
                out += pending_space;
            }
            pending_space.clear();
            out += base64_decode(value.substr(i + 10, end - i - 10));
            i = end + 2;
            last_was_word = true;
        } else if (value[i] == ' ' || value[i] == '\t') {
            pending_space.push_back(value[i]);
            ++i;
        } else {
            out += pending_space;
            pending_space.clear();
            out.push_back(value[i]);
            last_was_word = false;
            ++i;
        }
    }
    return out + pending_space;
}

/// Quoted-printable decoding; hard line breaks come out as "\n".
std::string
qp_decode(std::string_view in)
{
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
        if (in.substr(i).starts_with("=\r\n")) {
            i += 3;
        } else if (in[i] == '=' && i + 2 < in.size() + 0 && std::isxdigit(in[i + 1]) != 0 &&
                   std::isxdigit(in[i + 2]) != 0) {
            out.push_back(
              static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
            i += 3;
        } else if (in.substr(i).starts_with("\r\n")) {
            out.push_back('\n');
            i += 2;
        } else {
            out.push_back(in[i]);
            ++i;
        }
    }
    return out;
}

std::vector<std::string>
split_lines(std::string_view text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find("\r\n", start);
        if (end == std::string_view::npos) {
            lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

struct parsed_mail
{
    std::vector<std::string> header_lines;           ///< raw, folded
    std::multimap<std::string, std::string> headers; ///< unfolded
    std::string body;
};

parsed_mail
parse(const std::string& eml)
{
    parsed_mail p;
    auto split = eml.find("\r\n\r\n");
    EXPECT_NE(split, std::string::npos);
    p.body = eml.substr(split + 4);
    p.header_lines = split_lines(eml.substr(0, split));
    std::string name, value;
    auto flush = [&] {
        if (!name.empty()) {
            p.headers.emplace(name, value);
        }
    };
    for (const auto& line : p.header_lines) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            value += line; // unfolding removes only the CRLF
            continue;
        }
        flush();
        auto colon = line.find(':');
        EXPECT_NE(colon, std::string::npos) << line;
        name = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') {
            value.erase(0, 1);
        }
    }
    flush();
    return p;
}

std::string
header(const parsed_mail& p, const std::string& name)
{
    auto it = p.headers.find(name);
    return it == p.headers.end() ? std::string("<missing>") : it->second;
}

struct mime_part
{
    std::map<std::string, std::string> headers;
    std::string raw_body;
};

std::vector<mime_part>
parts_of(const parsed_mail& p, const std::string& boundary)
{
    std::vector<mime_part> parts;
    auto delimiter = "\r\n--" + boundary;
    auto body = "\r\n" + p.body;
    auto pos = body.find(delimiter);
    while (pos != std::string::npos) {
        auto start = pos + delimiter.size();
        if (body.compare(start, 2, "--") == 0) {
            break;
        }
        start += 2; // CRLF after the delimiter
        auto next = body.find(delimiter, start);
        auto chunk = body.substr(start, next - start);
        auto split = chunk.find("\r\n\r\n");
        mime_part part;
        for (const auto& line : split_lines(chunk.substr(0, split))) {
            auto colon = line.find(':');
            part.headers[line.substr(0, colon)] = line.substr(colon + 2);
        }
        part.raw_body = chunk.substr(split + 4);
        parts.push_back(part);
        pos = next;
    }
    return parts;
}

std::string
boundary_of(const parsed_mail& p)
{
    auto ct = header(p, "Content-Type");
    auto at = ct.find("boundary=\"");
    EXPECT_NE(at, std::string::npos) << ct;
    auto start = at + 10;
    return ct.substr(start, ct.find('"', start) - start);
}

timestamp
at(std::string_view rfc3339)
{
    auto t = parse_rfc3339(rfc3339);
    EXPECT_TRUE(t.has_value()) << rfc3339;
    return t.value_or(timestamp{});
}

const std::string k_german_text =
  "Sehr geehrte Frau Köhler,\n"
  "\n"
  "in dieser Woche habe ich an der Überprüfung der Prüfstände gearbeitet und dabei die "
  "Messergebnisse für die Qualitätssicherung dokumentiert; außerdem wurden Größen, Maße und "
  "Gewichte nach DIN-Norm geprüft (Ergebnis: 100 % = gut).\n"
  ". Eine Zeile, die mit einem Punkt beginnt.\n"
  "Zeile mit Leerzeichen am Ende   \n"
  "Tabulator\tam Ende\t\n"
  "ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€ ÄÖÜäöüß€\n"
  "==== Gleichheitszeichen ==== =_ =?UTF-8?B?x?=\n"
  "Mit freundlichen Grüßen\n";

mail_message
sample()
{
    mail_message m;
    m.from = { "Ausbildungsportal der IHK", "noreply@ihk-portal.example" };
    m.to = { { "Jana Köhler", "j.koehler@betrieb.example" },
             { "Mustermann, Max", "max.mustermann@betrieb.example" } };
    m.cc = { { "Jürgen Weiß", "j.weiss@betrieb.example" } };
    m.subject = "Ausbildungsnachweis für KW 48/2026 – bitte prüfen";
    m.text_body = k_german_text;
    m.html_body = "<!DOCTYPE html>\n<html lang=\"de\"><body><p>Grüße an Jana Köhler &amp; "
                  "Jürgen Weiß</p></body></html>\n";
    m.message_id = "mail-42@ihk-portal.example";
    m.date = at("2026-11-28T15:10:26Z");
    m.headers = { { "Auto-Submitted", "auto-generated" } };
    return m;
}

} // namespace

// --- composition -------------------------------------------------------------

TEST(MailCompose, UsesCrlfEverywhereAndShortLines)
{
    auto eml = compose(sample());
    for (std::size_t i = 0; i < eml.size(); ++i) {
        if (eml[i] == '\n') {
            ASSERT_TRUE(i > 0 && eml[i - 1] == '\r') << "bare LF at " << i;
        }
        if (eml[i] == '\r') {
            ASSERT_TRUE(i + 1 < eml.size() && eml[i + 1] == '\n') << "bare CR at " << i;
        }
    }
    EXPECT_TRUE(eml.ends_with("\r\n"));
    auto p = parse(eml);
    for (const auto& line : p.header_lines) {
        EXPECT_LE(line.size(), 78U) << line;
    }
    for (const auto& line : split_lines(p.body)) {
        EXPECT_LE(line.size(), 76U) << line;
    }
}

TEST(MailCompose, WritesTheStandardHeaders)
{
    auto p = parse(compose(sample()));
    EXPECT_EQ(header(p, "Date"), "Sat, 28 Nov 2026 15:10:26 +0000");
    EXPECT_EQ(header(p, "Message-ID"), "<mail-42@ihk-portal.example>");
    EXPECT_EQ(header(p, "MIME-Version"), "1.0");
    EXPECT_EQ(header(p, "Auto-Submitted"), "auto-generated");
    EXPECT_EQ(header(p, "From"), "\"Ausbildungsportal der IHK\" <noreply@ihk-portal.example>");
    EXPECT_TRUE(header(p, "Content-Type").starts_with("multipart/alternative;"));
    // Umlauts are encoded-words in the raw header, and decode back.
    auto to = header(p, "To");
    EXPECT_EQ(to.find("ö"), std::string::npos) << to;
    EXPECT_NE(to.find("=?UTF-8?B?"), std::string::npos) << to;
    EXPECT_EQ(decode_words(to),
              "Jana Köhler <j.koehler@betrieb.example>, \"Mustermann, Max\" "
              "<max.mustermann@betrieb.example>");
    EXPECT_EQ(decode_words(header(p, "Cc")), "Jürgen Weiß <j.weiss@betrieb.example>");
    auto subject = header(p, "Subject");
    EXPECT_NE(subject.find("=?UTF-8?B?"), std::string::npos);
    EXPECT_EQ(decode_words(subject), sample().subject);
    // All header values are ASCII.
    for (const auto& line : p.header_lines) {
        for (char ch : line) {
            EXPECT_LT(static_cast<unsigned char>(ch), 0x80U) << line;
        }
    }
}

TEST(MailCompose, FoldsLongSubjectsAndDecodesThemBack)
{
    auto m = sample();
    m.subject.clear();
    for (int i = 0; i < 12; ++i) {
        m.subject += "Überprüfung der Ausbildungsnachweise für Jürgen Weiß ";
    }
    m.subject += "€";
    auto p = parse(compose(m));
    auto folded = std::count_if(p.header_lines.begin(), p.header_lines.end(), [](const auto& l) {
        return l.starts_with(" ");
    });
    EXPECT_GE(folded, 5);
    for (const auto& line : p.header_lines) {
        EXPECT_LE(line.size(), 78U) << line;
        // Each encoded-word is at most 75 characters.
        for (auto pos = line.find("=?"); pos != std::string::npos; pos = line.find("=?", pos + 2)) {
            auto end = line.find("?=", pos + 10);
            ASSERT_NE(end, std::string::npos);
            EXPECT_LE(end + 2 - pos, 75U);
            pos = end;
        }
    }
    EXPECT_EQ(decode_words(header(p, "Subject")), m.subject);

    // A long ASCII subject folds at spaces and unfolds to the same text.
    m.subject.clear();
    for (int i = 0; i < 20; ++i) {
        m.subject += "Reminder number " + std::to_string(i) + " ";
    }
    m.subject += "end";
    p = parse(compose(m));
    EXPECT_EQ(header(p, "Subject"), m.subject);
    for (const auto& line : p.header_lines) {
        EXPECT_LE(line.size(), 78U) << line;
    }
}

TEST(MailCompose, QuotesAndEncodesDisplayNames)
{
    auto m = sample();
    m.to = { { "Max \"Maxi\" Mustermann", "max@example.de" }, { "", "ohne.name@example.de" } };
    auto p = parse(compose(m));
    EXPECT_EQ(header(p, "To"),
              "\"Max \\\"Maxi\\\" Mustermann\" <max@example.de>, <ohne.name@example.de>");
    m.to = { { "Jana Köhler", "j.koehler@example.de" } };
    p = parse(compose(m));
    EXPECT_EQ(header(p, "To"), "=?UTF-8?B?SmFuYSBLw7ZobGVy?= <j.koehler@example.de>");
}

TEST(MailCompose, BodiesAreQuotedPrintableAndRoundTrip)
{
    auto m = sample();
    auto p = parse(compose(m));
    auto boundary = boundary_of(p);
    ASSERT_TRUE(boundary.size() > 5);
    auto parts = parts_of(p, boundary);
    ASSERT_EQ(parts.size(), 2U);
    EXPECT_EQ(parts[0].headers["Content-Type"], "text/plain; charset=UTF-8");
    EXPECT_EQ(parts[1].headers["Content-Type"], "text/html; charset=UTF-8");
    for (auto& part : parts) {
        EXPECT_EQ(part.headers["Content-Transfer-Encoding"], "quoted-printable");
        // Encoded bodies are 7-bit and their lines at most 76 characters.
        for (const auto& line : split_lines(part.raw_body)) {
            EXPECT_LE(line.size(), 76U) << line;
            EXPECT_FALSE(line.ends_with(" ") || line.ends_with("\t")) << line;
            EXPECT_FALSE(line.starts_with(".")) << line;
            for (char ch : line) {
                EXPECT_LT(static_cast<unsigned char>(ch), 0x80U);
            }
        }
        // The boundary occurs neither in the encoded nor in the decoded body.
        EXPECT_EQ(part.raw_body.find(boundary), std::string::npos);
        EXPECT_EQ(qp_decode(part.raw_body).find(boundary), std::string::npos);
    }
    EXPECT_EQ(qp_decode(parts[0].raw_body), m.text_body);
    EXPECT_EQ(qp_decode(parts[1].raw_body), m.html_body);
    EXPECT_NE(parts[0].raw_body.find("=C3=BC"), std::string::npos); // ü
}

TEST(MailCompose, RoundTripsLongLinesWithoutSpaces)
{
    auto m = sample();
    m.text_body = std::string(300, 'x') + "ä" + std::string(150, '=') + "\r\nzweite Zeile";
    auto p = parse(compose(m));
    auto parts = parts_of(p, boundary_of(p));
    ASSERT_EQ(parts.size(), 2U);
    for (const auto& line : split_lines(parts[0].raw_body)) {
        EXPECT_LE(line.size(), 76U) << line;
    }
    EXPECT_EQ(qp_decode(parts[0].raw_body),
              std::string(300, 'x') + "ä" + std::string(150, '=') + "\nzweite Zeile");
}

TEST(MailCompose, IsDeterministicAndDerivesAMessageId)
{
    auto m = sample();
    EXPECT_EQ(compose(m), compose(m));
    m.message_id.clear();
    auto id = header(parse(compose(m)), "Message-ID");
    EXPECT_TRUE(id.starts_with("<")) << id;
    EXPECT_TRUE(id.ends_with("@ihk-portal.example>")) << id;
    auto other = m;
    other.subject = "anders";
    EXPECT_NE(header(parse(compose(other)), "Message-ID"), id);
}

TEST(MailCompose, FormatsDates)
{
    EXPECT_EQ(rfc5322_date(at("2027-01-04T08:05:09Z")), "Mon, 04 Jan 2027 08:05:09 +0000");
    EXPECT_EQ(german_date_time(at("2026-11-28T15:10:26Z")), "28.11.2026, 16:10 Uhr");
    EXPECT_EQ(german_date_time(at("2026-07-01T10:00:00Z")), "01.07.2026, 12:00 Uhr");
    // Summer time starts on 29 March 2026 at 01:00 UTC.
    EXPECT_EQ(german_date_time(at("2026-03-29T00:59:00Z")), "29.03.2026, 01:59 Uhr");
    EXPECT_EQ(german_date_time(at("2026-03-29T01:00:00Z")), "29.03.2026, 03:00 Uhr");
    // ... and ends on 25 October 2026 at 01:00 UTC.
    EXPECT_EQ(german_date_time(at("2026-10-25T00:59:00Z")), "25.10.2026, 02:59 Uhr");
    EXPECT_EQ(german_date_time(at("2026-10-25T01:00:00Z")), "25.10.2026, 02:00 Uhr");
}

// --- header injection and validation -----------------------------------------

TEST(MailHeaders, InjectionIsRejectedByValidate)
{
    auto expect_injection = [](const mail_message& m) {
        auto r = validate(m);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, "mail.header_injection");
        EXPECT_EQ(r.error().cls, error_class::invalid);
    };
    auto m = sample();
    ASSERT_TRUE(validate(m).has_value());
    m.subject = "Hallo\r\nBcc: evil@example.com";
    expect_injection(m);
    m = sample();
    m.subject = "Hallo\nBcc: evil@example.com";
    expect_injection(m);
    m = sample();
    m.to[0].name = "Jana\r\nBcc: evil@example.com";
    expect_injection(m);
    m = sample();
    m.to[0].email = "j@example.de\r\nBcc: evil@example.com";
    expect_injection(m);
    m = sample();
    m.from.name = "Portal\rX-Evil: 1";
    expect_injection(m);
    m = sample();
    m.headers.emplace_back("X-Tag", "a\r\nBcc: evil@example.com");
    expect_injection(m);
    m = sample();
    m.headers.emplace_back("X-Tag\r\nBcc", "evil@example.com");
    expect_injection(m);
}

TEST(MailHeaders, InjectionIsImpossibleInComposedText)
{
    auto m = sample();
    m.subject = "Hallo\r\nBcc: evil@example.com\r\n\r\nBody";
    m.to[0].name = "Jana\r\nBcc: evil2@example.com";
    m.to[0].email = "j@example.de>\r\nBcc: evil3@example.com";
    m.headers.emplace_back("X-Tag", "a\nBcc: evil4@example.com");
    m.headers.emplace_back("X-Bad\r\nBcc", "evil5@example.com");
    m.headers.emplace_back("Content-Type", "text/evil");
    m.message_id = "x@y>\r\nBcc: evil6@example.com";
    auto eml = compose(m);
    auto p = parse(eml);
    for (const auto& line : p.header_lines) {
        EXPECT_FALSE(line.starts_with("Bcc")) << line;
        EXPECT_FALSE(line.empty());
    }
    EXPECT_EQ(p.headers.count("Bcc"), 0U);
    EXPECT_EQ(p.headers.count("Content-Type"), 1U);
    EXPECT_EQ(header(p, "Subject"), "Hallo  Bcc: evil@example.com    Body");
    EXPECT_EQ(header(p, "X-Tag"), "a Bcc: evil4@example.com");
    // A bad message id is replaced by a derived one.
    EXPECT_EQ(header(p, "Message-ID").find("evil"), std::string::npos);
}

TEST(MailHeaders, ValidateRejectsBadMessages)
{
    auto code = [](const mail_message& m) {
        auto r = validate(m);
        return r ? std::string("ok") : r.error().code;
    };
    auto m = sample();
    m.to.clear();
    EXPECT_EQ(code(m), "mail.no_recipient");
    for (const auto* bad : { "",
                             "kein-at",
                             "a@",
                             "@b.de",
                             "a b@c.de",
                             "a@b..de",
                             "ä@b.de",
                             "a@b_c.de",
                             "<a@b.de>" }) {
        m = sample();
        m.to[1].email = bad;
        EXPECT_EQ(code(m), "mail.bad_address") << bad;
    }
    m = sample();
    m.date = timestamp{};
    EXPECT_EQ(code(m), "mail.date_missing");
    m = sample();
    m.message_id = "kein at";
    EXPECT_EQ(code(m), "mail.bad_message_id");
    m = sample();
    m.headers.emplace_back("Subject", "zweiter Betreff");
    EXPECT_EQ(code(m), "mail.bad_header");
    m = sample();
    m.headers.emplace_back("content-transfer-encoding", "8bit");
    EXPECT_EQ(code(m), "mail.bad_header");
    m = sample();
    m.headers.emplace_back("X Space", "x");
    EXPECT_EQ(code(m), "mail.bad_header");
}

// --- templates ---------------------------------------------------------------

namespace {

const mail_settings k_settings{ "https://portal.ihk-beispiel.de/",
                                { "Ausbildungsportal", "noreply@ihk-beispiel.de" } };

const mail_address k_jana{ "Jana Köhler", "j.koehler@betrieb.example" };

void
expect_common(const mail_message& m, const mail_address& to)
{
    EXPECT_EQ(m.from.email, "noreply@ihk-beispiel.de");
    ASSERT_EQ(m.to.size(), 1U);
    EXPECT_EQ(m.to[0].email, to.email);
    EXPECT_EQ(m.to[0].name, to.name);
    EXPECT_FALSE(m.subject.empty());
    EXPECT_NE(m.text_body.find("Mit freundlichen Grüßen"), std::string::npos);
    EXPECT_NE(m.html_body.find("<html lang=\"de\">"), std::string::npos);
    EXPECT_NE(m.html_body.find("Mit freundlichen Grüßen"), std::string::npos);
    // The settings' base URL has a trailing slash: no double slash in links.
    EXPECT_EQ(m.text_body.find("ihk-beispiel.de//"), std::string::npos);
    auto ready = m;
    ready.date = at("2026-11-28T15:10:26Z");
    auto ok = validate(ready);
    EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error().message);
}

void
expect_link(const mail_message& m, const std::string& url)
{
    EXPECT_NE(m.text_body.find(url + "\n"), std::string::npos) << m.text_body;
    EXPECT_NE(m.html_body.find("<a href=\"" + html_escape(url) + "\">"), std::string::npos)
      << m.html_body;
}

bool
has(const std::string& haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST(MailTemplates, AccountInvitationHasActivationLinkAndExpiry)
{
    auto m = account_invitation_mail(k_settings,
                                     { .to = k_jana,
                                       .role = "Ausbilderin",
                                       .organisation = "Müller & Söhne GmbH",
                                       .token = "tok_EN-123",
                                       .expires = at("2026-12-05T15:10:00Z") });
    expect_common(m, k_jana);
    EXPECT_EQ(m.subject, "Einladung zum Ausbildungsportal");
    expect_link(m, "https://portal.ihk-beispiel.de/activate?token=tok_EN-123");
    EXPECT_TRUE(has(m.text_body, "Guten Tag Jana Köhler,"));
    EXPECT_TRUE(has(m.text_body, "gültig bis 05.12.2026, 16:10 Uhr"));
    EXPECT_TRUE(has(m.text_body, "angelegt, Rolle: Ausbilderin, für Müller & Söhne GmbH."));
    EXPECT_TRUE(has(m.html_body, "Müller &amp; Söhne GmbH"));
    EXPECT_TRUE(has(m.text_body, "Ihr Benutzername: j.koehler@betrieb.example"));
}

TEST(MailTemplates, SupervisorPinShowsThePin)
{
    mail_address sup{ "Dr. Weiß", "weiss@betrieb.example" };
    auto m = supervisor_pin_mail(k_settings,
                                 { .to = sup, .trainee_name = "Jana Köhler", .pin = "482913" });
    expect_common(m, sup);
    EXPECT_TRUE(has(m.text_body, "\nPIN: 482913\n")) << m.text_body;
    EXPECT_TRUE(has(m.html_body, "PIN: <strong>482913</strong>"));
    expect_link(m, "https://portal.ihk-beispiel.de/pin-login");
    EXPECT_TRUE(has(m.text_body, "Jana Köhler hat Ihnen einen Ausbildungsnachweis"));
}

TEST(MailTemplates, RecordSubmittedLinksTheRecord)
{
    mail_address trainer{ "Jürgen Weiß", "j.weiss@betrieb.example" };
    auto m = record_submitted_mail(k_settings,
                                   { .to = trainer,
                                     .trainee_name = "Jana Köhler",
                                     .period = "KW 48/2026",
                                     .report_id = "rep-7" });
    expect_common(m, trainer);
    EXPECT_EQ(m.subject, "Ausbildungsnachweis zur Freigabe: Jana Köhler, KW 48/2026");
    expect_link(m, "https://portal.ihk-beispiel.de/reports/rep-7");
    EXPECT_TRUE(has(m.text_body, "Zeitraum KW 48/2026"));
}

TEST(MailTemplates, RecordDecisionsCarryCommentOrRemarks)
{
    auto approved = record_approved_mail(k_settings,
                                         { .to = k_jana,
                                           .approver_name = "Jürgen Weiß",
                                           .period = "KW 48/2026",
                                           .report_id = "rep-7",
                                           .note = "Sehr gründlich, weiter so!" });
    expect_common(approved, k_jana);
    EXPECT_EQ(approved.subject, "Ausbildungsnachweis freigegeben: KW 48/2026");
    EXPECT_TRUE(has(approved.text_body, "Kommentar:\nSehr gründlich, weiter so!"));
    EXPECT_TRUE(has(approved.text_body, "von Jürgen Weiß freigegeben"));
    expect_link(approved, "https://portal.ihk-beispiel.de/reports/rep-7");

    auto plain = record_approved_mail(
      k_settings,
      { .to = k_jana, .approver_name = "J. W.", .period = "KW 1/2027", .report_id = "r" });
    EXPECT_FALSE(has(plain.text_body, "Kommentar"));

    auto rejected = record_rejected_mail(k_settings,
                                         { .to = k_jana,
                                           .approver_name = "Jürgen Weiß",
                                           .period = "KW 48/2026",
                                           .report_id = "rep-7",
                                           .note = "Berufsschule fehlt.\nBitte ergänzen." });
    expect_common(rejected, k_jana);
    EXPECT_EQ(rejected.subject, "Ausbildungsnachweis abgelehnt: KW 48/2026");
    EXPECT_TRUE(has(rejected.text_body,
                    "Bemerkungen des Ausbilders:\nBerufsschule fehlt.\nBitte "
                    "ergänzen."));
    EXPECT_TRUE(has(rejected.html_body, "Berufsschule fehlt.<br>\nBitte ergänzen."));
    expect_link(rejected, "https://portal.ihk-beispiel.de/reports/rep-7");
}

TEST(MailTemplates, PasswordResetHasSingleUseLink)
{
    auto m = password_reset_mail(
      k_settings, { .to = k_jana, .token = "r3s3t+/=", .expires = at("2026-11-28T16:10:00Z") });
    expect_common(m, k_jana);
    EXPECT_EQ(m.subject, "Passwort zurücksetzen");
    // The token is percent-encoded in the query.
    expect_link(m, "https://portal.ihk-beispiel.de/password-reset?token=r3s3t%2B%2F%3D");
    EXPECT_TRUE(has(m.text_body, "nur einmal verwendet"));
    EXPECT_TRUE(has(m.text_body, "gültig bis 28.11.2026, 17:10 Uhr"));
}

TEST(MailTemplates, RepresentativeApprovedHasAccessData)
{
    mail_address rep{ "Petra Groß", "p.gross@betrieb.example" };
    auto m = representative_approved_mail(k_settings,
                                          { .to = rep,
                                            .company_name = "Bäckerei Schäfer KG",
                                            .token = "act-9",
                                            .expires = at("2026-12-01T00:00:00Z") });
    expect_common(m, rep);
    EXPECT_EQ(m.subject, "Freischaltung als Vertretung von Bäckerei Schäfer KG");
    EXPECT_TRUE(has(m.text_body, "Benutzername: p.gross@betrieb.example"));
    expect_link(m, "https://portal.ihk-beispiel.de/activate?token=act-9");

    auto existing = representative_approved_mail(
      k_settings, { .to = rep, .company_name = "Bäckerei Schäfer KG" });
    expect_link(existing, "https://portal.ihk-beispiel.de/login");
    EXPECT_FALSE(has(existing.text_body, "token="));
}

TEST(MailTemplates, ExamResultsPublishedLinksTheExams)
{
    auto m = exam_results_published_mail(k_settings,
                                         { .to = k_jana,
                                           .exam = "Abschlussprüfung Teil 1",
                                           .exam_date = "12.05.2027",
                                           .occupation = "Industriekauffrau" });
    expect_common(m, k_jana);
    EXPECT_EQ(m.subject, "Prüfungsergebnisse veröffentlicht: Abschlussprüfung Teil 1");
    EXPECT_TRUE(has(m.text_body, "„Abschlussprüfung Teil 1“ vom 12.05.2027 (Industriekauffrau)"));
    expect_link(m, "https://portal.ihk-beispiel.de/exams");
}

TEST(MailTemplates, ProposalStatusChangedNamesOutcomeAndRemarks)
{
    mail_address trainer{ "Jürgen Weiß", "j.weiss@betrieb.example" };
    auto m = proposal_status_changed_mail(k_settings,
                                          { .to = trainer,
                                            .trainee_name = "Jana Köhler",
                                            .title = "Einführung eines Ticketsystems",
                                            .outcome = proposal_outcome::changes_required,
                                            .remarks = "Zeitplan präzisieren.",
                                            .proposal_id = "prop-3" });
    expect_common(m, trainer);
    EXPECT_EQ(m.subject, "Projektantrag Änderungen erforderlich: Einführung eines Ticketsystems");
    EXPECT_TRUE(has(m.text_body, "Ergebnis: Änderungen erforderlich"));
    EXPECT_TRUE(has(m.text_body, "Zeitplan präzisieren."));
    EXPECT_TRUE(has(m.text_body, "von Jana Köhler"));
    expect_link(m, "https://portal.ihk-beispiel.de/proposals/prop-3");
    EXPECT_EQ(to_german(proposal_outcome::rejected), "abgelehnt");
    EXPECT_EQ(to_german(proposal_outcome::approved), "genehmigt");
}

TEST(MailTemplates, ReminderToTraineeListsPeriods)
{
    auto m = reminder_mail(k_settings,
                           { .to = k_jana,
                             .missing_periods = { "KW 45/2026", "KW 46/2026" },
                             .unsent_periods = { "KW 44/2026" } });
    expect_common(m, k_jana);
    EXPECT_TRUE(m.cc.empty());
    EXPECT_EQ(m.subject, "Erinnerung: offene Ausbildungsnachweise");
    EXPECT_TRUE(has(m.text_body, "- KW 45/2026\n- KW 46/2026\n"));
    EXPECT_TRUE(has(m.text_body, "noch nicht eingereicht"));
    EXPECT_TRUE(has(m.text_body, "- KW 44/2026\n"));
    EXPECT_TRUE(has(m.html_body, "<li>KW 45/2026</li>"));
    expect_link(m, "https://portal.ihk-beispiel.de/reports");
}

TEST(MailTemplates, ReminderEscalationPutsTheTrainerInCopy)
{
    mail_address trainer{ "Jürgen Weiß", "j.weiss@betrieb.example" };
    mail_address sup{ "Dr. Weiß", "weiss@betrieb.example" };
    auto m = reminder_mail(k_settings,
                           { .to = sup,
                             .waiting = { { "Jana Köhler", "KW 47/2026", "20.11.2026" } },
                             .escalation = true,
                             .trainer = trainer });
    expect_common(m, sup);
    EXPECT_EQ(m.subject, "2. Erinnerung: Ausbildungsnachweise warten auf Ihre Freigabe");
    ASSERT_EQ(m.cc.size(), 1U);
    EXPECT_EQ(m.cc[0].email, trainer.email);
    EXPECT_TRUE(has(m.text_body, "zweite Erinnerung"));
    EXPECT_TRUE(has(m.text_body, "Eine Kopie dieser E-Mail erhält Jürgen Weiß als Ausbilder/-in."));
    EXPECT_TRUE(has(m.text_body, "- Jana Köhler, KW 47/2026 (eingereicht am 20.11.2026)"));
    expect_link(m, "https://portal.ihk-beispiel.de/approvals");

    // The trainer is not copied on a mail to the trainer, nor on a first reminder.
    auto self = reminder_mail(k_settings,
                              { .to = trainer,
                                .waiting = { { "Jana Köhler", "KW 47/2026", "" } },
                                .escalation = true,
                                .trainer = trainer });
    EXPECT_TRUE(self.cc.empty());
    auto first = reminder_mail(
      k_settings,
      { .to = sup, .waiting = { { "Jana Köhler", "KW 47/2026", "" } }, .trainer = trainer });
    EXPECT_TRUE(first.cc.empty());
    EXPECT_EQ(first.subject, "Erinnerung: Ausbildungsnachweise warten auf Ihre Freigabe");
}

TEST(MailTemplates, HtmlEscapesValues)
{
    mail_address trainer{ "Jürgen Weiß", "j.weiss@betrieb.example" };
    auto m = record_submitted_mail(k_settings,
                                   { .to = trainer,
                                     .trainee_name = "<script>alert(\"x\")</script>",
                                     .period = "KW 48/2026 & 'mehr'",
                                     .report_id = "rep-7" });
    EXPECT_FALSE(has(m.html_body, "<script>"));
    EXPECT_TRUE(has(m.html_body, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    EXPECT_TRUE(has(m.html_body, "KW 48/2026 &amp; &#39;mehr&#39;"));
    // Plain text keeps the text as it is.
    EXPECT_TRUE(has(m.text_body, "<script>alert(\"x\")</script> hat Ihnen"));
}

// --- the .eml outbox ---------------------------------------------------------

namespace {

std::string
read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string>
files_in(const std::filesystem::path& dir)
{
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST(EmlOutbox, WritesOneFilePerMailAndIsIdempotent)
{
    portal::testing::temp_dir tmp;
    auto outbox = eml_outbox::open(tmp.path() / "mail");
    ASSERT_TRUE(outbox.has_value()) << outbox.error().message;
    auto m = sample();
    m.message_id.clear();

    auto first = outbox->write("mail-0001", m);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_FALSE(first->already_written);
    EXPECT_EQ(first->path, tmp.path() / "mail" / "mail-0001.eml");
    auto content = read_file(first->path);
    auto expected = m;
    expected.message_id = "mail-0001@ihk-portal.example";
    EXPECT_EQ(content, compose(expected));
    EXPECT_EQ(files_in(tmp.path() / "mail"), std::vector<std::string>{ "mail-0001.eml" });

    // The same mail id again, even with other content: left alone.
    auto other = sample();
    other.subject = "Ein anderer Betreff";
    auto again = outbox->write("mail-0001", other);
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->already_written);
    EXPECT_EQ(again->path, first->path);
    EXPECT_EQ(read_file(first->path), content);

    auto second = outbox->write("mail-0002", other);
    ASSERT_TRUE(second.has_value());
    EXPECT_FALSE(second->already_written);
    EXPECT_EQ(files_in(tmp.path() / "mail"),
              (std::vector<std::string>{ "mail-0001.eml", "mail-0002.eml" }));
}

TEST(EmlOutbox, ReplacesAndRemovesOnlyFilesThatExist)
{
    portal::testing::temp_dir tmp;
    auto outbox = eml_outbox::open(tmp.path());
    ASSERT_TRUE(outbox.has_value());
    auto m = sample();
    ASSERT_TRUE(outbox->write("mail-0001", m));

    // Rewritten: the new content replaces the old, no temporary file stays.
    auto redacted = sample();
    redacted.subject = "Ausbildungsnachweis freigegeben";
    auto replaced = outbox->replace("mail-0001", redacted);
    ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
    EXPECT_TRUE(*replaced);
    EXPECT_EQ(read_file(tmp.path() / "mail-0001.eml"), compose(redacted));
    EXPECT_EQ(files_in(tmp.path()), std::vector<std::string>{ "mail-0001.eml" });
    // A mail never written is not created by a replace.
    auto absent = outbox->replace("mail-0002", redacted);
    ASSERT_TRUE(absent.has_value());
    EXPECT_FALSE(*absent);
    EXPECT_EQ(files_in(tmp.path()), std::vector<std::string>{ "mail-0001.eml" });

    auto removed = outbox->remove("mail-0001");
    ASSERT_TRUE(removed.has_value()) << removed.error().message;
    EXPECT_TRUE(*removed);
    EXPECT_TRUE(files_in(tmp.path()).empty());
    auto again = outbox->remove("mail-0001");
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(*again);
    EXPECT_EQ(outbox->remove("../escape").error().code, "mail.bad_id");
    EXPECT_EQ(outbox->replace("../escape", m).error().code, "mail.bad_id");
}

TEST(EmlOutbox, RejectsBadMailIdsAndBadMessages)
{
    portal::testing::temp_dir tmp;
    auto outbox = eml_outbox::open(tmp.path());
    ASSERT_TRUE(outbox.has_value());
    for (const std::string& bad : { std::string(""),
                                    std::string("../escape"),
                                    std::string("a/b"),
                                    std::string(".hidden"),
                                    std::string(".."),
                                    std::string("mit leerzeichen"),
                                    std::string("ümlaut"),
                                    std::string("a\nb"),
                                    std::string("nul\0byte", 8),
                                    std::string(129, 'a') }) {
        auto r = outbox->write(bad, sample());
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code, "mail.bad_id");
        EXPECT_EQ(r.error().cls, error_class::invalid);
    }
    EXPECT_TRUE(valid_mail_id(std::string(128, 'a')));
    EXPECT_TRUE(valid_mail_id("01JD3-report.submitted_x"));

    auto m = sample();
    m.subject = "Hallo\r\nBcc: evil@example.com";
    auto r = outbox->write("mail-1", m);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "mail.header_injection");
    EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(EmlOutbox, RemovesStaleTemporaryFilesOnOpen)
{
    portal::testing::temp_dir tmp;
    std::ofstream(tmp.path() / ".mail-1.123.0.tmp") << "partial";
    std::ofstream(tmp.path() / "keep.eml") << "whole";
    auto outbox = eml_outbox::open(tmp.path());
    ASSERT_TRUE(outbox.has_value());
    EXPECT_EQ(files_in(tmp.path()), std::vector<std::string>{ "keep.eml" });
}

TEST(EmlOutbox, ConcurrentWritersOfOneMailLeaveOneFile)
{
    portal::testing::temp_dir tmp;
    auto outbox = eml_outbox::open(tmp.path());
    ASSERT_TRUE(outbox.has_value());
    std::atomic<int> written{ 0 };
    std::atomic<int> already{ 0 };
    std::atomic<int> failed{ 0 };
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            auto m = sample();
            m.subject = "Schreiber " + std::to_string(t);
            auto r = outbox->write("same-mail", m);
            if (!r) {
                ++failed;
            } else if (r->already_written) {
                ++already;
            } else {
                ++written;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(written.load(), 1);
    EXPECT_EQ(already.load(), 7);
    EXPECT_EQ(files_in(tmp.path()), std::vector<std::string>{ "same-mail.eml" });
    EXPECT_TRUE(read_file(tmp.path() / "same-mail.eml").ends_with("--\r\n"));
}

TEST(EmlOutbox, ReadersNeverSeeAPartialFile)
{
    portal::testing::temp_dir tmp;
    auto outbox = eml_outbox::open(tmp.path());
    ASSERT_TRUE(outbox.has_value());
    auto m = sample();
    m.text_body.clear();
    for (int i = 0; i < 300; ++i) {
        m.text_body += k_german_text;
    }
    constexpr int k_mails = 20;
    std::atomic<bool> done{ false };
    std::atomic<int> checked{ 0 };
    std::atomic<int> partial{ 0 };
    std::thread reader([&] {
        while (!done.load()) {
            for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
                if (e.path().extension() == ".eml") {
                    auto content = read_file(e.path());
                    if (!content.ends_with("--\r\n") || !content.starts_with("From:")) {
                        ++partial;
                    }
                    ++checked;
                }
            }
        }
    });
    for (int i = 0; i < k_mails; ++i) {
        auto r = outbox->write("bulk-" + std::to_string(i), m);
        ASSERT_TRUE(r.has_value());
    }
    ASSERT_TRUE(portal::testing::wait_until([&] { return checked.load() > 0; }));
    done = true;
    reader.join();
    EXPECT_EQ(partial.load(), 0);
    EXPECT_EQ(files_in(tmp.path()).size(), static_cast<std::size_t>(k_mails));
}

// --- a standard parser reads it ----------------------------------------------

TEST(MailCompose, PythonEmailPackageParsesIt)
{
    // scripts/install-deps installs python3: a missing parser is a failure.
    ASSERT_EQ(std::system("python3 -c 'import email.policy' >/dev/null 2>&1"), 0)
      << "python3 with its email package is needed (scripts/install-deps)";
    portal::testing::temp_dir tmp;
    auto m = sample();
    m.subject = "Ausbildungsnachweis für Jürgen Weiß – Überprüfung der Prüfstände und der "
                "Qualitätssicherung in KW 48/2026";
    std::ofstream(tmp.path() / "mail.eml", std::ios::binary) << compose(m);
    std::ofstream(tmp.path() / "parse.py") << R"(import email, email.policy, sys, pathlib
d = pathlib.Path(sys.argv[1])
msg = email.message_from_bytes((d / "mail.eml").read_bytes(), policy=email.policy.default)
out = {
    "subject": str(msg["subject"]),
    "from": msg["from"].addresses[0].display_name + " " + msg["from"].addresses[0].addr_spec,
    "to": "|".join(a.display_name + " " + a.addr_spec for a in msg["to"].addresses),
    "cc": "|".join(a.display_name + " " + a.addr_spec for a in msg["cc"].addresses),
    "text": msg.get_body(("plain",)).get_content().replace("\r\n", "\n"),
    "html": msg.get_body(("html",)).get_content().replace("\r\n", "\n"),
    "defects": str(len(msg.defects) + sum(len(p.defects) for p in msg.walk())),
}
for k, v in out.items():
    (d / (k + ".out")).write_text(v, encoding="utf-8")
)";
    auto cmd = "python3 " + (tmp.path() / "parse.py").string() + " " + tmp.path().string();
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto out = [&](const std::string& k) { return read_file(tmp.path() / (k + ".out")); };
    EXPECT_EQ(out("defects"), "0");
    EXPECT_EQ(out("subject"), m.subject);
    EXPECT_EQ(out("from"), "Ausbildungsportal der IHK noreply@ihk-portal.example");
    EXPECT_EQ(out("to"),
              "Jana Köhler j.koehler@betrieb.example|Mustermann, Max "
              "max.mustermann@betrieb.example");
    EXPECT_EQ(out("cc"), "Jürgen Weiß j.weiss@betrieb.example");
    EXPECT_EQ(out("text"), m.text_body);
    EXPECT_EQ(out("html"), m.html_body);
}

TEST(MailTemplates, SupervisorPinReadsWellWithoutTheTraineesName)
{
    supervisor_pin d;
    d.to = { "", "meister@example.de" };
    d.pin = "123456";
    auto m = supervisor_pin_mail(k_settings, d);
    EXPECT_NE(m.text_body.find("Ihnen wurde ein Ausbildungsnachweis zur Freigabe gesendet."),
              std::string::npos)
      << m.text_body;
    EXPECT_NE(m.text_body.find("PIN: 123456"), std::string::npos);
}
