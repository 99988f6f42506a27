// The web front end's static files served by the gateway over a real
// socket: content types, cache headers, the index.html fallback for
// client-side routes (mail links), refused traversal, and the API and
// operation paths unaffected.

#include "gateway_env.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace portal::testing {
namespace {

void
write_file(const std::filesystem::path& p, const std::string& text)
{
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

const std::string k_index = "<!doctype html><title>Ausbildungsportal</title>";

/// A web root with an app, a hashed asset and a secret next to it.
struct web_files
{
    temp_dir dir;
    std::filesystem::path root = dir.path() / "dist";

    web_files()
    {
        write_file(root / "index.html", k_index);
        write_file(root / "assets" / "index-Ab12Cd34.js", "console.log('portal');");
        write_file(root / "assets" / "index-Ab12Cd34.css", "body{}");
        write_file(root / "favicon.svg", "<svg/>");
        write_file(dir.path() / "secret.txt", "geheim");
        std::filesystem::create_symlink(dir.path() / "secret.txt", root / "escape.txt");
    }
};

cli::instance_options
with_web_root(const std::filesystem::path& root)
{
    cli::instance_options o;
    o.server.web_root = root;
    return o;
}

class GatewayStatic : public ::testing::Test
{
  protected:
    web_files files;
    gateway_env env{ std::nullopt, with_web_root(files.root) };
    http_client& client = env.client();
};

TEST_F(GatewayStatic, TheRootServesIndexHtmlRevalidated)
{
    auto r = client.get("/");
    EXPECT_EQ(r.status, 200U);
    EXPECT_EQ(r.body, k_index);
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("cache-control"), "no-cache");
}

TEST_F(GatewayStatic, HashedAssetsHaveTheirContentTypeAndAreCachedForAYear)
{
    auto js = client.get("/assets/index-Ab12Cd34.js");
    EXPECT_EQ(js.status, 200U);
    EXPECT_EQ(js.body, "console.log('portal');");
    EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
    auto css = client.get("/assets/index-Ab12Cd34.css");
    EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
    auto svg = client.get("/favicon.svg");
    EXPECT_EQ(svg.status, 200U);
    EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
    EXPECT_EQ(svg.header("cache-control"), "no-cache");
}

TEST_F(GatewayStatic, ClientRoutesAndMailLinksGetTheApp)
{
    for (const auto* path :
         { "/activate?token=abc", "/pin-login", "/reports/x-2026-W47", "/login" }) {
        auto r = client.get(path);
        EXPECT_EQ(r.status, 200U) << path;
        EXPECT_EQ(r.body, k_index) << path;
        EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8") << path;
    }
}

TEST_F(GatewayStatic, MissingFilesWithAnExtensionAre404)
{
    EXPECT_EQ(client.get("/assets/missing-123.js").status, 404U);
    EXPECT_EQ(client.get("/robots.txt").status, 404U);
}

TEST_F(GatewayStatic, HeadAnswersWithoutABody)
{
    namespace http = boost::beast::http;
    boost::asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.connect({ boost::asio::ip::make_address("127.0.0.1"), env.port() });
    http::request<http::empty_body> req{ http::verb::head, "/assets/index-Ab12Cd34.js", 11 };
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.skip(true); // a response to HEAD has no body
    http::read(stream, buffer, parser);
    auto res = parser.release();
    EXPECT_EQ(res.result_int(), 200U);
    EXPECT_EQ(res[http::field::content_length], "22");
    EXPECT_EQ(res[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_TRUE(res.body().empty());
    // Nothing follows the head: the next request on the connection works.
    http::request<http::empty_body> next{ http::verb::get, "/favicon.svg", 11 };
    next.set(http::field::host, "127.0.0.1");
    http::write(stream, next);
    http::response<http::string_body> svg;
    http::read(stream, buffer, svg);
    EXPECT_EQ(svg.body(), "<svg/>");
}

TEST_F(GatewayStatic, TraversalIsRefused)
{
    for (const auto* path : { "/../secret.txt",
                              "/%2e%2e/secret.txt",
                              "/assets/%2E%2E/%2E%2E/secret.txt",
                              "/assets/..%2f..%2fsecret.txt",
                              "/..\\secret.txt",
                              "/%00index.html",
                              "/bad%zzescape" }) {
        auto r = client.get(path);
        EXPECT_TRUE(r.status == 400U || r.status == 404U) << path << ": " << r.status;
        EXPECT_EQ(r.body.find("geheim"), std::string::npos) << path;
    }
    // A symlink that leads out of the root is not followed.
    auto link = client.get("/escape.txt");
    EXPECT_EQ(link.status, 404U);
    EXPECT_EQ(link.body.find("geheim"), std::string::npos);
}

TEST_F(GatewayStatic, TheApiAndOperationPathsAreUnaffected)
{
    auto me = client.get("/api/v1/me");
    EXPECT_EQ(me.status, 401U);
    EXPECT_EQ(me.code(), "auth.unauthenticated");
    auto unknown = client.get("/api/v1/no-such-thing");
    EXPECT_EQ(unknown.status, 404U);
    EXPECT_EQ(unknown.header("content-type"), "application/problem+json");
    EXPECT_EQ(client.get("/api").status, 404U);
    EXPECT_EQ(client.get("/api").header("content-type"), "application/problem+json");
    EXPECT_EQ(client.get("/healthz").status, 200U);
    EXPECT_NE(client.get("/metrics").body.find("# TYPE"), std::string::npos);
    // Writes to front-end paths are not files: the API answers.
    auto post = client.post("/activate", "{}");
    EXPECT_EQ(post.status, 404U);
    EXPECT_EQ(post.header("content-type"), "application/problem+json");
}

TEST(GatewayWithoutWebRoot, ServesNoFiles)
{
    gateway_env env;
    auto r = env.client().get("/");
    EXPECT_EQ(r.status, 404U);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
}

} // namespace
} // namespace portal::testing
