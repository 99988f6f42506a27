#pragma once

/// Runs a program as a child process with standard input, and collects its
/// exit code and output (for tests of the `portal` binary).

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace portal::testing {

/// What a finished child process left.
struct process_result
{
    int exit_code = -1; ///< -1 when it did not exit normally
    std::string out;
    std::string err;
};

/// Runs `program` with `args`, writes `input` to its standard input, and
/// waits for it.
inline process_result
run_process(const std::string& program,
            const std::vector<std::string>& args,
            const std::string& input = {})
{
    int in[2];
    int out[2];
    int err[2];
    process_result r;
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) {
        return r;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        for (int fd : { in[0], in[1], out[0], out[1], err[0], err[1] }) {
            close(fd);
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const auto& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (!input.empty()) {
        auto written = write(in[1], input.data(), input.size());
        (void)written;
    }
    close(in[1]);
    pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
    int open_fds = 2;
    char buffer[4096];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
                auto n = read(fds[i].fd, buffer, sizeof buffer);
                if (n <= 0) {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                    --open_fds;
                } else {
                    (i == 0 ? r.out : r.err).append(buffer, static_cast<std::size_t>(n));
                }
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
    }
    return r;
}

} // namespace portal::testing
