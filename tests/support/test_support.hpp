#pragma once

/// Helpers shared by tests: temporary directories and waiting on a
/// condition with a deadline (never a bare sleep).

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <thread>

namespace portal::testing {

/// A fresh directory under $TMPDIR, removed when the object dies.
class temp_dir
{
  public:
    temp_dir()
    {
        std::random_device rd;
        auto base = std::filesystem::temp_directory_path();
        for (;;) {
            path_ = base / ("portal-test-" + std::to_string(rd()) + std::to_string(rd()));
            if (std::filesystem::create_directory(path_)) {
                break;
            }
        }
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// The text of a mail file with quoted-printable soft breaks and `=3D`
/// undone (enough to find links, tokens and PINs in it).
inline std::string
read_mail_text(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw.compare(i, 3, "=\r\n") == 0) {
            i += 2;
        } else if (raw.compare(i, 3, "=3D") == 0) {
            out.push_back('=');
            i += 2;
        } else {
            out.push_back(raw[i]);
        }
    }
    return out;
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it
/// held. Polling interval is short; the deadline bounds the test.
inline bool
wait_until(const std::function<bool()>& condition,
           std::chrono::milliseconds timeout = std::chrono::seconds(30))
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace portal::testing
