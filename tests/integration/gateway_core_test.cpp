// The gateway's common machinery over real sockets: routing, sessions and
// login, CSRF guard, lockout and rate limit, strict input, size and time
// limits, invitations and password reset, idempotency, the event stream,
// health and metrics.

#include "app/accounts.hpp"
#include "gateway_env.hpp"
#include "http/http.hpp"
#include "http/router.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/read_models.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace portal::testing {
namespace {

using boost::json::object;

class GatewayCore : public ::testing::Test
{
  protected:
    gateway_env env;
    http_client& client = env.client();
};

/// Reads from a raw socket until `done(text)` or the deadline; returns the
/// text read (the socket closes on EOF).
std::string
read_until(boost::asio::ip::tcp::socket& socket,
           const std::function<bool(const std::string&)>& done,
           std::chrono::milliseconds timeout = std::chrono::seconds{ 10 })
{
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    socket.non_blocking(true);
    char buffer[4096];
    while (!done(text) && std::chrono::steady_clock::now() < deadline) {
        boost::system::error_code ec;
        auto n = socket.read_some(boost::asio::buffer(buffer), ec);
        if (ec == boost::asio::error::would_block) {
            std::this_thread::sleep_for(std::chrono::milliseconds{ 2 });
            continue;
        }
        if (ec) {
            text += "<closed>";
            break;
        }
        text.append(buffer, n);
    }
    return text;
}

boost::asio::ip::tcp::socket
connect(boost::asio::io_context& ioc, unsigned short port)
{
    boost::asio::ip::tcp::socket socket(ioc);
    socket.connect({ boost::asio::ip::make_address("127.0.0.1"), port });
    return socket;
}

TEST_F(GatewayCore, HealthReadinessAndMetricsAnswer)
{
    auto health = client.get("/healthz");
    EXPECT_EQ(health.status, 200U);
    EXPECT_EQ(health.body, "ok\n");
    auto ready = client.get("/readyz");
    EXPECT_EQ(ready.status, 200U) << ready.body;
    EXPECT_TRUE(ready.json().at("ready").as_bool());
    EXPECT_EQ(ready.json().at("models").as_array().size(), 7U);
    auto metrics = client.get("/metrics");
    EXPECT_EQ(metrics.status, 200U);
    EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
    EXPECT_NE(metrics.body.find("portal_http_requests_total{method=\"GET\",route=\"/readyz\","
                                "status=\"200\"} 1"),
              std::string::npos)
      << metrics.body;
    EXPECT_NE(metrics.body.find("portal_log_position "), std::string::npos);
    EXPECT_NE(metrics.body.find("portal_projection_lag_events{model=\"training\"}"),
              std::string::npos);
    EXPECT_NE(metrics.body.find("portal_http_request_duration_seconds_bucket"), std::string::npos);
    // A counter found again counts on; the route's histogram has both.
    ASSERT_EQ(client.get("/readyz").status, 200U);
    metrics = client.get("/metrics");
    EXPECT_NE(metrics.body.find("portal_http_requests_total{method=\"GET\",route=\"/readyz\","
                                "status=\"200\"} 2"),
              std::string::npos)
      << metrics.body;
    EXPECT_NE(metrics.body.find("portal_http_request_duration_seconds_count{route=\"/readyz\"} 2"),
              std::string::npos)
      << metrics.body;
}

TEST(ResponseHead, IsWhatBeastsSerializerWritesBeforeTheBody)
{
    using namespace portal::gateway;
    auto beast_bytes = [](const response& res) {
        std::ostringstream os;
        os << res;
        return os.str();
    };
    auto ours = [](const response& res) {
        std::string out;
        serialize_head(res, out);
        return out + res.body();
    };
    auto ok = json_response(http::status::ok, boost::json::object{ { "id", "x" } });
    ok.set("X-Request-Id", "r-1");
    EXPECT_EQ(ours(ok), beast_bytes(ok));
    auto closing = ok;
    closing.keep_alive(false);
    EXPECT_NE(ours(closing).find("Connection: close\r\n"), std::string::npos);
    EXPECT_EQ(ours(closing), beast_bytes(closing));
    auto old = ok;
    old.version(10);
    old.keep_alive(true);
    EXPECT_EQ(ours(old).substr(0, 9), "HTTP/1.0 ");
    EXPECT_EQ(ours(old), beast_bytes(old));
    auto refused = problem(http::status::unauthorized, "auth.unauthenticated", "please sign in");
    refused.set(http::field::www_authenticate, "Bearer realm=\"portal\"");
    EXPECT_EQ(ours(refused), beast_bytes(refused));
    auto custom = ok;
    custom.reason("Fine");
    EXPECT_EQ(ours(custom).substr(0, 17), "HTTP/1.1 200 Fine");
    EXPECT_EQ(ours(custom), beast_bytes(custom));
    // HEAD: the body is dropped, the length of the GET body stays.
    auto head = ok;
    auto length = head[http::field::content_length];
    head.body().clear();
    std::string out;
    serialize_head(head, out);
    EXPECT_EQ(out, beast_bytes(head));
    EXPECT_NE(out.find(fmt::format("Content-Length: {}\r\n", length)), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(Router, MatchesLiteralsThenDecodesParametersAndCollectsTheAllowedMethods)
{
    using boost::beast::http::verb;
    gateway::router r;
    gateway::handler none = [](gateway::api&, gateway::call&) -> gateway::reply {
        return gateway::reply{ gateway::response{} };
    };
    r.add(verb::get, "/api/v1/contracts/{id}", gateway::access::authenticated, none);
    r.add(verb::get, "/api/v1/contracts/{id}/reports", gateway::access::authenticated, none);
    r.add(verb::post, "/api/v1/contracts/{id}/reports", gateway::access::authenticated, none);
    r.add(verb::get, "/api/v1/reports/{id}/history", gateway::access::authenticated, none);

    auto m = r.match(verb::get, "/api/v1/contracts/k%2F1/reports");
    ASSERT_NE(m.matched, nullptr);
    EXPECT_EQ(m.matched->name, "/api/v1/contracts/{id}/reports");
    EXPECT_EQ(m.matched->method, verb::get);
    ASSERT_EQ(m.params.size(), 1U);
    EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{ "id", "k/1" }));
    auto post = r.match(verb::post, "/api/v1/contracts/k1/reports");
    ASSERT_NE(post.matched, nullptr);
    EXPECT_EQ(post.matched->method, verb::post);
    auto head = r.match(verb::head, "/api/v1/contracts/k1");
    ASSERT_NE(head.matched, nullptr);
    EXPECT_EQ(head.matched->name, "/api/v1/contracts/{id}");

    auto wrong = r.match(verb::delete_, "/api/v1/contracts/k1/reports");
    EXPECT_EQ(wrong.matched, nullptr);
    EXPECT_EQ(wrong.allowed, (std::vector<verb>{ verb::get, verb::post }));
    // A bad escape or an empty parameter matches no route (404, not 405).
    for (auto path : { "/api/v1/contracts/%zz/reports", "/api/v1/contracts/%/reports" }) {
        auto bad = r.match(verb::get, path);
        EXPECT_EQ(bad.matched, nullptr) << path;
        EXPECT_TRUE(bad.allowed.empty()) << path;
    }
    for (auto path : { "/api/v1/contracts//reports",
                       "/api/v1/contracts/k1/reports/",
                       "/api/v1/contracts/k1/other",
                       "api/v1/contracts/k1" }) {
        auto none_found = r.match(verb::get, path);
        EXPECT_EQ(none_found.matched, nullptr) << path;
        EXPECT_TRUE(none_found.allowed.empty()) << path;
    }
}

TEST_F(GatewayCore, UnknownPathsAre404AndWrongMethodsAre405WithAllow)
{
    auto missing = client.get("/api/v1/nothing-here");
    EXPECT_EQ(missing.status, 404U);
    EXPECT_EQ(missing.code(), "http.not_found");
    EXPECT_EQ(missing.header("content-type"), "application/problem+json");
    auto wrong = client.request(boost::beast::http::verb::patch, "/api/v1/session", "{}");
    EXPECT_EQ(wrong.status, 405U);
    EXPECT_NE(wrong.header("allow").find("POST"), std::string::npos);
    EXPECT_NE(wrong.header("allow").find("DELETE"), std::string::npos);
    EXPECT_EQ(client.get("/api/v1/me/").status, 404U); // trailing slash is another path
}

TEST_F(GatewayCore, LoginGivesATokenAndAnHttpOnlyCookie)
{
    env.staff_token("staff@ihk.example");
    auto r = client.post(
      "/api/v1/session",
      json_text({ { "login", "Staff@IHK.example" }, { "password", gateway_env::k_password } }));
    ASSERT_EQ(r.status, 200U) << r.body;
    auto token = r.str("token");
    EXPECT_GE(token.size(), 40U);
    auto cookie = r.header("set-cookie");
    EXPECT_NE(cookie.find("portal_session=" + token), std::string::npos);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    auto me = client.get("/api/v1/me", token);
    ASSERT_EQ(me.status, 200U) << me.body;
    EXPECT_EQ(me.str("email"), "staff@ihk.example");
    EXPECT_EQ(me.json().at("roles").at(0).at("role").as_string(), "staff");
    EXPECT_EQ(me.body.find("argon2"), std::string::npos); // no secrets
    auto by_cookie = client.get("/api/v1/me", "", { { "Cookie", "portal_session=" + token } });
    EXPECT_EQ(by_cookie.status, 200U);
    EXPECT_EQ(client.get("/api/v1/me").status, 401U);
    EXPECT_EQ(client.get("/api/v1/me", "not-a-session").status, 401U);
}

TEST_F(GatewayCore, CookieWritesNeedTheRequestedWithHeader)
{
    auto token = env.staff_token();
    auto body = json_text(
      { { "role", "auditor" }, { "name", "Anna Prüfer" }, { "email", "anna@ihk.example" } });
    auto blocked =
      client.post("/api/v1/accounts", body, "", { { "Cookie", "portal_session=" + token } });
    EXPECT_EQ(blocked.status, 403U);
    EXPECT_EQ(blocked.code(), "auth.csrf");
    auto allowed =
      client.post("/api/v1/accounts",
                  body,
                  "",
                  { { "Cookie", "portal_session=" + token }, { "X-Requested-With", "portal" } });
    EXPECT_EQ(allowed.status, 201U) << allowed.body;
    // Bearer tokens are no cookies: no CSRF header needed.
    auto bearer = client.post(
      "/api/v1/accounts",
      json_text({ { "role", "auditor" }, { "name", "Ben" }, { "email", "ben@ihk.example" } }),
      token);
    EXPECT_EQ(bearer.status, 201U) << bearer.body;
}

TEST_F(GatewayCore, WrongPasswordAndUnknownLoginGetTheSameAnswer)
{
    env.staff_token("staff@ihk.example");
    auto wrong = client.post(
      "/api/v1/session",
      json_text({ { "login", "staff@ihk.example" }, { "password", "falsches-passwort" } }));
    auto unknown = client.post(
      "/api/v1/session",
      json_text({ { "login", "niemand@ihk.example" }, { "password", "falsches-passwort" } }));
    EXPECT_EQ(wrong.status, 401U);
    EXPECT_EQ(unknown.status, 401U);
    EXPECT_EQ(wrong.code(), "auth.invalid_credentials");
    EXPECT_EQ(wrong.body, unknown.body);
}

TEST_F(GatewayCore, FiveFailuresLockTheLoginUntilStaffUnlocks)
{
    auto staff = env.staff_token("chef@ihk.example");
    env.staff_token("opfer@ihk.example");
    auto attempt = [&](const std::string& password) {
        return client.post(
          "/api/v1/session",
          json_text({ { "login", "opfer@ihk.example" }, { "password", password } }));
    };
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(attempt("falsch-falsch").status, 401U);
    }
    auto locked = attempt("falsch-falsch");
    EXPECT_EQ(locked.status, 423U) << locked.body;
    EXPECT_EQ(locked.code(), "auth.locked");
    EXPECT_FALSE(locked.str("lockedUntil").empty());
    EXPECT_EQ(attempt(gateway_env::k_password).status, 423U); // even the right one
    auto me = client.get("/api/v1/me", staff);
    auto victim = env.portal().services().account_id_of("opfer@ihk.example");
    auto unlocked = client.post("/api/v1/accounts/" + victim + "/unlock", "{}", staff);
    EXPECT_EQ(unlocked.status, 200U) << unlocked.body;
    EXPECT_EQ(attempt(gateway_env::k_password).status, 200U);
    // The security log shows it all (read-your-writes with the position).
    auto log = client.get("/api/v1/accounts/" + victim + "/security",
                          staff,
                          { { "Portal-Min-Position", unlocked.str("position") } });
    ASSERT_EQ(log.status, 200U) << log.body;
    EXPECT_NE(log.body.find("account.locked"), std::string::npos);
    EXPECT_NE(log.body.find("account.unlocked"), std::string::npos);
}

