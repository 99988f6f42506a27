#pragma once

/// The HTTP/1.1 server: Boost.Beast on Asio, one I/O thread per core, each
/// with its own `io_context` (a connection stays on one), and a pool of worker threads that run
/// `api::handle` for writes and for reads that wait for a position (a command waits for the log's
/// WAL sync; the I/O threads never wait for one). Plain reads are answered on the I/O thread.
///
/// Per connection (a session): keep-alive; pipelined requests are answered
/// in order (one at a time); limits on the header size (431), the body size
/// (413, checked from Content-Length before the body is read and while
/// reading a chunked one), the time to receive a request once its first
/// byte arrived (`request_timeout`), the idle time between requests and the
/// time a client may take to read a response (`io_timeout`): slow clients
/// are cut off. Beyond `max_connections` new connections are closed at
/// once. Server-Sent Events (`reply::stream`) are written as the client
/// takes them: the next batch is read from the log only after the previous
/// one was written (back-pressure), a comment line keeps idle streams open.
///
/// `stop()` is graceful: no new connections, idle keep-alive connections
/// close, in-flight requests finish and get their response (with
/// `Connection: close`), event streams end; then the threads stop.

#include "http/api.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace portal::gateway {

/// Server configuration.
struct server_options
{
    std::string address = "127.0.0.1";
    unsigned short port = 8080; ///< 0: any free port (see `server::port`)
    unsigned io_threads = 0;    ///< 0: one per core
    unsigned worker_threads = 64;
    std::size_t header_limit = 16 * 1024;
    std::size_t body_limit = 1024 * 1024;
    std::chrono::milliseconds request_timeout{ 30000 };
    std::chrono::milliseconds idle_timeout{ 60000 };
    std::chrono::milliseconds io_timeout{ 30000 };
    std::size_t max_connections = 10000;
    /// How long `stop()` waits for in-flight requests.
    std::chrono::milliseconds shutdown_grace{ 10000 };
    /// How often an idle event stream gets a comment line.
    std::chrono::milliseconds stream_heartbeat{ 15000 };
    /// The built web front end served at `/` (static_files.hpp); empty: none.
    std::filesystem::path web_root;
};

/// A running server.
class server
{
  public:
    /// Binds and starts serving `a` (which must outlive the server).
    /// Errors: `server.bind` (unavailable) when the address cannot be bound,
    /// `validation.listen` for a bad address.
    static result<std::unique_ptr<server>> start(api& a, server_options options);

    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// The bound port.
    unsigned short port() const;

    /// Graceful stop (see above). Idempotent; blocks until done.
    void stop();

    struct impl;

  private:
    explicit server(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

/// Splits `HOST:PORT` (`[v6]:PORT` too). nullopt when malformed.
std::optional<std::pair<std::string, unsigned short>> parse_listen(std::string_view text);

} // namespace portal::gateway
