#pragma once

/// Events with personal data for the tests of crypto-shredding in the event
/// log adapters (events/personal_data.hpp).

#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"

#include <string>

namespace portal::testing {

/// An append of `payload` to `stream` (its own partition key) by staff.
inline events::append_request
personal_request(const std::string& stream, const events::event_payload& payload)
{
    events::append_request r;
    r.stream = stream;
    r.partition_key = stream;
    r.expected = events::expected_version::any();
    r.payloads.push_back(std::string(payload.bytes()));
    r.actor = events::actor{ "account-staff", events::role::staff, "" };
    return r;
}

/// `account.created` of account a1 for `email`, named Erika Mustermann.
inline events::event_payload
account_created(const std::string& email)
{
    return events::event_payload::build([&](schema::Event::Builder e) {
        auto c = e.initAccount().initCreated();
        c.setEmail(email);
        c.setName("Erika Mustermann");
        c.setAccountId("a1");
        c.setCreatedFor("staff");
    });
}

/// `account.erased`: destroys the account's subject key.
inline events::event_payload
account_erased()
{
    return events::event_payload::build(
      [](schema::Event::Builder e) { e.initAccount().initErased().setReason("Frist abgelaufen"); });
}

/// `company.trainer_registered` of trainer `id` with `email`, named Thomas
/// Berger (subject `company-<id>/trainer-<id>` of the company's stream).
inline events::event_payload
trainer_registered(const std::string& id, const std::string& email)
{
    return events::event_payload::build([&](schema::Event::Builder e) {
        auto t = e.initCompany().initTrainerRegistered();
        t.setTrainerId(id);
        t.setName("Thomas Berger");
        t.setEmail(email);
    });
}

/// `company.person_erased` of trainer `id`: destroys the trainer's key.
inline events::event_payload
trainer_erased(const std::string& id)
{
    return events::event_payload::build([&](schema::Event::Builder e) {
        auto x = e.initCompany().initPersonErased();
        x.setTrainerId(id);
        x.setReason("Zugang gelöscht");
    });
}

} // namespace portal::testing
