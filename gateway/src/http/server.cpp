#include "http/server.hpp"

#include "http/static_files.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace portal::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

class connection;

} // namespace

struct server::impl
{
    api& handler;
    server_options options;
    // Declared before the io_contexts: sessions that an io_context destroys
    // last still report to these.
    std::atomic<bool> stopping{ false };
    bool stopped = false;
    std::mutex mu;
    std::condition_variable cv;
    std::size_t sessions = 0;
    std::list<std::weak_ptr<connection>> live;
    /// One io_context per I/O thread; a connection lives on one of them, so
    /// its handlers never run concurrently and need no strand (the strand's
    /// type-erased executor and queue cost about 3 % of a small request).
    std::vector<std::unique_ptr<asio::io_context>> iocs;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    std::size_t next_ioc = 0; ///< the accepting thread's round robin
    std::optional<tcp::socket> accepting;
    asio::thread_pool workers;
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::optional<static_files> web;

    static std::vector<std::unique_ptr<asio::io_context>> make_iocs(unsigned n)
    {
        std::vector<std::unique_ptr<asio::io_context>> out;
        for (unsigned i = 0; i < n; ++i) {
            out.push_back(std::make_unique<asio::io_context>(1));
        }
        return out;
    }

    impl(api& a, server_options o)
      : handler(a)
      , options(std::move(o))
      , iocs(make_iocs(options.io_threads))
      , workers(options.worker_threads)
      , acceptor(*iocs.front())
    {
        for (auto& ioc : iocs) {
            keep_running.push_back(asio::make_work_guard(*ioc));
        }
        if (!options.web_root.empty()) {
            web.emplace(options.web_root);
        }
    }

    void accept();
    void session_ended()
    {
        std::lock_guard lock(mu);
        --sessions;
        cv.notify_all();
    }
};

namespace {

/// One connection (a session in Beast's terms).
class connection : public std::enable_shared_from_this<connection>
{
  public:
    connection(server::impl& owner, tcp::socket socket)
      : owner_(owner)
      , stream_(std::move(socket))
      , heartbeat_(stream_.get_executor())
    {
        beast::error_code ec;
        auto ep = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            peer_.address = ep.address().to_string();
        }
        owner_.handler.stats().connection_opened();
    }

    ~connection()
    {
        owner_.handler.stats().connection_closed();
        owner_.session_ended();
    }

    void start()
    {
        asio::dispatch(stream_.get_executor(),
                       [self = shared_from_this()] { self->read_header(); });
    }

