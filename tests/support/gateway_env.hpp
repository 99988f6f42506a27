#pragma once

/// The portal running in-process on a temporary data directory, with a test
/// clock and the minimum password cost, and a blocking HTTP client that
/// talks to it over a real socket. For the gateway tests.
///
///   gateway_env env;                        // serve on 127.0.0.1:<free port>
///   auto staff = env.staff_token();         // a signed-in chamber staff account
///   auto r = env.client().post("/api/v1/companies", body, staff);
///   EXPECT_EQ(r.status, 201) << r.body;
///   auto token = env.mail_token("ausbilder@firma.example");  // from the .eml

#include "runtime.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace portal::testing {

/// A response as the tests see it.
struct http_reply
{
    unsigned status = 0;
    std::string body;
    std::map<std::string, std::string> headers; ///< names lower-case

    /// The body as JSON (null when it is none).
    boost::json::value json() const
    {
        boost::system::error_code ec;
        auto v = boost::json::parse(body, ec);
        return ec ? boost::json::value{} : v;
    }
    /// A string field of a JSON object body ("" when absent).
    std::string str(std::string_view field) const
    {
        auto v = json();
        if (!v.is_object()) {
            return {};
        }
        auto* f = v.as_object().if_contains(field);
        return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string{};
    }
    /// The `code` of a problem response.
    std::string code() const { return str("code"); }
    std::string header(const std::string& lower_name) const
    {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

/// A blocking HTTP/1.1 client with one keep-alive connection (reconnects
/// when the server closed it).
class http_client
{
  public:
    explicit http_client(unsigned short port)
      : port_(port)
    {
    }

    /// Sends a request; `token` as bearer when not empty; `body` as JSON
    /// text when not empty.
    http_reply request(boost::beast::http::verb method,
                       const std::string& target,
                       const std::string& body = {},
                       const std::string& token = {},
                       const std::map<std::string, std::string>& headers = {})
    {
        namespace http = boost::beast::http;
        http::request<http::string_body> req{ method, target, 11 };
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(true);
        if (!token.empty()) {
            req.set(http::field::authorization, "Bearer " + token);
        }
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        req.prepare_payload();
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!stream_) {
                    stream_.emplace(ioc_);
                    stream_->connect(boost::asio::ip::tcp::endpoint(
                      boost::asio::ip::make_address("127.0.0.1"), port_));
                }
                http::write(*stream_, req);
                boost::beast::flat_buffer buffer;
                http::response_parser<http::string_body> parser;
                parser.body_limit(64 * 1024 * 1024);
                http::read(*stream_, buffer, parser);
                auto res = parser.release();
                http_reply out;
                out.status = res.result_int();
                out.body = res.body();
                for (const auto& f : res) {
                    std::string name(f.name_string());
                    for (auto& ch : name) {
                        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                    }
                    out.headers[name] = std::string(f.value());
                }
                if (!res.keep_alive()) {
                    stream_.reset();
                }
                return out;
            } catch (const boost::system::system_error&) {
                stream_.reset();
                if (attempt == 1) {
                    throw;
                }
            }
        }
        return {};
    }

    http_reply get(const std::string& target,
                   const std::string& token = {},
                   const std::map<std::string, std::string>& headers = {})
    {
        return request(boost::beast::http::verb::get, target, {}, token, headers);
    }
    http_reply post(const std::string& target,
                    const std::string& body,
                    const std::string& token = {},
                    const std::map<std::string, std::string>& headers = {})
    {
        return request(boost::beast::http::verb::post, target, body, token, headers);
    }
    http_reply put(const std::string& target,
                   const std::string& body,
                   const std::string& token = {},
                   const std::map<std::string, std::string>& headers = {})
    {
        return request(boost::beast::http::verb::put, target, body, token, headers);
    }
    http_reply del(const std::string& target,
                   const std::string& token = {},
                   const std::map<std::string, std::string>& headers = {})
    {
        return request(boost::beast::http::verb::delete_, target, {}, token, headers);
    }

  private:
    unsigned short port_;
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
};

