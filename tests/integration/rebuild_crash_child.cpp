// Rebuilds the `tally` model (tally_projector.hpp) of the log in DIR/log into
// the store DIR/read and kills itself with SIGKILL (projection_rebuild_test):
//   mid    at the 200th event of the rebuild, with earlier batches written
//   after  once the rebuild is complete and one more event was appended and
//          projected live

#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "tally_projector.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string_view>

using namespace portal;

int
main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: rebuild_crash_child DIR mid|after\n");
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::string_view mode = argv[2];
    auto log = infra::open_embedded_log({ .dir = dir / "log", .sync = false });
    auto store = infra::open_kv_store({ .dir = dir / "read" });
    if (!log || !store) {
        std::fprintf(stderr, "open failed\n");
        return 1;
    }
    testing::tally_projector p;
    if (mode == "mid") {
        p.on_apply = [](const events::recorded_event& e) {
            if (e.position.value == 200) {
                std::raise(SIGKILL);
            }
        };
    }
    auto r = projections::runner::start(**log, **store, p, { .max_batch_events = 16 });
    if (!r) {
        std::fprintf(stderr, "start: %s\n", r.error().message.c_str());
        return 1;
    }
    auto done = (*r)->wait_for((*log)->last_position(), std::chrono::seconds{ 60 });
    if (!done || mode != "after") {
        std::fprintf(stderr, "the rebuild was not interrupted\n");
        return 1;
    }
    auto live = testing::append_marker(**log, "marker-live");
    if (!live || !(*r)->wait_for(live->last_position, std::chrono::seconds{ 60 })) {
        std::fprintf(stderr, "the live event was not projected\n");
        return 1;
    }
    std::raise(SIGKILL);
    return 1;
}