    /// Called on stop: an idle connection closes now; a busy one after its
    /// response; a stream at its next step.
    void stop()
    {
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->idle_) {
                beast::error_code ec;
                self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
                self->stream_.cancel();
            }
            self->heartbeat_.cancel();
        });
    }

  private:
    void read_header()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(owner_.options.header_limit));
        parser_->body_limit(owner_.options.body_limit);
        idle_ = buffer_.size() == 0;
        if (owner_.stopping.load()) {
            close();
            return;
        }
        stream_.expires_after(buffer_.size() == 0 ? owner_.options.idle_timeout
                                                  : owner_.options.request_timeout);
        http::async_read_header(stream_,
                                buffer_,
                                *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->idle_ = false;
                                    if (ec) {
                                        self->read_failed(ec);
                                        return;
                                    }
                                    self->read_body();
                                });
    }

    void read_body()
    {
        const auto& header = parser_->get();
        if (auto length = parser_->content_length();
            length && *length > owner_.options.body_limit) {
            refuse(http::status::payload_too_large, "http.too_large", "the body is too large");
            return;
        }
        if (parser_->is_done()) {
            // No body (a GET, or Content-Length 0): no second read.
            dispatch();
            return;
        }
        if (header[http::field::expect] == "100-continue") {
            // Answer the interim response so clients send the body.
            auto cont =
              std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
            http::async_write(
              stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                  if (ec) {
                      self->close();
                      return;
                  }
                  self->read_rest();
              });
            return;
        }
        read_rest();
    }

    void read_rest()
    {
        stream_.expires_after(owner_.options.request_timeout);
        http::async_read(stream_,
                         buffer_,
                         *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) {
                                 self->read_failed(ec);
                                 return;
                             }
                             self->dispatch();
                         });
    }

    void read_failed(beast::error_code ec)
    {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            close();
            return;
        }
        if (ec == http::error::body_limit) {
            refuse(http::status::payload_too_large, "http.too_large", "the body is too large");
            return;
        }
        if (ec == http::error::header_limit) {
            refuse(http::status::request_header_fields_too_large,
                   "http.header_too_large",
                   "the request header is too large");
            return;
        }
        if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
            refuse(http::status::bad_request, "http.bad_request", "the request is malformed");
            return;
        }
        close();
    }

    /// Answers an unreadable request and closes.
    void refuse(http::status status, std::string_view code, std::string_view detail)
    {
        auto res = std::make_shared<response>(problem(status, code, detail));
        res->keep_alive(false);
        owner_.handler.stats().observe_request("-", "unreadable", res->result_int(), {});
        write(res, false);
    }

    void dispatch()
    {
        auto req = std::make_shared<request>(parser_->release());
        if (owner_.web && static_files::claims(*req)) {
            // The web front end: small files read on this I/O thread.
            respond(*req, std::make_shared<reply>(owner_.web->serve(*req)));
            return;
        }
        if ((req->method() == http::verb::get || req->method() == http::verb::head) &&
            (*req)["Portal-Min-Position"].empty()) {
            // A plain read only reads committed state (the read models and
            // the cached log): answered on this I/O thread, without the hop
            // to a worker. Writes and reads that wait for a position may
            // block and go to the workers.
            auto answer = std::make_shared<reply>(owner_.handler.handle(*req, peer_));
            respond(*req, answer);
            return;
        }
        asio::post(owner_.workers, [self = shared_from_this(), req] {
            auto answer = std::make_shared<reply>(self->owner_.handler.handle(*req, self->peer_));
            asio::post(self->stream_.get_executor(),
                       [self, req, answer] { self->respond(*req, answer); });
        });
    }

    void respond(const request& req, const std::shared_ptr<reply>& answer)
    {
        bool keep = req.keep_alive() && !owner_.stopping.load();
        if (answer->stream) {
            after_ = answer->stream->after;
            redact_ = answer->stream->redact_records;
            start_stream(answer->res);
            return;
        }
        auto res = std::make_shared<response>(std::move(answer->res));
        res->keep_alive(keep);
        write(res, keep);
    }

    void write(const std::shared_ptr<response>& res, bool keep)
    {
        stream_.expires_after(owner_.options.io_timeout);
        if (!res->chunked()) {
            // The head in one buffer, the body in another, one gathered
            // write (see `serialize_head`).
            if (res->find(http::field::content_length) == res->end()) {
                res->content_length(res->body().size());
            }
            head_.clear();
            serialize_head(*res, head_);
            std::array<asio::const_buffer, 2> buffers{ asio::buffer(head_),
                                                       asio::buffer(res->body()) };
            asio::async_write(
              stream_,
              buffers,
              [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                  if (ec || !keep) {
                      self->close();
                      return;
                  }
                  self->read_header();
              });
            return;
        }
        http::async_write(
          stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
              if (ec || !keep) {
                  self->close();
                  return;
              }
              self->read_header();
          });
    }

    // --- Server-Sent Events -------------------------------------------------

    void start_stream(const response& head)
    {
        std::string text = "HTTP/1.1 200 OK\r\n";
        for (const auto& f : head.base()) {
            if (f.name() == http::field::content_length) {
                continue;
            }
            text += std::string(f.name_string()) + ": " + std::string(f.value()) + "\r\n";
        }
        text += "Connection: close\r\n\r\n";
        send_stream_text(std::make_shared<std::string>(std::move(text)));
    }

    void send_stream_text(const std::shared_ptr<std::string>& text)
    {
        stream_.expires_after(owner_.options.io_timeout);
        asio::async_write(stream_,
                          asio::buffer(*text),
                          [self = shared_from_this(), text](beast::error_code ec, std::size_t) {
                              if (ec) {
                                  self->close();
                                  return;
                              }
                              self->next_stream_batch();
                          });
    }

    void next_stream_batch()
    {
        if (owner_.stopping.load()) {
            close();
            return;
        }
        asio::post(owner_.workers, [self = shared_from_this()] {
            auto chunk = event_stream_chunk(self->owner_.handler, self->after_, 256, self->redact_);
            asio::post(self->stream_.get_executor(), [self, chunk = std::move(chunk)]() mutable {
                if (!chunk) {
                    spdlog::warn(
                      "event stream ends: {} ({})", chunk.error().message, chunk.error().code);
                    self->close();
                    return;
                }
                if (!chunk->empty()) {
                    self->quiet_ = std::chrono::milliseconds{ 0 };
                    self->send_stream_text(std::make_shared<std::string>(std::move(*chunk)));
                    return;
                }
                self->wait_for_events();
            });
        });
    }

    void wait_for_events()
    {
        constexpr std::chrono::milliseconds poll{ 100 };
        heartbeat_.expires_after(poll);
        heartbeat_.async_wait([self = shared_from_this(), poll](beast::error_code ec) {
            if (ec || self->owner_.stopping.load()) {
                self->close();
                return;
            }
            self->quiet_ += poll;
            if (self->quiet_ >= self->owner_.options.stream_heartbeat) {
                self->quiet_ = std::chrono::milliseconds{ 0 };
                self->send_stream_text(std::make_shared<std::string>(": keep-alive\n\n"));
                return;
            }
            self->next_stream_batch();
        });
    }

    void close()
    {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    server::impl& owner_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string head_; ///< the head of the response being written
    asio::steady_timer heartbeat_;
    peer peer_;
    bool idle_ = true;
    std::uint64_t after_ = 0;
    bool redact_ = false;
    std::chrono::milliseconds quiet_{ 0 };
};

} // namespace

