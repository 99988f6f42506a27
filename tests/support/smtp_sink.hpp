#pragma once

/// A real SMTP server for the mail tests (issue #7): tests/support/smtp_sink.py
/// (aiosmtpd) as a child process that stores every message it accepts as a
/// JSON file, and helpers to read what it received (recipients, decoded
/// subjects, quoted-printable bodies, links with their tokens).
///
///   smtp_sink sink(port, dir / "in");
///   ASSERT_TRUE(sink.start());
///   gateway_env env(std::nullopt, smtp_options(port));
///   auto mail = sink.wait_for("someone@firma.example");
///   EXPECT_EQ(mail.subject(), "Passwort zurücksetzen");
///
/// The Python interpreter and the script come from PORTAL_PYTHON and
/// PORTAL_SMTP_SINK when the target defines them, else /usr/bin/python3
/// (Debian's, with python3-aiosmtpd) and smtp_sink.py next to this header.

#include "gateway_env.hpp"
#include "portal/infra/smtp.hpp"
#include "runtime.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace portal::testing {

/// The public base URL the mail tests configure (links start with it).
inline constexpr const char* k_mail_public_url = "https://portal.ihk-beispiel.de";

/// The Python interpreter that runs the sink.
inline std::string
smtp_sink_python()
{
#ifdef PORTAL_PYTHON
    return PORTAL_PYTHON;
#else
    return "/usr/bin/python3";
#endif
}

/// tests/support/smtp_sink.py.
inline std::string
smtp_sink_script()
{
#ifdef PORTAL_SMTP_SINK
    return PORTAL_SMTP_SINK;
#else
    return (std::filesystem::path(__FILE__).parent_path() / "smtp_sink.py").string();
#endif
}

