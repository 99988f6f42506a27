// The HTTP baseline of benchmarks/http_bench: a minimal Boost.Beast
// HTTP/1.1 server (Asio, one I/O thread per core, keep-alive) that answers
// every request with the same small JSON body. It does what every HTTP
// server must do (accept, parse a request with its body, write a response)
// and nothing else, so `portal req/s / minimal req/s`, measured by the same
// wrk in the same run, is the share of the machine's HTTP capacity the
// portal keeps.
//
// Usage: minimal_http_server [--listen HOST:PORT] [--threads N]
// (default 127.0.0.1:18090, one thread per core). Stops on SIGTERM/SIGINT.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// The fixed body: about the size of a small API answer.
constexpr std::string_view k_body =
  R"({"id":"0190f4a2-7c1e-7d3a-9f00-000000000001","version":1,"status":"ok"})";

/// One keep-alive connection: read a request, write the fixed answer, repeat.
class session : public std::enable_shared_from_this<session>
{
  public:
    explicit session(tcp::socket socket)
      : stream_(std::move(socket))
    {
    }

    void start() { read(); }

  private:
    void read()
    {
        req_ = {};
        http::async_read(
          stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
              if (ec) {
                  self->close();
                  return;
              }
              self->respond();
          });
    }

    void respond()
    {
        res_ = http::response<http::string_body>(http::status::ok, req_.version());
        res_.set(http::field::server, "minimal");
        res_.set(http::field::content_type, "application/json");
        res_.keep_alive(req_.keep_alive());
        res_.body() = k_body;
        res_.prepare_payload();
        http::async_write(
          stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
              if (ec || !self->res_.keep_alive()) {
                  self->close();
                  return;
              }
              self->read();
          });
    }

    void close()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
};

void
accept(tcp::acceptor& acceptor)
{
    acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            socket.set_option(tcp::no_delay(true));
            std::make_shared<session>(std::move(socket))->start();
        }
        if (acceptor.is_open()) {
            accept(acceptor);
        }
    });
}

} // namespace

int
main(int argc, char** argv)
{
    std::string listen = "127.0.0.1:18090";
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        if (flag == "--listen") {
            listen = argv[i + 1];
        } else if (flag == "--threads") {
            threads = std::max(1U, static_cast<unsigned>(std::atoi(argv[i + 1])));
        } else {
            std::cerr << "usage: minimal_http_server [--listen HOST:PORT] [--threads N]\n";
            return 2;
        }
    }
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "minimal_http_server: --listen must be HOST:PORT\n";
        return 2;
    }
    try {
        asio::io_context ioc(static_cast<int>(threads));
        tcp::endpoint endpoint(asio::ip::make_address(listen.substr(0, colon)),
                               static_cast<unsigned short>(std::atoi(listen.c_str() + colon + 1)));
        tcp::acceptor acceptor(ioc);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        accept(acceptor);
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) {
            acceptor.close();
            ioc.stop();
        });
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t) {
            pool.emplace_back([&ioc] { ioc.run(); });
        }
        ioc.run();
        for (auto& t : pool) {
            t.join();
        }
    } catch (const std::exception& e) {
        std::cerr << "minimal_http_server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