TEST_F(GatewayCore, StaffSetTheLockoutCountAndGradeTableWhichTheChamberThenFollows)
{
    auto staff = env.staff_token("chef@ihk.example");
    auto other = env.staff_token("opfer@ihk.example");
    auto defaults = client.get("/api/v1/chamber/settings", staff);
    ASSERT_EQ(defaults.status, 200U) << defaults.body;
    EXPECT_EQ(defaults.json().at("maxFailedLogins").as_int64(), 5);
    EXPECT_EQ(defaults.json().at("lockMinutes").as_int64(), 1440);
    EXPECT_EQ(defaults.json().at("gradeTable").as_array().size(), 6U);
    EXPECT_EQ(defaults.json().at("periodKind"), "week");

    // Three failures lock from now on, and a chamber's own grade table.
    auto table = boost::json::array{ object{ { "minPoints", 90 }, { "grade", 1 } },
                                     object{ { "minPoints", 80 }, { "grade", 2 } },
                                     object{ { "minPoints", 65 }, { "grade", 3 } },
                                     object{ { "minPoints", 50 }, { "grade", 4 } },
                                     object{ { "minPoints", 30 }, { "grade", 5 } },
                                     object{ { "minPoints", 0 }, { "grade", 6 } } };
    auto changed = client.put("/api/v1/chamber/settings",
                              json_text({ { "maxFailedLogins", 3 }, { "gradeTable", table } }),
                              staff);
    ASSERT_EQ(changed.status, 200U) << changed.body;
    EXPECT_FALSE(changed.str("position").empty());
    auto now = client.get("/api/v1/chamber/settings", staff);
    ASSERT_EQ(now.status, 200U) << now.body;
    EXPECT_EQ(now.json().at("maxFailedLogins").as_int64(), 3);
    EXPECT_EQ(now.json().at("lockMinutes").as_int64(), 1440);
    EXPECT_EQ(now.json().at("gradeTable"), table);
    auto attempt = [&](const std::string& password) {
        return client.post(
          "/api/v1/session",
          json_text({ { "login", "opfer@ihk.example" }, { "password", password } }));
    };
    EXPECT_EQ(attempt("falsch-falsch").status, 401U);
    EXPECT_EQ(attempt("falsch-falsch").status, 401U);
    auto locked = attempt("falsch-falsch");
    EXPECT_EQ(locked.status, 423U) << locked.body;
    EXPECT_EQ(locked.code(), "auth.locked");

    // A table that skips a grade, an out-of-range count, another role.
    auto bad_table = client.put(
      "/api/v1/chamber/settings",
      json_text({ { "gradeTable",
                    boost::json::array{ object{ { "minPoints", 50 }, { "grade", 1 } },
                                        object{ { "minPoints", 0 }, { "grade", 3 } } } } }),
      staff);
    EXPECT_EQ(bad_table.status, 400U) << bad_table.body;
    EXPECT_EQ(bad_table.code(), "chamber.grade_table_grades");
    auto bad_count =
      client.put("/api/v1/chamber/settings", json_text({ { "maxFailedLogins", 0 } }), staff);
    EXPECT_EQ(bad_count.status, 400U) << bad_count.body;
    EXPECT_EQ(bad_count.code(), "validation.field");
    auto occupation = client.post(
      "/api/v1/chamber/occupations",
      json_text({ { "name", "Koch/Köchin" }, { "periodKind", "day" }, { "durationMonths", 36 } }),
      staff);
    ASSERT_EQ(occupation.status, 200U) << occupation.body;
    auto with_occupation = client.get("/api/v1/chamber/settings", staff);
    ASSERT_EQ(with_occupation.json().at("occupations").as_array().size(), 1U)
      << with_occupation.body;
    EXPECT_EQ(with_occupation.json().at("occupations").as_array()[0].at("periodKind"), "day");

    env.staff_token("dritte@ihk.example");
    auto account = client.post("/api/v1/accounts",
                               json_text({ { "role", "auditor" },
                                           { "name", "Rita Revision" },
                                           { "email", "revision@ihk.example" } }),
                               staff);
    ASSERT_EQ(account.status, 201U) << account.body;
    auto auditor = env.activate_and_login("revision@ihk.example");
    EXPECT_EQ(client.get("/api/v1/chamber/settings", auditor).status, 200U);
    auto by_auditor =
      client.put("/api/v1/chamber/settings", json_text({ { "maxFailedLogins", 9 } }), auditor);
    EXPECT_EQ(by_auditor.status, 403U) << by_auditor.body;
    EXPECT_EQ(client.get("/api/v1/chamber/settings").status, 401U);
    (void)other;
}