/// The portal in-process (see above).
class gateway_env
{
  public:
    /// The test clock starts at Saturday 2026-11-28 09:00 UTC unless given.
    explicit gateway_env(std::optional<timestamp> start = std::nullopt,
                         cli::instance_options options = {})
    {
        using namespace std::chrono;
        now_.store(to_micros(start.value_or(sys_days{ year{ 2026 } / 11 / 28 } + hours{ 9 })));
        options.data_dir = dir_.path();
        options.sync = false;
        options.api.password_cost = infra::password_cost::minimum();
        options.server.address = "127.0.0.1";
        options.server.port = 0;
        options.server.worker_threads = 8;
        options.server.shutdown_grace = std::chrono::milliseconds{ 5000 };
        options.clock = [this] { return from_micros(now_.load()); };
        auto started = cli::instance::start(options);
        if (!started) {
            ADD_FAILURE() << "portal did not start: " << started.error().message;
            std::abort();
        }
        portal_ = std::move(*started);
        client_.emplace(portal_->port());
    }

    unsigned short port() const { return portal_->port(); }
    cli::instance& portal() { return *portal_; }
    http_client& client() { return *client_; }
    const std::filesystem::path& data_dir() const { return dir_.path(); }

    /// How many events of the log (as every reader gets them) contain
    /// `needle` in their bytes: personal data reads empty once erased.
    std::size_t log_mentions(std::string_view needle)
    {
        std::size_t n = 0;
        auto all = portal_->services().log.read_all(events::position{ 0 }, 1'000'000);
        EXPECT_TRUE(all.has_value());
        for (const auto& e : all ? *all : std::vector<events::recorded_event>{}) {
            n += e.envelope_bytes.find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    }

    /// The test clock.
    timestamp now() const { return from_micros(now_.load()); }
    void advance(std::chrono::microseconds by) { now_.fetch_add(by.count()); }
    void set_now(timestamp t) { now_.store(to_micros(t)); }

    /// Creates an activated chamber staff account (once per login) and
    /// signs it in; returns the bearer token.
    std::string staff_token(const std::string& login = "sachbearbeitung@ihk.example")
    {
        auto created = cli::create_staff_account(portal_->services(),
                                                 login,
                                                 "IHK Sachbearbeitung",
                                                 k_password,
                                                 infra::password_cost::minimum(),
                                                 now());
        if (!created && created.error().code != "account.already_exists") {
            ADD_FAILURE() << "staff account: " << created.error().message;
        }
        return login_token(login, k_password);
    }

    /// Signs in with a password; returns the token ("" on failure, with a
    /// test failure).
    std::string login_token(const std::string& login, const std::string& password)
    {
        auto r = client_->post("/api/v1/session",
                               boost::json::serialize(boost::json::object{
                                 { "login", login }, { "password", password } }));
        if (r.status != 200) {
            ADD_FAILURE() << "login " << login << ": " << r.status << " " << r.body;
            return {};
        }
        return r.str("token");
    }

    /// The texts of the mail files sent to `recipient` so far (quoted-
    /// printable soft breaks and `=3D` undone), oldest first.
    std::vector<std::string> mails_to(const std::string& recipient) const
    {
        std::vector<std::pair<std::filesystem::path, std::string>> found;
        auto dir = dir_.path() / "mail";
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
            auto text = read_mail_text(f.path());
            auto to = text.find("\nTo: ");
            auto end = to == std::string::npos ? to : text.find('\n', to + 1);
            if (to != std::string::npos &&
                text.substr(to, end - to).find(recipient) != std::string::npos) {
                found.emplace_back(f.path(), std::move(text));
            }
        }
        std::sort(found.begin(), found.end());
        std::vector<std::string> out;
        for (auto& [p, t] : found) {
            out.push_back(std::move(t));
        }
        return out;
    }

