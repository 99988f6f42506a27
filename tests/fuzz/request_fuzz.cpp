// libFuzzer target: request parsing and JSON mapping of the gateway.
//
// The input is a raw HTTP/1.1 request. It goes through Beast's
// request_parser with the server's limits (server.hpp), then through what
// api::handle does before a handler runs (path/query split, router match,
// parse_query) and what handlers do with a body (input::parse with the
// declared content type, the field readers of json_input.hpp, finish()).
// The body is also read as JSON text on its own, so JSON mutations need no
// valid request head. Sanitizers (address, undefined) turn any memory or
// UB error into a crash; the asserts below check a few invariants.
//
// Built and run by scripts/fuzz (clang, -fsanitize=fuzzer).

#include "http/http.hpp"
#include "http/json_input.hpp"
#include "http/router.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace portal::gateway;

void
check(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "request_fuzz: invariant violated: %s\n", what);
        std::abort();
    }
}

/// Route shapes of the API (literal segments, one or two parameters).
const router&
routes()
{
    static const router r = [] {
        router t;
        const char* patterns[] = {
            "/api/v1/session",
            "/api/v1/me",
            "/api/v1/accounts/{id}/unlock",
            "/api/v1/contracts/{id}/reports",
            "/api/v1/reports/{id}",
            "/api/v1/reports/approve",
            "/api/v1/companies/{id}/trainers/{trainerId}/account",
            "/api/v1/companies/{id}/exams/{examId}/results",
            "/api/v1/exams/{id}/registrations/{regId}/result",
            "/api/v1/streams/{stream}/events",
            "/healthz",
        };
        for (const char* p : patterns) {
            t.add(http::verb::get, p, access::authenticated, {});
            t.add(http::verb::post, p, access::authenticated, {});
        }
        t.add(http::verb::delete_, "/api/v1/session", access::authenticated, {});
        return t;
    }();
    return r;
}

bool
is_problem(const response& res, unsigned status)
{
    return res.result_int() == status &&
           res[http::field::content_type] == "application/problem+json" &&
           boost::json::parse(res.body()).is_object();
}

/// Reads a number when the input class has the reader (added with the
/// records routes).
template<class In>
void
read_number(In& in, std::string_view name)
{
    if constexpr (requires { in.number(name, optional, 0.0, 1000.0); }) {
        if (auto n = in.number(name, optional, 0.0, 1000.0)) {
            check(*n >= 0.0 && *n <= 1000.0, "number in range");
        }
    }
}

/// Every reader, as handlers use them, on a parsed body.
void
read_fields(input& in)
{
    auto login = in.text("login", optional, 254);
    if (login) {
        check(login->size() <= 254 * 4, "text length bound");
    }
    (void)in.text("name", required);
    (void)in.long_text("remarks", optional);
    (void)in.one_of("role", optional, { "staff", "auditor", "examiner" });
    if (auto e = in.email("email", optional); e && !e->empty()) {
        check(e->find('@') != std::string::npos, "email has @");
    }
    if (auto d = in.integer("days", optional, 14, 200)) {
        check(*d >= 14 && *d <= 200, "integer in range");
    }
    (void)in.boolean("consent", optional);
    (void)in.day("date", optional);
    (void)in.time("asOf", optional);
    read_number(in, "hours");
    (void)in.texts("reportIds", optional, 0, 300);
    if (auto p = in.object("period", optional)) {
        (void)p->one_of("kind", required, { "week", "day" });
        (void)p->integer("year", optional, 1900, 9999);
        (void)p->integer("week", optional, 1, 53);
        (void)p->day("date", optional);
    }
    if (auto list = in.objects("entries", optional)) {
        for (auto& e : *list) {
            (void)e.one_of("kind", required, { "company", "instruction", "school" });
            (void)e.long_text("text", required);
            read_number(e, "hours");
            (void)e.day("day", optional);
            (void)e.texts("frameworkItems", optional);
            if (auto nested = e.object("nested", optional)) {
                (void)nested->text("x", optional);
            }
        }
    }
    if (in.has("address")) {
        in.reject("address", "validation.custom");
    }
    (void)in.path("x");
    auto bad = in.finish();
    if (bad) {
        check(is_problem(*bad, 400), "finish gives a 400 problem");
    } else {
        check(in.errors().empty(), "no problem without errors");
    }
}

void
map_body_text(std::string_view text)
{
    auto in = input::parse_text(text);
    if (!in) {
        check(is_problem(in.error(), 400), "bad JSON gives a 400 problem");
        return;
    }
    read_fields(*in);
}

void
handle_request(const request& req)
{
    auto target = std::string_view(req.target());
    auto q = target.find('?');
    auto path = target.substr(0, q);
    auto m = routes().match(req.method(), path);
    if (m.matched != nullptr) {
        std::size_t expected = 0;
        for (const auto& s : m.matched->segments) {
            expected += s.size() > 2 && s.front() == '{' ? 1 : 0;
        }
        check(m.params.size() == expected, "one value per path parameter");
        for (const auto& [name, value] : m.params) {
            check(!value.empty(), "path parameters are not empty");
        }
    }
    auto query =
      parse_query(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1));
    (void)percent_decode(path, false);
    auto in = input::parse(req);
    if (!in) {
        auto status = in.error().result_int();
        check(status == 400 || status == 415, "body errors are 400 or 415");
        check(is_problem(in.error(), status), "body errors are problems");
        return;
    }
    read_fields(*in);
    if (query) {
        for (const auto& [k, v] : *query) {
            (void)status_of(portal::error{ k, v, portal::error_class::rejected });
        }
    }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view bytes(reinterpret_cast<const char*>(data), size);

    // The body alone, as JSON text (everything after the first blank line
    // when there is one, else the whole input).
    auto blank = bytes.find("\r\n\r\n");
    map_body_text(blank == std::string_view::npos ? bytes : bytes.substr(blank + 4));

    // The whole request, with the server's limits.
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (used < bytes.size() && !parser.is_done()) {
        auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
        if (ec == http::error::need_more) {
            ec = {};
            break;
        }
        if (ec || n == 0) {
            break;
        }
        used += n;
    }
    if (!ec && parser.is_header_done() && !parser.is_done()) {
        parser.put_eof(ec);
    }
    if (ec || !parser.is_done()) {
        return 0;
    }
    handle_request(parser.get());
    return 0;
}