TEST_F(GatewayCore, StaffEraseAnAccountsPersonalDataAndItCanNoLongerSignIn)
{
    auto staff = env.staff_token("chef@ihk.example");
    auto created = client.post(
      "/api/v1/accounts",
      json_text(
        { { "role", "examiner" }, { "name", "Erika Prüfer" }, { "email", "pruefer@example.org" } }),
      staff);
    ASSERT_EQ(created.status, 201U) << created.body;
    auto id = created.str("id");
    auto token = env.activate_and_login("pruefer@example.org");
    ASSERT_EQ(client.get("/api/v1/me", token).status, 200U);

    auto by_self =
      client.post("/api/v1/accounts/" + id + "/erase", json_text({ { "reason", "x" } }), token);
    EXPECT_EQ(by_self.status, 403U) << by_self.body;
    auto no_reason = client.post("/api/v1/accounts/" + id + "/erase", "{}", staff);
    EXPECT_EQ(no_reason.status, 400U) << no_reason.body;
    auto unknown = client.post(
      "/api/v1/accounts/acc-nobody/erase", json_text({ { "reason", "Aufbewahrung" } }), staff);
    EXPECT_EQ(unknown.status, 404U) << unknown.body;

    // Every reader of the log sees the account's e-mail and name while it
    // exists (the log stores them sealed under the account's key).
    EXPECT_GT(env.log_mentions("pruefer@example.org"), 0U);
    EXPECT_GT(env.log_mentions("Erika Prüfer"), 0U);

    auto erased = client.post("/api/v1/accounts/" + id + "/erase",
                              json_text({ { "reason", "Aufbewahrungsfrist abgelaufen" } }),
                              staff);
    ASSERT_EQ(erased.status, 200U) << erased.body;
    // Erased in the append-only log as well: its key is gone, no event
    // reads them any more.
    EXPECT_EQ(env.log_mentions("pruefer@example.org"), 0U);
    EXPECT_EQ(env.log_mentions("Erika Prüfer"), 0U);
    // And in the mail files: the invitation's file (address, name) is deleted.
    EXPECT_TRUE(wait_until([&] { return env.mails_to("pruefer@example.org").empty(); }));
    EXPECT_EQ(client.get("/api/v1/me", token).status, 401U);
    auto login = client.post(
      "/api/v1/session",
      json_text({ { "login", "pruefer@example.org" }, { "password", gateway_env::k_password } }));
    EXPECT_EQ(login.status, 401U) << login.body;
    auto state = app::load_account(env.portal().services(), id);
    ASSERT_TRUE(state);
    EXPECT_TRUE(state->state.erased);
    EXPECT_TRUE(state->state.email.empty());
    EXPECT_TRUE(state->state.name.empty());
    auto again = client.post("/api/v1/accounts/" + id + "/erase",
                             json_text({ { "reason", "Aufbewahrungsfrist abgelaufen" } }),
                             staff);
    EXPECT_EQ(again.status, 200U) << again.body;
}