    /// Waits (bounded) for the `n`-th mail to `recipient` and returns its
    /// text ("" with a test failure on timeout).
    std::string wait_for_mail(const std::string& recipient, std::size_t n = 1)
    {
        std::string text;
        bool ok = wait_until(
          [&] {
              auto all = mails_to(recipient);
              if (all.size() >= n) {
                  text = all[n - 1];
                  return true;
              }
              return false;
          },
          std::chrono::seconds{ 20 });
        if (!ok) {
            ADD_FAILURE() << "no mail #" << n << " to " << recipient;
        }
        return text;
    }

    /// The token of the first mail to `recipient` with a link to `path`
    /// (`/activate`, `/password-reset`): waits for one; "" with a test
    /// failure on timeout.
    std::string mail_link_token(const std::string& recipient, const std::string& path)
    {
        std::string token;
        const std::regex token_re(path + "\\?token=([A-Za-z0-9_-]+)");
        bool ok = wait_until(
          [&] {
              for (const auto& text : mails_to(recipient)) {
                  std::smatch m;
                  if (std::regex_search(text, m, token_re)) {
                      token = m[1];
                      return true;
                  }
              }
              return false;
          },
          std::chrono::seconds{ 20 });
        if (!ok) {
            ADD_FAILURE() << "no mail with a " << path << " link to " << recipient;
        }
        return token;
    }

    /// The activation token of the invitation mail to `recipient`.
    std::string mail_token(const std::string& recipient)
    {
        return mail_link_token(recipient, "/activate");
    }

    /// The `PIN: <pin>` of the `n`-th mail to `recipient` (waits for one).
    std::string mail_pin(const std::string& recipient, std::size_t n = 1)
    {
        auto text = wait_for_mail(recipient, n);
        static const std::regex pin_re("PIN: ([0-9]+)");
        std::smatch m;
        if (!std::regex_search(text, m, pin_re)) {
            ADD_FAILURE() << "no PIN in the mail to " << recipient;
            return {};
        }
        return m[1];
    }

    /// Activates an invited account from its invitation mail and signs it
    /// in; returns the session token.
    std::string activate_and_login(const std::string& email)
    {
        auto token = mail_token(email);
        auto r = client_->post("/api/v1/accounts/activate",
                               boost::json::serialize(boost::json::object{
                                 { "token", token }, { "password", k_password } }));
        if (r.status != 200) {
            ADD_FAILURE() << "activate " << email << ": " << r.status << " " << r.body;
        }
        return login_token(email, k_password);
    }

    /// The password every test account gets.
    static constexpr const char* k_password = "Test-Passwort-2026";

  private:
    temp_dir dir_;
    std::atomic<std::int64_t> now_{ 0 };
    std::unique_ptr<cli::instance> portal_;
    std::optional<http_client> client_;
};

/// A TCP port free on 127.0.0.1 at the time of the call.
inline unsigned short
free_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(
      ioc, { boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0) });
    return a.local_endpoint().port();
}

/// JSON text of an object literal, for request bodies.
inline std::string
json_text(const boost::json::object& o)
{
    return boost::json::serialize(o);
}

/// The delivery records of the staff route `GET /api/v1/mail/deliveries`
/// (all pages; only those of `status` when given).
inline boost::json::array
mail_delivery_records(http_client& client, const std::string& token, const std::string& status = {})
{
    boost::json::array out;
    std::string cursor;
    for (;;) {
        std::string target = "/api/v1/mail/deliveries?limit=500";
        if (!status.empty()) {
            target += "&status=" + status;
        }
        if (!cursor.empty()) {
            target += "&cursor=" + cursor;
        }
        auto r = client.get(target, token);
        EXPECT_EQ(r.status, 200U) << r.body;
        if (r.status != 200) {
            return out;
        }
        auto page = r.json().as_object();
        for (auto& item : page.at("items").as_array()) {
            out.push_back(item);
        }
        if (page.at("next").is_null()) {
            return out;
        }
        cursor = std::string(page.at("next").as_string());
    }
}

} // namespace portal::testing
