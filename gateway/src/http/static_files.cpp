#include "http/static_files.hpp"

#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

namespace portal::gateway {

namespace {

/// The operation paths the API answers outside `/api/`.
constexpr std::array<std::string_view, 3> k_operation_paths{ "/healthz", "/readyz", "/metrics" };

/// Percent-decodes a path; nullopt on a bad escape or a NUL byte.
std::optional<std::string>
decode_path(std::string_view path)
{
    auto out = percent_decode(path, false);
    if (!out || out->find('\0') != std::string::npos) {
        return std::nullopt;
    }
    return out;
}

/// The path's segments below the root; nullopt when one of them would
/// leave it or is not a plain name (`..`, `.`, backslashes).
std::optional<std::filesystem::path>
relative_path(std::string_view decoded)
{
    std::filesystem::path out;
    std::size_t start = 1; // after the leading '/'
    while (start <= decoded.size()) {
        auto end = decoded.find('/', start);
        if (end == std::string_view::npos) {
            end = decoded.size();
        }
        auto segment = decoded.substr(start, end - start);
        if (segment == ".." || segment == "." || segment.find('\\') != std::string_view::npos) {
            return std::nullopt;
        }
        if (!segment.empty()) {
            out /= std::string(segment);
        }
        start = end + 1;
    }
    return out;
}

bool
inside(const std::filesystem::path& root, const std::filesystem::path& file)
{
    auto r = root.begin();
    auto f = file.begin();
    for (; r != root.end(); ++r, ++f) {
        if (f == file.end() || *r != *f) {
            return false;
        }
    }
    return true;
}

std::optional<std::string>
read_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return std::nullopt;
    }
    return std::move(text).str();
}

response
plain(http::status status, std::string_view text, unsigned version, bool head)
{
    response res{ status, version };
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = head ? std::string{} : std::string(text);
    res.content_length(text.size());
    return res;
}

} // namespace

static_files::static_files(const std::filesystem::path& root)
{
    std::error_code ec;
    root_ = std::filesystem::weakly_canonical(root, ec);
    if (ec) {
        root_ = root.lexically_normal();
    }
}

bool
static_files::claims(const request& req)
{
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return false;
    }
    auto target = std::string_view(req.target());
    auto path = target.substr(0, target.find('?'));
    if (path.empty() || path.front() != '/' || path == "/api" || path.starts_with("/api/")) {
        return false;
    }
    return std::find(k_operation_paths.begin(), k_operation_paths.end(), path) ==
           k_operation_paths.end();
}

std::string_view
static_files::content_type(std::string_view file_name)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> types{ {
      { ".html", "text/html; charset=utf-8" },
      { ".js", "text/javascript; charset=utf-8" },
      { ".mjs", "text/javascript; charset=utf-8" },
      { ".css", "text/css; charset=utf-8" },
      { ".json", "application/json" },
      { ".webmanifest", "application/manifest+json" },
      { ".map", "application/json" },
      { ".svg", "image/svg+xml" },
      { ".png", "image/png" },
      { ".jpg", "image/jpeg" },
      { ".jpeg", "image/jpeg" },
      { ".gif", "image/gif" },
      { ".ico", "image/x-icon" },
      { ".webp", "image/webp" },
      { ".woff2", "font/woff2" },
      { ".woff", "font/woff" },
      { ".txt", "text/plain; charset=utf-8" },
    } };
    auto dot = file_name.rfind('.');
    if (dot != std::string_view::npos) {
        std::string ext(file_name.substr(dot));
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
            return static_cast<char>(std::tolower(c));
        });
        for (const auto& [e, type] : types) {
            if (e == ext) {
                return type;
            }
        }
    }
    return "application/octet-stream";
}

response
static_files::serve(const request& req) const
{
    bool head = req.method() == http::verb::head;
    auto version = req.version();
    auto target = std::string_view(req.target());
    auto decoded = decode_path(target.substr(0, target.find('?')));
    if (!decoded || decoded->empty() || decoded->front() != '/') {
        return plain(http::status::bad_request, "Ungültiger Pfad.\n", version, head);
    }
    auto relative = relative_path(*decoded);
    if (!relative) {
        return plain(http::status::bad_request, "Ungültiger Pfad.\n", version, head);
    }
    std::error_code ec;
    auto wanted = root_ / *relative;
    bool is_asset = decoded->starts_with("/assets/");
    if (decoded->back() == '/' || relative->empty()) {
        wanted /= "index.html";
    }
    if (!std::filesystem::is_regular_file(wanted, ec)) {
        // A client-side route (no extension) gets the app; a missing file
        // is missing.
        auto name = relative->filename().string();
        if (is_asset || name.find('.') != std::string::npos) {
            return plain(http::status::not_found, "Nicht gefunden.\n", version, head);
        }
        wanted = root_ / "index.html";
        is_asset = false;
    }
    auto resolved = std::filesystem::canonical(wanted, ec);
    if (ec || !inside(root_, resolved) || !std::filesystem::is_regular_file(resolved, ec)) {
        return plain(http::status::not_found, "Nicht gefunden.\n", version, head);
    }
    auto body = read_file(resolved);
    if (!body) {
        return plain(http::status::not_found, "Nicht gefunden.\n", version, head);
    }
    response res{ http::status::ok, version };
    res.set(http::field::content_type, content_type(resolved.filename().string()));
    res.set(http::field::cache_control,
            is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.content_length(body->size());
    if (!head) {
        res.body() = std::move(*body);
    }
    return res;
}

} // namespace portal::gateway
