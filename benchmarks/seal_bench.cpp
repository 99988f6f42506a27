// Personal data sealing (crypto-shredding): the cost per event of sealing on
// append and unsealing on read, beside decoding the same envelope unsealed.
//
// Events: `report.drafted` of a week (five entries, one absence note), the
// most frequent event with personal data, and `account.created`. Each
// measurement runs a fixed number of iterations on one thread and reports
// the mean; the key lookup is an in-memory map (the log's is a RocksDB point
// lookup on top).
//
// Prints a Markdown section to stdout (benchmarks/run appends it to
// docs/benchmarks.md).

#include "portal/events/message.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/personal_seal.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

using namespace portal;
using namespace std::chrono;

namespace {

void
fill_drafted(schema::Event::Builder e)
{
    auto d = e.initReport().initDrafted();
    d.setContractId("0192f3c1-7a4e-7b2d-9c1e-3f5a6b7c8d9e");
    d.setCompanyId("0192f3c1-7a4e-7b2d-9c1e-000000000001");
    auto w = d.initPeriod().initWeek();
    w.setYear(2026);
    w.setWeek(12);
    d.setTrainingYear(2);
    auto entries = d.initEntries(5);
    const char* texts[] = { "Kundenauftrag: Netzwerk im Büro eingerichtet, Switch konfiguriert",
                            "Unterweisung Arbeitssicherheit und Datenschutz",
                            "Berufsschule: Subnetting, VLANs, Routing-Grundlagen",
                            "Fehlersuche an Druckern, Ticketsystem gepflegt",
                            "Berufsschule: Wirtschafts- und Sozialkunde" };
    for (unsigned i = 0; i < 5; ++i) {
        entries[i].setKind(i % 2 == 0 ? schema::EntryKind::COMPANY : schema::EntryKind::SCHOOL);
        entries[i].setText(texts[i]);
        entries[i].setMinutes(480);
    }
    auto a = d.initAbsences(1);
    a[0].setDate("2026-03-20");
    a[0].setKind(schema::AbsenceKind::SICKNESS);
    a[0].setNote("krank, Attest liegt vor");
}

void
fill_account(schema::Event::Builder e)
{
    auto c = e.initAccount().initCreated();
    c.setEmail("lena.hoffmann@beispiel-gmbh.de");
    c.setName("Lena Hoffmann");
    c.setAccountId("0192f3c1-7a4e-7b2d-9c1e-3f5a6b7c8d9f");
    c.setCreatedFor("trainee-account");
}

std::map<std::string, std::string> g_keys;

infra::subject_key_for
keys_for()
{
    return [](const std::string& subject) -> std::optional<std::string> {
        auto it = g_keys.find(subject);
        if (it == g_keys.end()) {
            it = g_keys.emplace(subject, infra::new_subject_key()).first;
        }
        return it->second;
    };
}

infra::subject_key_lookup
lookup()
{
    return [](std::string_view subject) {
        auto it = g_keys.find(std::string(subject));
        return it == g_keys.end()
                 ? infra::subject_key{}
                 : infra::subject_key{ infra::subject_key::state::present, it->second };
    };
}

/// The stored envelope of the event `fill` builds, sealed or not.
template<class Fill>
std::string
envelope(Fill fill, const std::string& stream, bool seal)
{
    capnp::MallocMessageBuilder b(512);
    auto env = b.initRoot<schema::Envelope>();
    auto id = infra::uuid_v7(timestamp{});
    env.setEventId(capnp::Data::Reader(id.data(), id.size()));
    env.setStreamId(stream);
    env.setStreamVersion(1);
    env.setCommandId("cmd-1");
    env.setPartitionKey("company-1");
    fill(env.initPayload());
    if (seal) {
        infra::seal_personal_data(env, keys_for());
        // As the log stores it: copied without the emptied fields' space.
        capnp::MallocMessageBuilder compact(b.sizeInWords() + 8);
        compact.setRoot(env.asReader());
        auto words = capnp::messageToFlatArray(compact);
        return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    }
    auto words = capnp::messageToFlatArray(b);
    return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

template<class F>
double
mean_us(int iterations, F&& f)
{
    auto start = steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
        f();
    }
    return duration<double, std::micro>(steady_clock::now() - start).count() / iterations;
}

template<class Fill>
void
row(const char* name, Fill fill, const std::string& stream)
{
    constexpr int n = 20000;
    volatile std::size_t sink = 0;
    auto build_plain = mean_us(n, [&] { sink = sink + envelope(fill, stream, false).size(); });
    auto build_sealed = mean_us(n, [&] { sink = sink + envelope(fill, stream, true).size(); });
    auto plain = envelope(fill, stream, false);
    auto sealed = envelope(fill, stream, true);
    auto decode = mean_us(n, [&] {
        auto e = events::envelope::decode_trusted(plain);
        sink = sink + e->bytes().size();
    });
    auto unseal = mean_us(n, [&] {
        auto open = infra::unseal_envelope(sealed, lookup());
        auto e = events::envelope::decode_trusted(*open);
        sink = sink + e->bytes().size();
    });
    std::printf("| %s | %zu | %zu | %.2f | %.2f | %.2f | %.2f |\n",
                name,
                plain.size(),
                sealed.size(),
                build_plain,
                build_sealed,
                decode,
                unseal);
}

} // namespace

int
main()
{
    infra::crypto_init();
    std::printf("## Personal data sealing\n\n");
    std::printf("`benchmarks/seal_bench`: per event on one thread, mean of 20,000 iterations; "
                "keys from memory. Building an envelope with and without sealing its personal "
                "data, and reading it: decoding the envelope, or unsealing and then decoding "
                "it.\n\n");
    std::printf(
      "| event | bytes | bytes sealed | build µs | build + seal µs | decode µs | unseal + "
      "decode µs |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    row("report.drafted (5 entries, 1 absence note)", fill_drafted, "report-1");
    row("account.created", fill_account, "account-1");
    return 0;
}
