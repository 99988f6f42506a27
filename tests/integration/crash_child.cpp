// Appends to the embedded log in a loop from several threads and prints
// "ack <command> <stream> <first_version> <last_version> <first_pos>
// <last_pos>" for each acknowledged append; killed by the crash test.
//
// With a third argument `pipelined`, the appends run as tasks of a
// partitioned executor (pipelined lanes: each decides on the versions its
// earlier, not yet durable appends made) and are acknowledged when the
// task's future is ready.

#include "event_log_contract.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/partitioned_executor.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>

using namespace portal;

namespace {

void
print_ack(std::mutex& out_mu,
          const std::string& command,
          const std::string& stream,
          const events::append_result& r)
{
    auto line = fmt::format("ack {} {} {} {} {} {}\n",
                            command,
                            stream,
                            r.first_version,
                            r.last_version,
                            r.first_position.value,
                            r.last_position.value);
    std::lock_guard lock(out_mu);
    if (write(STDOUT_FILENO, line.data(), line.size()) < 0) {
        _exit(3);
    }
}

/// Clients submit appends to a pipelined executor; each lane keeps the
/// versions its own appends made (ordered, maybe not durable yet).
int
run_pipelined(const char* dir, const std::string& round)
{
    auto log = infra::open_embedded_log({ .dir = dir });
    if (!log) {
        std::fprintf(stderr, "open: %s\n", log.error().message.c_str());
        return 1;
    }
    infra::partitioned_executor executor(4);
    std::mutex out_mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            for (std::uint64_t i = 0;; ++i) {
                auto command = fmt::format("r{}p{}i{}", round, t, i);
                auto stream = fmt::format("report-{}", (i * 16 + t) % 23);
                int n = static_cast<int>(1 + i % 3);
                auto r =
                  executor
                    .submit(
                      stream,
                      [&]() -> result<events::append_result> {
                          thread_local std::unordered_map<std::string, std::uint64_t> versions;
                          events::append_request req;
                          req.stream = stream;
                          req.partition_key = stream;
                          req.command_id = command;
                          for (int k = 0; k < n; ++k) {
                              req.payloads.push_back(portal::testing::tagged_event(
                                fmt::format("{}:{}/{}", command, k, n)));
                          }
                          auto known = versions.find(stream);
                          if (known == versions.end()) {
                              auto head = (*log)->head(stream);
                              if (!head) {
                                  return fail(head.error());
                              }
                              known = versions.emplace(stream, head->version).first;
                          }
                          req.expected = events::expected_version::exact(known->second);
                          auto appended = (*log)->append(std::move(req));
                          if (appended) {
                              known->second = appended->last_version;
                          } else {
                              versions.erase(known);
                          }
                          return appended;
                      })
                    .get();
                if (r) {
                    print_ack(out_mu, command, stream, *r);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    return 0;
}

} // namespace

int
main(int argc, char** argv)
{
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: crash_child DIR ROUND [pipelined]\n");
        return 2;
    }
    if (argc == 4) {
        return run_pipelined(argv[1], argv[2]);
    }
    auto log = infra::open_embedded_log({ .dir = argv[1] });
    if (!log) {
        std::fprintf(stderr, "open: %s\n", log.error().message.c_str());
        return 1;
    }
    std::string round = argv[2];
    std::mutex out_mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::uint64_t i = 0;; ++i) {
                auto command = fmt::format("r{}t{}i{}", round, t, i);
                auto stream = fmt::format("report-{}", (i * 4 + t) % 9);
                int n = static_cast<int>(1 + i % 4);
                events::append_request req;
                req.stream = stream;
                req.partition_key = "company-1";
                req.command_id = command;
                for (int k = 0; k < n; ++k) {
                    req.payloads.push_back(
                      portal::testing::tagged_event(fmt::format("{}:{}/{}", command, k, n)));
                }
                auto head = (*log)->head(stream);
                req.expected = head ? events::expected_version::exact(head->version)
                                    : events::expected_version::any();
                auto r = (*log)->append(std::move(req));
                if (!r) {
                    continue; // conflict with another thread: try the next
                }
                auto line = fmt::format("ack {} {} {} {} {} {}\n",
                                        command,
                                        stream,
                                        r->first_version,
                                        r->last_version,
                                        r->first_position.value,
                                        r->last_position.value);
                std::lock_guard lock(out_mu);
                if (write(STDOUT_FILENO, line.data(), line.size()) < 0) {
                    _exit(3);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
}