/// Quoted-printable undone: soft breaks removed, `=XX` to bytes.
inline std::string
qp_decode(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=' && text.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else if (text[i] == '=' && i + 2 < text.size() && std::isxdigit(text[i + 1]) != 0 &&
                   std::isxdigit(text[i + 2]) != 0) {
            out.push_back(
              static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

inline std::string
base64_decode(std::string_view in)
{
    static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : in) {
        auto v = alphabet.find(c);
        if (v == std::string::npos) {
            continue; // padding
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

/// A header's value, unfolded (empty when absent).
inline std::string
header(std::string_view data, std::string_view name)
{
    auto end = data.find("\r\n\r\n");
    auto head = std::string("\r\n") + std::string(data.substr(0, end));
    auto at = head.find("\r\n" + std::string(name) + ":");
    if (at == std::string::npos) {
        return {};
    }
    std::string value;
    auto pos = at + 2 + name.size() + 1;
    for (;;) {
        auto eol = head.find("\r\n", pos);
        value += head.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        if (eol == std::string::npos || eol + 2 >= head.size() ||
            (head[eol + 2] != ' ' && head[eol + 2] != '\t')) {
            break;
        }
        pos = eol + 2;
    }
    auto first = value.find_first_not_of(' ');
    return first == std::string::npos ? std::string{} : value.substr(first);
}

/// RFC 2047 `=?UTF-8?B?...?=` words decoded (space between two words dropped).
inline std::string
decode_words(const std::string& value)
{
    static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
    std::string out;
    auto begin = std::sregex_iterator(value.begin(), value.end(), word);
    std::size_t last = 0;
    bool previous_word = false;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        auto between = value.substr(last, static_cast<std::size_t>(it->position()) - last);
        if (!(previous_word && between.find_first_not_of(' ') == std::string::npos)) {
            out += between;
        }
        out += base64_decode((*it)[1].str());
        last = static_cast<std::size_t>(it->position() + it->length());
        previous_word = true;
    }
    return out + value.substr(last);
}

/// One message the server accepted.
struct received
{
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    std::string data; ///< as received (CRLF, quoted-printable bodies)

    std::string subject() const { return decode_words(header(data, "Subject")); }
    std::string message_id() const
    {
        auto id = header(data, "Message-ID");
        if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
            id = id.substr(1, id.size() - 2);
        }
        return id;
    }
    /// The bodies with quoted-printable undone (UTF-8).
    std::string text() const { return qp_decode(data); }
    bool to(const std::string& address) const
    {
        return std::find(rcpt_tos.begin(), rcpt_tos.end(), address) != rcpt_tos.end();
    }
};

/// tests/support/smtp_sink.py as a child process.
class smtp_sink
{
  public:
    smtp_sink(unsigned short port, std::filesystem::path dir, std::vector<std::string> extra = {})
      : port_(port)
      , dir_(std::move(dir))
      , extra_(std::move(extra))
    {
        std::filesystem::create_directories(dir_);
    }
    ~smtp_sink() { stop(); }
    smtp_sink(const smtp_sink&) = delete;
    smtp_sink& operator=(const smtp_sink&) = delete;

    /// Starts the server and waits until it listens; false (with its log)
    /// when it does not come up.
    ::testing::AssertionResult start()
    {
        std::filesystem::remove(dir_ / "ready");
        auto log_path = dir_.parent_path() / (dir_.filename().string() + ".log");
        pid_ = fork();
        if (pid_ == 0) {
            int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            std::vector<std::string> args{
                smtp_sink_python(), smtp_sink_script(), "--port", std::to_string(port_), "--dir",
                dir_.string()
            };
            args.insert(args.end(), extra_.begin(), extra_.end());
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            execv(smtp_sink_python().c_str(), argv.data());
            _exit(127);
        }
        bool exited = false;
        bool ready = wait_until(
          [&] {
              if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                  exited = true;
                  return true;
              }
              return std::filesystem::exists(dir_ / "ready");
          },
          std::chrono::seconds{ 30 });
        if (exited || !ready) {
            pid_ = exited ? -1 : pid_;
            std::ifstream in(log_path);
            std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            return ::testing::AssertionFailure() << "the SMTP sink did not start: " << log;
        }
        return ::testing::AssertionSuccess();
    }

    void stop()
    {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

    /// Every message received so far, in arrival order.
    const std::vector<received>& messages()
    {
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
            if (f.path().extension() == ".json" && !seen_.contains(f.path().filename())) {
                files.push_back(f.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            auto v = boost::json::parse(text).as_object();
            received r;
            r.mail_from = std::string(v.at("mail_from").as_string());
            for (const auto& to : v.at("rcpt_tos").as_array()) {
                r.rcpt_tos.emplace_back(to.as_string());
            }
            r.data = std::string(v.at("data").as_string());
            seen_.insert(f.filename());
            all_.push_back(std::move(r));
        }
        return all_;
    }

    /// The messages to `address`.
    std::vector<received> to(const std::string& address)
    {
        std::vector<received> out;
        for (const auto& m : messages()) {
            if (m.to(address)) {
                out.push_back(m);
            }
        }
        return out;
    }

    /// Waits for the `n`-th message to `address` (a test failure and an
    /// empty message on timeout).
    received wait_for(const std::string& address, std::size_t n = 1)
    {
        received found;
        bool ok = wait_until(
          [&] {
              auto all = to(address);
              if (all.size() >= n) {
                  found = all[n - 1];
                  return true;
              }
              return false;
          },
          std::chrono::seconds{ 30 });
        EXPECT_TRUE(ok) << "no mail #" << n << " to " << address << " over SMTP";
        return found;
    }

  private:
    unsigned short port_;
    std::filesystem::path dir_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
    std::set<std::filesystem::path> seen_;
    std::vector<received> all_;
};

/// The token of the link `<public URL><path>?token=...` in `text` ("" when none).
inline std::string
link_token(const std::string& text, const std::string& path)
{
    std::regex re(
      std::regex_replace(std::string(k_mail_public_url), std::regex(R"([.])"), R"(\.)") + path +
      R"(\?token=([A-Za-z0-9_-]+))");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string{};
}

/// Instance options that deliver over SMTP to 127.0.0.1:`port` with links to
/// k_mail_public_url, retrying quickly.
inline cli::instance_options
smtp_options(unsigned short port)
{
    cli::instance_options o;
    o.public_url = k_mail_public_url;
    o.smtp = infra::smtp_options{};
    o.smtp->url = "smtp://127.0.0.1:" + std::to_string(port);
    o.smtp->connect_timeout = std::chrono::seconds{ 5 };
    o.smtp->timeout = std::chrono::seconds{ 20 };
    o.mail_retry.first_delay = std::chrono::milliseconds{ 100 };
    o.mail_retry.max_delay = std::chrono::milliseconds{ 400 };
    o.mail_retry.max_attempts = 1000;
    return o;
}

} // namespace portal::testing
