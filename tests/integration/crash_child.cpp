// Appends to the embedded log in a loop from several threads and prints
// "ack <command> <stream> <first_version> <last_version> <first_pos>
// <last_pos>" for each acknowledged append; killed by the crash test.

#include "event_log_contract.hpp"
#include "portal/infra/embedded_log.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

using namespace portal;

int
main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: crash_child DIR ROUND\n");
        return 2;
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