void
server::impl::accept()
{
    auto& ioc = *iocs[next_ioc];
    next_ioc = (next_ioc + 1) % iocs.size();
    accepting.emplace(ioc);
    acceptor.async_accept(*accepting, [this](beast::error_code ec) {
        if (ec) {
            if (!stopping.load() && ec != asio::error::operation_aborted) {
                spdlog::warn("accept failed: {}", ec.message());
                accept();
            }
            return;
        }
        auto socket = std::move(*accepting);
        accepting.reset();
        std::shared_ptr<connection> s;
        {
            std::lock_guard lock(mu);
            if (sessions >= options.max_connections || stopping.load()) {
                beast::error_code ignored;
                socket.close(ignored);
            } else {
                ++sessions;
                s = std::make_shared<connection>(*this, std::move(socket));
                live.remove_if([](const auto& w) { return w.expired(); });
                live.push_back(s);
            }
        }
        if (s) {
            s->start();
        }
        accept();
    });
}

std::optional<std::pair<std::string, unsigned short>>
parse_listen(std::string_view text)
{
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) {
        return std::nullopt;
    }
    auto host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.back() != ']' || host.size() < 3) {
            return std::nullopt;
        }
        host = host.substr(1, host.size() - 2);
    }
    auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    return std::make_pair(std::string(host), static_cast<unsigned short>(port));
}

server::server(std::unique_ptr<impl> i)
  : impl_(std::move(i))
{
}

server::~server()
{
    stop();
}

result<std::unique_ptr<server>>
server::start(api& a, server_options options)
{
    if (options.io_threads == 0) {
        options.io_threads = std::max(1U, std::thread::hardware_concurrency());
    }
    options.worker_threads = std::max(1U, options.worker_threads);
    beast::error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) {
        return fail(error::invalid(
          "validation.listen", "the listen address '" + options.address + "' is no IP address"));
    }
    auto i = std::make_unique<impl>(a, options);
    tcp::endpoint endpoint{ address, options.port };
    i->acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        i->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        i->acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        i->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return fail(error::unavailable("server.bind",
                                       "cannot listen on " + options.address + ":" +
                                         std::to_string(options.port) + ": " + ec.message()));
    }
    i->accept();
    for (auto& ioc : i->iocs) {
        i->threads.emplace_back([raw = ioc.get()] { raw->run(); });
    }
    return std::unique_ptr<server>(new server(std::move(i)));
}

unsigned short
server::port() const
{
    beast::error_code ec;
    auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void
server::stop()
{
    if (!impl_ || impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    impl_->stopping.store(true);
    asio::post(*impl_->iocs.front(), [this] {
        beast::error_code ec;
        impl_->acceptor.close(ec);
    });
    std::vector<std::shared_ptr<connection>> open;
    {
        std::lock_guard lock(impl_->mu);
        for (auto& w : impl_->live) {
            if (auto s = w.lock()) {
                open.push_back(std::move(s));
            }
        }
    }
    for (auto& s : open) {
        s->stop();
    }
    open.clear();
    {
        std::unique_lock lock(impl_->mu);
        impl_->cv.wait_for(
          lock, impl_->options.shutdown_grace, [this] { return impl_->sessions == 0; });
    }
    impl_->workers.join();
    for (auto& ioc : impl_->iocs) {
        ioc->stop();
    }
    for (auto& t : impl_->threads) {
        t.join();
    }
}

} // namespace portal::gateway
