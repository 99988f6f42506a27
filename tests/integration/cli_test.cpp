// The `portal` binary as a user runs it.

#include "process.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

using portal::testing::run_process;
using portal::testing::temp_dir;

namespace {

const std::string k_portal = PORTAL_BINARY;

std::vector<std::string>
with_dir(std::vector<std::string> args, const temp_dir& dir)
{
    args.push_back("--data-dir");
    args.push_back((dir.path() / "data").string());
    args.push_back("--log-level");
    args.push_back("warn");
    return args;
}

TEST(PortalCli, DemoSeedsVerifiableDataAndPrintsTheLogins)
{
    temp_dir dir;
    auto demo = run_process(k_portal, with_dir({ "demo", "--weeks", "4" }, dir));
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    EXPECT_NE(demo.out.find("sachbearbeitung@ihk-demo.de"), std::string::npos) << demo.out;
    EXPECT_NE(demo.out.find("Portal-Demo-2026"), std::string::npos);
    EXPECT_NE(demo.out.find("supervisor (PIN)"), std::string::npos);
    for (auto role : { "staff", "auditor", "company", "trainer", "trainee" }) {
        EXPECT_NE(demo.out.find(role), std::string::npos) << role;
    }

    auto verify = run_process(k_portal, with_dir({ "verify" }, dir));
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    EXPECT_NE(verify.out.find("every hash chain verifies"), std::string::npos) << verify.out;

    auto exported = run_process(k_portal, with_dir({ "export" }, dir));
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::istringstream lines(exported.out);
    std::string line;
    int count = 0;
    bool saw_approved = false;
    bool saw_rejected = false;
    bool saw_results = false;
    while (std::getline(lines, line)) {
        ++count;
        ASSERT_EQ(line.front(), '{');
        ASSERT_EQ(line.back(), '}');
        saw_approved |= line.find(R"("name":"report.approved")") != std::string::npos;
        saw_rejected |= line.find(R"("name":"report.rejected")") != std::string::npos;
        saw_results |= line.find(R"("name":"exam.results_published")") != std::string::npos;
    }
    EXPECT_GT(count, 150);
    EXPECT_TRUE(saw_approved);
    EXPECT_TRUE(saw_rejected);
    EXPECT_TRUE(saw_results);

    auto from = run_process(k_portal, with_dir({ "export", "--from", "100" }, dir));
    EXPECT_EQ(from.out.rfind(R"({"position":101,)", 0), 0U) << from.out.substr(0, 80);

    auto replay = run_process(k_portal, with_dir({ "replay" }, dir));
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_NE(replay.out.find("rebuilt 7 read model(s) from " + std::to_string(count) + " events"),
              std::string::npos)
      << replay.out;
    auto one = run_process(k_portal, with_dir({ "replay", "--projection", "outbox" }, dir));
    EXPECT_EQ(one.exit_code, 0) << one.err;
    EXPECT_NE(one.out.find("rebuilt 1 read model(s)"), std::string::npos) << one.out;
    auto unknown = run_process(k_portal, with_dir({ "replay", "--projection", "nope" }, dir));
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("no read model named nope"), std::string::npos);

    // A second demo does not mix into existing data.
    auto again = run_process(k_portal, with_dir({ "demo", "--weeks", "1" }, dir));
    EXPECT_EQ(again.exit_code, 3);
    EXPECT_NE(again.err.find("already holds events"), std::string::npos) << again.err;
}

TEST(PortalCli, StaffAddCreatesOneAccountPerLogin)
{
    temp_dir dir;
    auto add = run_process(k_portal,
                           with_dir({ "staff", "add", "--login", "chef@ihk.example" }, dir),
                           "Sehr-Geheim-1\n");
    ASSERT_EQ(add.exit_code, 0) << add.err;
    EXPECT_NE(add.out.find("staff account chef@ihk.example created"), std::string::npos);
    auto twice = run_process(k_portal,
                             with_dir({ "staff", "add", "--login", "CHEF@ihk.example" }, dir),
                             "Sehr-Geheim-1\n");
    EXPECT_NE(twice.exit_code, 0);
    EXPECT_NE(twice.err.find("account"), std::string::npos) << twice.err;
    auto short_password = run_process(
      k_portal, with_dir({ "staff", "add", "--login", "b@ihk.example" }, dir), "kurz\n");
    EXPECT_EQ(short_password.exit_code, 2);
    auto history = run_process(k_portal, with_dir({ "export" }, dir));
    EXPECT_NE(history.out.find(R"("name":"account.activated")"), std::string::npos);
    // Active at once: no invitation whose mail link nobody could use.
    EXPECT_EQ(history.out.find(R"("name":"account.invitation_issued")"), std::string::npos)
      << history.out;
    EXPECT_EQ(history.out.find("Sehr-Geheim-1"), std::string::npos) << "password in the log";
}

/// `"version":<n>` as in the state line.
std::string
fmt_version(std::size_t n)
{
    return "\"version\":" + std::to_string(n) + ",";
}

