#pragma once

/// `portal serve` as a child process on a data directory (for the tests that
/// kill the server: crash and mail delivery). Its output goes to
/// `<data-dir>/serve.log`; the destructor kills it if it still runs.

#include "gateway_env.hpp"
#include "test_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portal::testing {

class portal_process
{
  public:
    /// Starts `binary serve --data-dir DIR --listen 127.0.0.1:PORT
    /// --password-cost minimum --log-level warn <extra...>`.
    portal_process(const std::string& binary,
                   const std::filesystem::path& data_dir,
                   unsigned short port,
                   const std::vector<std::string>& extra = {})
      : port_(port)
    {
        std::vector<std::string> args{ binary,
                                       "serve",
                                       "--data-dir",
                                       data_dir.string(),
                                       "--listen",
                                       "127.0.0.1:" + std::to_string(port),
                                       "--password-cost",
                                       "minimum",
                                       "--log-level",
                                       "warn" };
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = fork();
        if (pid_ == 0) {
            int log = open((data_dir / "serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            execv(binary.c_str(), argv.data());
            _exit(127);
        }
    }
    ~portal_process()
    {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    portal_process(const portal_process&) = delete;
    portal_process& operator=(const portal_process&) = delete;

    /// Waits (60 s at most) until /healthz answers.
    bool wait_ready()
    {
        return wait_until(
          [&] {
              try {
                  http_client c(port_);
                  return c.get("/healthz").status == 200;
              } catch (const std::exception&) {
                  return false;
              }
          },
          std::chrono::seconds{ 60 });
    }

    /// The child's process id (-1 after it was killed or terminated).
    pid_t pid() const { return pid_; }

    /// SIGKILL, and waits for the child.
    void kill_now()
    {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    /// Waits (at most `timeout`) for the child to exit by itself: its exit
    /// code (-1 when it did not exit normally), nullopt when it still runs.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    /// SIGTERM; returns the exit code (-1 when it did not exit normally).
    int terminate()
    {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    unsigned short port_;
    pid_t pid_ = -1;
};

} // namespace portal::testing
