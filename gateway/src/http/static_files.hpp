#pragma once

/// The built web front end (`web/dist`) as static files: `GET`/`HEAD` of
/// every path outside `/api/` and the operation paths (`/healthz`,
/// `/readyz`, `/metrics`). A path that names no file and has no file
/// extension gets `index.html` (the single-page app routes it on the
/// client: `/activate?token=...`, `/reports/<id>`); a missing file with an
/// extension is 404. Paths with `..`, `.` or backslash segments, NUL or bad
/// percent escapes are refused (400) and a file that resolves outside the
/// root (a symlink) is 404. Files under `/assets/` carry content hashes in
/// their names (Vite) and are cached for a year; everything else is
/// revalidated (`no-cache`).
///
/// Not an API route: the router and docs/openapi.yaml do not know these
/// paths. Thread safety: `serve` may be called from any thread (it only
/// reads files).

#include "http/http.hpp"

#include <filesystem>
#include <string_view>

namespace portal::gateway {

class static_files
{
  public:
    /// Serves the files below `root` (which should hold `index.html`).
    explicit static_files(const std::filesystem::path& root);

    /// Whether a request is for the front end rather than the API: `GET` or
    /// `HEAD`, path outside `/api/` and not an operation path.
    static bool claims(const request& req);

    /// The file's response (200, 400, 404); never throws.
    response serve(const request& req) const;

    /// The content type of a file name by its extension
    /// (`application/octet-stream` when unknown).
    static std::string_view content_type(std::string_view file_name);

  private:
    std::filesystem::path root_;
};

} // namespace portal::gateway