TEST_F(GatewayCore, LoginAttemptsAreRateLimitedPerClientAddress)
{
    unsigned last = 0;
    for (int i = 0; i < 25 && last != 429; ++i) {
        last = client
                 .post("/api/v1/session",
                       json_text({ { "login", "x" + std::to_string(i) + "@example.org" },
                                   { "password", "irgendwas-langes" } }))
                 .status;
    }
    EXPECT_EQ(last, 429U);
    auto limited = client.post("/api/v1/password-reset", json_text({ { "login", "a@b.example" } }));
    EXPECT_EQ(limited.status, 429U);
    EXPECT_EQ(limited.code(), "auth.rate_limited");
    EXPECT_EQ(limited.header("retry-after"), "60");
}

TEST_F(GatewayCore, BadInputGetsFieldErrorsNeverAServerError)
{
    auto token = env.staff_token();
    auto post = [&](const std::string& body) {
        return client.post("/api/v1/accounts", body, token);
    };
    auto not_json = post("{\"role\": ");
    EXPECT_EQ(not_json.status, 400U);
    EXPECT_EQ(not_json.code(), "validation.json");
    EXPECT_EQ(post("[1,2]").status, 400U);
    auto fields = post(json_text({ { "role", "kaiser" },
                                   { "name", std::string(300, 'x') },
                                   { "email", 42 },
                                   { "extra", true } }));
    ASSERT_EQ(fields.status, 400U);
    EXPECT_EQ(fields.code(), "validation.field");
    auto errors = fields.json().at("errors").as_array();
    auto has = [&](std::string_view field, std::string_view code) {
        for (const auto& e : errors) {
            if (e.at("field").as_string() == field && e.at("code").as_string() == code) {
                return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(has("role", "validation.enum")) << fields.body;
    EXPECT_TRUE(has("name", "validation.too_long")) << fields.body;
    EXPECT_TRUE(has("email", "validation.type")) << fields.body;
    EXPECT_TRUE(has("extra", "validation.unknown_field")) << fields.body;
    auto missing = post("{}");
    EXPECT_EQ(missing.status, 400U);
    EXPECT_NE(missing.body.find("validation.required"), std::string::npos);
    auto xml = client.post("/api/v1/accounts", "<a/>", token, { { "Content-Type", "text/xml" } });
    EXPECT_EQ(xml.status, 415U);
    auto deep = post(std::string(100, '[') + std::string(100, ']'));
    EXPECT_EQ(deep.status, 400U);
    auto bad_query = client.get("/api/v1/accounts/x/security?limit=%zz", token);
    EXPECT_EQ(bad_query.status, 400U);
    auto bad_limit = client.get("/api/v1/accounts/x/security?limit=0", token);
    EXPECT_EQ(bad_limit.status, 400U);
    EXPECT_EQ(bad_limit.code(), "validation.limit");
}

TEST_F(GatewayCore, OversizedBodiesAndHeadersAreRefused)
{
    auto token = env.staff_token();
    auto big = client.post("/api/v1/accounts", std::string(2 * 1024 * 1024, ' '), token);
    EXPECT_EQ(big.status, 413U);
    EXPECT_EQ(big.code(), "http.too_large");
    http_client fresh(env.port());
    auto header = fresh.get("/healthz", "", { { "X-Filler", std::string(20 * 1024, 'a') } });
    EXPECT_EQ(header.status, 431U);
    // The server still serves others.
    EXPECT_EQ(client.get("/healthz").status, 200U);
}

TEST_F(GatewayCore, InvitationLinkActivatesTheAccountOnce)
{
    auto staff = env.staff_token();
    auto created = client.post("/api/v1/accounts",
                               json_text({ { "role", "examiner" },
                                           { "name", "Jörg Müller" },
                                           { "email", "joerg@pruefer.example" } }),
                               staff);
    ASSERT_EQ(created.status, 201U) << created.body;
    auto token = env.mail_token("joerg@pruefer.example");
    auto activated =
      client.post("/api/v1/accounts/activate",
                  json_text({ { "token", token }, { "password", "Mein-Neues-Passwort" } }));
    ASSERT_EQ(activated.status, 200U) << activated.body;
    EXPECT_EQ(activated.str("id"), created.str("id"));
    EXPECT_FALSE(env.login_token("joerg@pruefer.example", "Mein-Neues-Passwort").empty());
    auto again =
      client.post("/api/v1/accounts/activate",
                  json_text({ { "token", token }, { "password", "Noch-Ein-Passwort" } }));
    EXPECT_EQ(again.status, 409U) << again.body;
    auto unknown =
      client.post("/api/v1/accounts/activate",
                  json_text({ { "token", "ausgedacht" }, { "password", "Noch-Ein-Passwort" } }));
    EXPECT_EQ(unknown.status, 422U);
    EXPECT_EQ(unknown.code(), "account.invitation_invalid");
    auto short_password = client.post("/api/v1/accounts/activate",
                                      json_text({ { "token", token }, { "password", "kurz" } }));
    EXPECT_EQ(short_password.status, 400U);
}

TEST_F(GatewayCore, AnInvitationLinkWorksAtOnceEvenBeforeTheReadModelsHaveIt)
{
    // The link may be followed the moment the account exists (the mail can
    // arrive before the token's read model has the account): the token is
    // derived here as the mail writer does, and used at once.
    auto staff = env.staff_token();
    auto staff_id = env.portal().services().account_id_of("sachbearbeitung@ihk.example");
    const auto& secrets = env.portal().api().secrets();
    for (int i = 0; i < 20; ++i) {
        auto email = "pruefer" + std::to_string(i) + "@pruefer.example";
        auto key = "invite-" + std::to_string(i);
        auto created = client.post("/api/v1/accounts",
                                   json_text({ { "role", "examiner" },
                                               { "name", "Prüfer " + std::to_string(i) },
                                               { "email", email } }),
                                   staff,
                                   { { "Idempotency-Key", key } });
        ASSERT_EQ(created.status, 201U) << created.body;
        auto token = secrets.token(app::k_invitation_purpose, "http:" + staff_id + ":" + key);
        auto activated =
          client.post("/api/v1/accounts/activate",
                      json_text({ { "token", token }, { "password", "Mein-Neues-Passwort" } }));
        EXPECT_EQ(activated.status, 200U) << i << ": " << activated.body;
    }
}

TEST_F(GatewayCore, PasswordResetIsAlwaysAcceptedAndTheMailedLinkWorksOnce)
{
    env.staff_token("vergesslich@ihk.example");
    auto unknown =
      client.post("/api/v1/password-reset", json_text({ { "login", "wer@nicht.da" } }));
    EXPECT_EQ(unknown.status, 202U);
    auto known =
      client.post("/api/v1/password-reset", json_text({ { "login", "vergesslich@ihk.example" } }));
    EXPECT_EQ(known.status, 202U);
    EXPECT_EQ(known.body, unknown.body);
    auto token = env.mail_link_token("vergesslich@ihk.example", "/password-reset");
    auto confirmed =
      client.post("/api/v1/password-reset/confirm",
                  json_text({ { "token", token }, { "password", "Ganz-Neues-Passwort" } }));
    ASSERT_EQ(confirmed.status, 200U) << confirmed.body;
    EXPECT_FALSE(env.login_token("vergesslich@ihk.example", "Ganz-Neues-Passwort").empty());
    auto old = client.post("/api/v1/session",
                           json_text({ { "login", "vergesslich@ihk.example" },
                                       { "password", gateway_env::k_password } }));
    EXPECT_EQ(old.status, 401U);
    auto reused =
      client.post("/api/v1/password-reset/confirm",
                  json_text({ { "token", token }, { "password", "Drittes-Passwort-1" } }));
    EXPECT_EQ(reused.status, 422U) << reused.body;
}

TEST_F(GatewayCore, LogoutEndsTheSession)
{
    auto token = env.staff_token();
    auto out = client.del("/api/v1/session", token);
    EXPECT_EQ(out.status, 204U);
    EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(client.get("/api/v1/me", token).status, 401U);
}

/// The committed session of `token` in the sessions read model.
std::optional<projections::stored_session>
stored_session_of(gateway_env& env, const std::string& token)
{
    auto found = projections::session_of(env.portal().store(), infra::token_hash(token));
    EXPECT_TRUE(found.has_value()) << (found ? "" : found.error().message);
    return found ? *found : std::nullopt;
}

/// Waits until every read model has the log's last event.
void
settle(gateway_env& env)
{
    auto head = env.portal().log().last_position();
    for (const auto* r : env.portal().api().runners()) {
        auto waited = r->wait_for(head, std::chrono::seconds{ 10 });
        EXPECT_TRUE(waited.has_value()) << r->name();
    }
}

TEST_F(GatewayCore, ASessionIsAnEventOfTheLoginAndItsLogoutAnother)
{
    auto token = env.staff_token();
    // At once, without waiting for the read model (Portal-Min-Position).
    EXPECT_EQ(client.get("/api/v1/me", token).status, 200U);
    auto me = env.portal().services().account_id_of("sachbearbeitung@ihk.example");
    settle(env);
    auto stored = stored_session_of(env, token);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->account_id, me);
    EXPECT_EQ(stored->method, "password");
    EXPECT_EQ(stored->expires, env.now() + std::chrono::hours{ 12 });
    // The token itself is nowhere in the log: the event has its hash.
    auto events = env.portal().log().read_stream("account-" + me, 1, 100);
    ASSERT_TRUE(events.has_value());
    bool has_hash = false;
    for (const auto& e : *events) {
        EXPECT_EQ(e.envelope_bytes.find(token), std::string::npos);
        has_hash = has_hash || e.envelope_bytes.find(infra::token_hash(token)) != std::string::npos;
    }
    EXPECT_TRUE(has_hash);

    EXPECT_EQ(client.del("/api/v1/session", token).status, 204U);
    EXPECT_EQ(client.get("/api/v1/me", token).status, 401U);
    settle(env);
    EXPECT_FALSE(stored_session_of(env, token).has_value());
    auto other = env.staff_token();
    auto log = client.get("/api/v1/accounts/" + me + "/security", other);
    ASSERT_EQ(log.status, 200U);
    EXPECT_NE(log.body.find("account.session_ended"), std::string::npos) << log.body;
    EXPECT_EQ(log.body.find("sessionHash"), std::string::npos) << log.body;
}

TEST_F(GatewayCore, ASessionEndedByAnotherInstanceIsRefusedOnceProjected)
{
    auto token = env.staff_token();
    ASSERT_EQ(client.get("/api/v1/me", token).status, 200U); // cached now
    settle(env);
    ASSERT_EQ(client.get("/api/v1/me", token).status, 200U);
    // Another instance's logout: the event only, nothing of this
    // instance's cache is told.
    auto me = env.portal().services().account_id_of("sachbearbeitung@ihk.example");
    domain::command_meta meta;
    meta.actor = { me, events::role::staff, "" };
    meta.now = env.now();
    meta.command_id = "elsewhere-logout";
    auto ended =
      app::end_session(env.portal().services(), meta, me, { infra::token_hash(token), "logout" });
    ASSERT_TRUE(ended.has_value()) << ended.error().message;
    EXPECT_TRUE(wait_until([&] { return client.get("/api/v1/me", token).status == 401U; },
                           std::chrono::seconds{ 5 }));
}

TEST_F(GatewayCore, APasswordResetEndsEverySessionOfTheAccount)
{
    auto token = env.staff_token();
    ASSERT_EQ(client.get("/api/v1/me", token).status, 200U);
    auto reset = client.post("/api/v1/password-reset",
                             json_text({ { "login", "sachbearbeitung@ihk.example" } }));
    ASSERT_EQ(reset.status, 202U) << reset.body;
    auto link = env.mail_link_token("sachbearbeitung@ihk.example", "/password-reset");
    auto confirmed =
      client.post("/api/v1/password-reset/confirm",
                  json_text({ { "token", link }, { "password", "Ein-neues-Passwort-1" } }));
    ASSERT_EQ(confirmed.status, 200U) << confirmed.body;
    EXPECT_TRUE(wait_until([&] { return client.get("/api/v1/me", token).status == 401U; },
                           std::chrono::seconds{ 5 }));
    auto fresh = env.login_token("sachbearbeitung@ihk.example", "Ein-neues-Passwort-1");
    EXPECT_EQ(client.get("/api/v1/me", fresh).status, 200U);
}

TEST_F(GatewayCore, APasswordChangeEndsTheOtherSessionsAndKeepsItsOwn)
{
    auto other = env.staff_token();
    auto own = env.staff_token();
    ASSERT_EQ(client.get("/api/v1/me", other).status, 200U); // cached now
    settle(env);
    const std::map<std::string, std::string> cookie{ { "Cookie", "portal_session=" + own },
                                                     { "X-Requested-With", "portal" } };
    auto wrong = client.put("/api/v1/me/password",
                            json_text({ { "currentPassword", "nicht-das-Passwort" },
                                        { "password", "Ein-neues-Passwort-2" } }),
                            "",
                            cookie);
    EXPECT_EQ(wrong.code(), "account.wrong_password") << wrong.body;
    EXPECT_EQ(client.get("/api/v1/me", other).status, 200U);

    auto changed = client.put("/api/v1/me/password",
                              json_text({ { "currentPassword", gateway_env::k_password },
                                          { "password", "Ein-neues-Passwort-2" } }),
                              "",
                              cookie);
    ASSERT_EQ(changed.status, 200U) << changed.body;
    // From the answer on: the other session is refused, this one stays.
    EXPECT_EQ(client.get("/api/v1/me", other).status, 401U);
    EXPECT_EQ(client.get("/api/v1/me", "", cookie).status, 200U);
    EXPECT_EQ(client.get("/api/v1/me", own).status, 200U);
    auto old = client.post("/api/v1/session",
                           json_text({ { "login", "sachbearbeitung@ihk.example" },
                                       { "password", gateway_env::k_password } }));
    EXPECT_EQ(old.status, 401U);
    EXPECT_FALSE(env.login_token("sachbearbeitung@ihk.example", "Ein-neues-Passwort-2").empty());
}

TEST_F(GatewayCore, SessionsExpire)
{
    auto token = env.staff_token();
    EXPECT_EQ(client.get("/api/v1/me", token).status, 200U);
    env.advance(std::chrono::hours{ 13 });
    EXPECT_EQ(client.get("/api/v1/me", token).status, 401U);
}

TEST_F(GatewayCore, IdempotencyKeyReturnsTheFirstResult)
{
    auto token = env.staff_token();
    auto body =
      json_text({ { "role", "auditor" }, { "name", "Clara" }, { "email", "clara@ihk.example" } });
    auto first = client.post("/api/v1/accounts", body, token, { { "Idempotency-Key", "k-1" } });
    auto second = client.post("/api/v1/accounts", body, token, { { "Idempotency-Key", "k-1" } });
    ASSERT_EQ(first.status, 201U) << first.body;
    EXPECT_EQ(second.status, 201U) << second.body;
    EXPECT_EQ(first.str("position"), second.str("position"));
    auto third = client.post("/api/v1/accounts", body, token, { { "Idempotency-Key", "k-2" } });
    EXPECT_EQ(third.status, 409U);
    EXPECT_EQ(third.code(), "account.already_exists");
}

TEST_F(GatewayCore, ReadsWaitForTheGivenPosition)
{
    auto token = env.staff_token();
    auto me = env.portal().services().account_id_of("sachbearbeitung@ihk.example");
    auto head = std::to_string(env.portal().log().last_position().value);
    auto log = client.get(
      "/api/v1/accounts/" + me + "/security", token, { { "Portal-Min-Position", head } });
    EXPECT_EQ(log.status, 200U);
    EXPECT_NE(log.body.find("account.login_succeeded"), std::string::npos) << log.body;
    auto bad = client.get(
      "/api/v1/accounts/" + me + "/security", token, { { "Portal-Min-Position", "soon" } });
    EXPECT_EQ(bad.status, 400U);
    EXPECT_EQ(bad.code(), "validation.position");
    auto future = client.get(
      "/api/v1/accounts/" + me + "/security", token, { { "Portal-Min-Position", "999999" } });
    EXPECT_EQ(future.status, 400U);
    EXPECT_EQ(future.code(), "validation.position");
    // Partition offsets are Kafka's tokens: the embedded log has none.
    auto offsets = client.get(
      "/api/v1/accounts/" + me + "/security", token, { { "Portal-Min-Position", "0:1" } });
    EXPECT_EQ(offsets.status, 400U);
    EXPECT_EQ(offsets.code(), "validation.position");
    // A write's token on the embedded log stays its position, a decimal.
    auto written = client.post(
      "/api/v1/accounts",
      json_text(
        { { "role", "auditor" }, { "name", "Prüferin" }, { "email", "token@firma.example" } }),
      token);
    ASSERT_EQ(written.status, 201U) << written.body;
    auto position = written.str("position");
    ASSERT_FALSE(position.empty());
    EXPECT_TRUE(
      std::all_of(position.begin(), position.end(), [](char c) { return c >= '0' && c <= '9'; }))
      << position;
    EXPECT_LE(std::stoull(position), env.portal().log().last_position().value);
    EXPECT_EQ(written.header("portal-position"), written.str("position"));
}

TEST_F(GatewayCore, StreamEventsHideCredentialHashes)
{
    auto staff = env.staff_token();
    auto id = env.portal().services().account_id_of("sachbearbeitung@ihk.example");
    auto changed = client.put("/api/v1/me/password",
                              json_text({ { "currentPassword", gateway_env::k_password },
                                          { "password", "Ein-neues-Passwort-3" } }),
                              staff);
    ASSERT_EQ(changed.status, 200U) << changed.body;
    auto events = client.get("/api/v1/streams/account-" + id + "/events", staff);
    ASSERT_EQ(events.status, 200U) << events.body;
    EXPECT_NE(events.body.find("account.activated"), std::string::npos);
    EXPECT_NE(events.body.find("account.password_changed"), std::string::npos);
    EXPECT_EQ(events.body.find("$argon2"), std::string::npos) << events.body;
    // Session hashes (of the login and of the session kept by the change).
    EXPECT_EQ(events.body.find(infra::to_hex(infra::token_hash(staff))), std::string::npos)
      << events.body;
}

TEST_F(GatewayCore, EventStreamDeliversServerSentEventsAndResumes)
{
    auto staff = env.staff_token();
    boost::asio::io_context ioc;
    auto socket = connect(ioc, env.port());
    std::string request = "GET /api/v1/events/stream?from=0 HTTP/1.1\r\nHost: x\r\n"
                          "Authorization: Bearer " +
                          staff + "\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request));
    auto text = read_until(
      socket, [](const std::string& t) { return t.find("id: 3\n") != std::string::npos; });
    EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
    EXPECT_NE(text.find("text/event-stream"), std::string::npos);
    EXPECT_NE(text.find("id: 1\nevent: account.created\ndata: {"), std::string::npos) << text;
    // New events arrive live.
    auto created = client.post(
      "/api/v1/accounts",
      json_text({ { "role", "auditor" }, { "name", "Live" }, { "email", "live@ihk.example" } }),
      staff);
    ASSERT_EQ(created.status, 201U);
    auto position = created.str("position");
    auto live = read_until(socket, [&](const std::string& t) {
        return t.find("id: " + position + "\n") != std::string::npos;
    });
    EXPECT_NE(live.find("id: " + position + "\n"), std::string::npos) << live;
    socket.close();
    // Resuming with Last-Event-ID starts after it.
    auto again = connect(ioc, env.port());
    std::string resume = "GET /api/v1/events/stream HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 3\r\n"
                         "Authorization: Bearer " +
                         staff + "\r\n\r\n";
    boost::asio::write(again, boost::asio::buffer(resume));
    auto resumed = read_until(
      again, [](const std::string& t) { return t.find("id: 4\n") != std::string::npos; });
    EXPECT_EQ(resumed.find("id: 3\n"), std::string::npos);
    EXPECT_NE(resumed.find("id: 4\n"), std::string::npos) << resumed;
}

TEST_F(GatewayCore, EventStreamIsForAuditorsAndStaffOnly)
{
    auto staff = env.staff_token();
    auto r = client.post(
      "/api/v1/accounts",
      json_text({ { "role", "examiner" }, { "name", "Erika" }, { "email", "erika@ihk.example" } }),
      staff);
    ASSERT_EQ(r.status, 201U);
    auto examiner = env.activate_and_login("erika@ihk.example");
    auto denied = client.get("/api/v1/events/stream", examiner);
    EXPECT_EQ(denied.status, 403U);
    EXPECT_EQ(denied.code(), "auth.role");
}

class GatewayLimits : public ::testing::Test
{
  protected:
    static cli::instance_options short_timeouts()
    {
        cli::instance_options o;
        o.server.request_timeout = std::chrono::milliseconds{ 300 };
        o.server.idle_timeout = std::chrono::milliseconds{ 300 };
        o.server.max_connections = 4;
        return o;
    }
    gateway_env env{ std::nullopt, short_timeouts() };
};

TEST_F(GatewayLimits, SlowClientsAreCutOff)
{
    boost::asio::io_context ioc;
    auto socket = connect(ioc, env.port());
    std::string partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n"; // never finished
    boost::asio::write(socket, boost::asio::buffer(partial));
    auto text = read_until(
      socket, [](const std::string& t) { return t.find("<closed>") != std::string::npos; });
    EXPECT_NE(text.find("<closed>"), std::string::npos);
    EXPECT_EQ(env.client().get("/healthz").status, 200U);
}

TEST_F(GatewayLimits, ConnectionsBeyondTheLimitAreClosed)
{
    boost::asio::io_context ioc;
    std::vector<boost::asio::ip::tcp::socket> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(connect(ioc, env.port()));
        std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        boost::asio::write(held.back(), boost::asio::buffer(req));
        auto answer = read_until(
          held.back(), [](const std::string& t) { return t.find("ok\n") != std::string::npos; });
        ASSERT_NE(answer.find("200 OK"), std::string::npos) << i;
    }
    auto extra = connect(ioc, env.port());
    auto text = read_until(
      extra, [](const std::string& t) { return t.find("<closed>") != std::string::npos; });
    EXPECT_NE(text.find("<closed>"), std::string::npos);
}

TEST_F(GatewayLimits, PipelinedRequestsAreAnsweredInOrder)
{
    boost::asio::io_context ioc;
    auto socket = connect(ioc, env.port());
    std::string both = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
                       "GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(both));
    auto text = read_until(socket, [](const std::string& t) {
        return t.find("X-Request-Id: second") != std::string::npos &&
               t.find("http.not_found") != std::string::npos;
    });
    auto first = text.find("X-Request-Id: first");
    auto second = text.find("X-Request-Id: second");
    ASSERT_NE(first, std::string::npos) << text;
    ASSERT_NE(second, std::string::npos) << text;
    EXPECT_LT(first, second);
}

} // namespace
} // namespace portal::testing
