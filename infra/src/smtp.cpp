#include "portal/infra/smtp.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace portal::infra {

namespace {

/// libcurl's global state, initialised once per process (not thread-safe
/// itself, hence `call_once`).
bool
init_curl()
{
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
    return ok;
}

struct easy_deleter
{
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct slist_deleter
{
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

/// The message being uploaded (libcurl pulls it through `read_data`).
struct upload
{
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t
read_data(char* buffer, std::size_t size, std::size_t items, void* user)
{
    auto* u = static_cast<upload*>(user);
    auto n = std::min(size * items, u->data.size() - u->offset);
    std::memcpy(buffer, u->data.data() + u->offset, n);
    u->offset += n;
    return n;
}

bool
has_line_break(std::string_view s) noexcept
{
    return s.find_first_of("\r\n") != std::string_view::npos;
}

class smtp_sender final : public mail_sender
{
  public:
    explicit smtp_sender(smtp_options options)
      : options_(std::move(options))
    {
    }

    result<void> send(const mail_message& m) override
    {
        if (auto valid = validate(m); !valid) {
            return valid;
        }
        std::vector<std::string> recipients;
        for (const auto& a : m.to) {
            recipients.push_back(a.email);
        }
        for (const auto& a : m.cc) {
            recipients.push_back(a.email);
        }
        return send_raw(m.from.email, recipients, compose(m));
    }

    result<void> send_raw(std::string_view sender,
                          const std::vector<std::string>& recipients,
                          std::string_view data) override
    {
        if (recipients.empty()) {
            return fail(error::invalid("smtp.no_recipient", "a mail needs a recipient"));
        }
        if (has_line_break(sender) ||
            std::any_of(recipients.begin(), recipients.end(), [](const std::string& r) {
                return has_line_break(r);
            })) {
            return fail(error::invalid("smtp.no_recipient", "an address contains a line break"));
        }
        std::unique_ptr<CURL, easy_deleter> curl(curl_easy_init());
        if (!curl) {
            return fail(error::unavailable("smtp.unavailable", "libcurl: no easy handle"));
        }
        std::unique_ptr<curl_slist, slist_deleter> rcpt;
        for (const auto& r : recipients) {
            auto* next = curl_slist_append(rcpt.get(), ("<" + r + ">").c_str());
            if (next == nullptr) {
                return fail(error::unavailable("smtp.unavailable", "libcurl: out of memory"));
            }
            (void)rcpt.release();
            rcpt.reset(next);
        }
        std::string from = "<" + std::string(sender) + ">";
        upload body{ data, 0 };
        char message[CURL_ERROR_SIZE] = {};
        auto* h = curl.get();
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, message);
        curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(
          h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
        if (options_.starttls) {
            curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        }
        if (!options_.ca_file.empty()) {
            curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
        }
        if (!options_.user.empty()) {
            curl_easy_setopt(h, CURLOPT_USERNAME, options_.user.c_str());
            curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
        }
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_data);
        curl_easy_setopt(h, CURLOPT_READDATA, &body);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
        auto rc = curl_easy_perform(h);
        if (rc == CURLE_OK) {
            return {};
        }
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        auto text = fmt::format("SMTP {}: {}{}",
                                options_.url,
                                message[0] != '\0' ? message : curl_easy_strerror(rc),
                                code != 0 ? fmt::format(" (reply {})", code) : std::string{});
        // A 5xx reply refuses this mail for good (sender, recipient or
        // content). A refused login is the configuration's fault, not the
        // mail's: retry it like an outage.
        if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED) {
            return fail(error::rejected("smtp.rejected", std::move(text)));
        }
        return fail(error::unavailable("smtp.unavailable", std::move(text)));
    }

  private:
    smtp_options options_;
};

} // namespace

result<std::unique_ptr<mail_sender>>
open_smtp_sender(smtp_options options)
{
    if (options.url.find('@') != std::string::npos) {
        return fail(error::invalid("smtp.bad_url",
                                   "the SMTP URL must not contain credentials (use the user and "
                                   "password options)"));
    }
    auto scheme_end = options.url.find("://");
    auto scheme = options.url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
    if ((scheme != "smtp" && scheme != "smtps") || options.url.size() <= scheme_end + 3 ||
        options.url[scheme_end + 3] == '/' || options.url[scheme_end + 3] == ':' ||
        std::any_of(options.url.begin(), options.url.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
        })) {
        return fail(error::invalid("smtp.bad_url",
                                   fmt::format("the SMTP URL must be smtp://host[:port] or "
                                               "smtps://host[:port], not '{}'",
                                               options.url)));
    }
    if (!init_curl()) {
        return fail(error::unavailable("smtp.unavailable", "libcurl could not be initialised"));
    }
    return std::unique_ptr<mail_sender>(new smtp_sender(std::move(options)));
}

} // namespace portal::infra
