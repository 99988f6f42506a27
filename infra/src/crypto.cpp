#include "portal/infra/crypto.hpp"

#include <sodium.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>

namespace portal::infra {

void
crypto_init()
{
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

std::string
blake2b_256(std::string_view bytes)
{
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()),
                       out.size(),
                       reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size(),
                       nullptr,
                       0);
    return out;
}

void
random_bytes(void* out, std::size_t size)
{
    randombytes_buf(out, size);
}

namespace {

std::atomic<std::uint64_t> g_id_refills{ 0 };
/// Raised in a forked child: a child must not repeat its parent's ids.
std::atomic<std::uint64_t> g_fork_generation{ 0 };

/// The random bits of ids: ChaCha20 keyed once per thread from the
/// operating system (and again after a fork), read in blocks. libsodium's
/// `randombytes_buf` is one getrandom system call per call, which every
/// request id, command id and event id paid.
class id_random
{
  public:
    void fill(unsigned char* out, std::size_t size)
    {
        auto generation = g_fork_generation.load(std::memory_order_relaxed);
        if (generation != generation_) {
            randombytes_buf(key_.data(), key_.size());
            generation_ = generation;
            nonce_ = 0;
            used_ = block_.size();
        }
        while (size > 0) {
            if (used_ == block_.size()) {
                refill();
            }
            auto n = std::min(size, block_.size() - used_);
            std::memcpy(out, block_.data() + used_, n);
            used_ += n;
            out += n;
            size -= n;
        }
    }

  private:
    void refill()
    {
        std::array<unsigned char, crypto_stream_chacha20_NONCEBYTES> nonce{};
        auto n = nonce_++;
        for (std::size_t i = 0; i < nonce.size(); ++i) {
            nonce[i] = static_cast<unsigned char>(n >> (8 * i));
        }
        crypto_stream_chacha20(block_.data(), block_.size(), nonce.data(), key_.data());
        used_ = 0;
        g_id_refills.fetch_add(1, std::memory_order_relaxed);
    }

    std::uint64_t generation_ = ~std::uint64_t{ 0 };
    std::array<unsigned char, crypto_stream_chacha20_KEYBYTES> key_{};
    std::uint64_t nonce_ = 0;
    std::array<unsigned char, 512> block_{};
    std::size_t used_ = block_.size();
};

const int g_fork_handler = pthread_atfork(nullptr, nullptr, [] {
    g_fork_generation.fetch_add(1, std::memory_order_relaxed);
});

} // namespace

std::uint64_t
id_random_refills()
{
    (void)g_fork_handler;
    return g_id_refills.load(std::memory_order_relaxed);
}

events::uuid
uuid_v7(timestamp now)
{
    thread_local id_random random;
    events::uuid id{};
    random.fill(id.data(), id.size());
    auto ms = static_cast<std::uint64_t>(to_micros(now) / 1000);
    for (int i = 0; i < 6; ++i) {
        id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    }
    id[6] = static_cast<std::uint8_t>(0x70 | (id[6] & 0x0f));
    id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3f));
    return id;
}

std::string
to_hex(std::string_view bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

std::string
to_string(const events::uuid& id)
{
    auto hex = to_hex(std::string_view(reinterpret_cast<const char*>(id.data()), id.size()));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

} // namespace portal::infra