TEST(PortalCli, HistoryShowsOneStreamUpToATime)
{
    temp_dir dir;
    ASSERT_EQ(run_process(k_portal, with_dir({ "demo", "--weeks", "2" }, dir)).exit_code, 0);
    auto exported = run_process(k_portal, with_dir({ "export" }, dir));
    auto at = exported.out.find(R"("streamId":"report-)");
    ASSERT_NE(at, std::string::npos);
    auto start = at + std::string(R"("streamId":")").size();
    auto stream = exported.out.substr(start, exported.out.find('"', start) - start);
    auto history = run_process(k_portal, with_dir({ "history", stream }, dir));
    ASSERT_EQ(history.exit_code, 0) << history.err;
    EXPECT_NE(history.out.find(R"("name":"report.drafted")"), std::string::npos);
    // After the event lines, one line with the state folded from them.
    std::vector<std::string> lines;
    std::istringstream history_lines(history.out);
    for (std::string line; std::getline(history_lines, line);) {
        lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 2U) << history.out;
    const auto& state = lines.back();
    EXPECT_TRUE(state.starts_with(R"({"state":{"stream":")" + stream + "\"")) << state;
    EXPECT_NE(state.find(R"("aggregate":"report")"), std::string::npos) << state;
    EXPECT_NE(state.find(fmt_version(lines.size() - 1)), std::string::npos) << state;
    EXPECT_NE(state.find(R"("status":")"), std::string::npos) << state;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        EXPECT_TRUE(lines[i].starts_with(R"({"position":)")) << lines[i];
    }
    auto later = run_process(
      k_portal, with_dir({ "history", stream, "--as-of", "2100-01-01T00:00:00Z" }, dir));
    EXPECT_EQ(later.exit_code, 0) << later.err;
    EXPECT_NE(later.out.find(R"("asOf":"2100-01-01T00:00:00Z")"), std::string::npos) << later.out;
    auto before = run_process(
      k_portal, with_dir({ "history", stream, "--as-of", "2000-01-01T00:00:00Z" }, dir));
    EXPECT_EQ(before.exit_code, 0);
    EXPECT_TRUE(before.out.empty()) << before.out;
    auto bad_time =
      run_process(k_portal, with_dir({ "history", stream, "--as-of", "gestern" }, dir));
    EXPECT_EQ(bad_time.exit_code, 2);
    auto unknown = run_process(k_portal, with_dir({ "history", "report-nothing" }, dir));
    EXPECT_EQ(unknown.exit_code, 1);
}

TEST(PortalCli, ClearErrorsForBadUseAndMissingOrBusyData)
{
    temp_dir dir;
    auto none = run_process(k_portal, {});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("Usage: portal"), std::string::npos);
    auto unknown = run_process(k_portal, { "frobnicate" });
    EXPECT_EQ(unknown.exit_code, 2);
    auto bad_flag = run_process(k_portal, with_dir({ "verify", "--bogus" }, dir));
    EXPECT_EQ(bad_flag.exit_code, 2);
    auto no_groups = run_process(
      k_portal,
      with_dir({ "serve", "--kafka", "127.0.0.1:1", "--kafka-groups-in-flight", "0" }, dir));
    EXPECT_EQ(no_groups.exit_code, 2);
    EXPECT_NE(no_groups.err.find("--kafka-groups-in-flight 1-16"), std::string::npos)
      << no_groups.err;
    auto missing = run_process(k_portal, with_dir({ "verify" }, dir));
    EXPECT_EQ(missing.exit_code, 3);
    EXPECT_NE(missing.err.find("no event log"), std::string::npos) << missing.err;
}

TEST(PortalCli, ServeHoldsTheDataDirectoryAndStopsCleanlyOnSigterm)
{
    temp_dir dir;
    auto data = (dir.path() / "data").string();
    int err_pipe[2];
    ASSERT_EQ(pipe(err_pipe), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err_pipe[1], STDERR_FILENO);
        close(err_pipe[0]);
        close(err_pipe[1]);
        execl(k_portal.c_str(),
              k_portal.c_str(),
              "serve",
              "--data-dir",
              data.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    ASSERT_GT(pid, 0);
    close(err_pipe[1]);
    // Ready when it says so (it logs after opening the data directory).
    std::string log;
    char buffer[1024];
    while (log.find("portal serving") == std::string::npos) {
        auto n = read(err_pipe[0], buffer, sizeof buffer);
        ASSERT_GT(n, 0) << "serve ended early: " << log;
        log.append(buffer, static_cast<std::size_t>(n));
    }
    // Busy while serving: a second process gets a clear error.
    auto busy = run_process(k_portal, with_dir({ "verify" }, dir));
    EXPECT_EQ(busy.exit_code, 3);
    EXPECT_NE(busy.err.find("in use by another process"), std::string::npos) << busy.err;
    kill(pid, SIGTERM);
    while (read(err_pipe[0], buffer, sizeof buffer) > 0) {
    }
    close(err_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(run_process(k_portal, with_dir({ "verify" }, dir)).exit_code, 0);
}

} // namespace
