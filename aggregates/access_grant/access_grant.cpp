#include "access_grant/access_grant.hpp"

#include <chrono>
#include <string>

namespace portal::domain::access_grant {

namespace {

bool
is_trainee(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::trainee && !ctx.trainee_account_id.empty() &&
           ctx.actor.account_id == ctx.trainee_account_id;
}

std::unexpected<error>
forbidden()
{
    return forbid("access_grant.forbidden", "only the contract's trainee grants or revokes access");
}

} // namespace

bool
active(const state& s, timestamp now) noexcept
{
    return s.exists && !s.revoked && now < s.expires_at;
}

decision
decide(const state& s, const grant_access& c, const context& ctx)
{
    if (!is_trainee(ctx)) {
        return forbidden();
    }
    if (trim(c.contract_id).empty() || (s.exists && c.contract_id != s.contract_id)) {
        return invalid("validation.contract_id", "the grant belongs to the stream's contract");
    }
    auto days = c.days.value_or(k_default_days);
    if (days < k_min_days || days > k_max_days) {
        return invalid("validation.days", "a grant lasts 14 to 200 days");
    }
    auto expires = ctx.now + std::chrono::days(days);
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccessGrant().initGranted();
        b.setContractId(c.contract_id);
        b.setDays(days);
        b.setExpiresAt(to_micros(expires));
    });
}

decision
decide(const state& s, const revoke_access&, const context& ctx)
{
    if (!s.exists) {
        return missing("access_grant.not_found", "no access was granted");
    }
    if (!is_trainee(ctx)) {
        return forbidden();
    }
    if (!active(s, ctx.now)) {
        return no_events();
    }
    return one_event([](schema::Event::Builder e) { e.initAccessGrant().initRevoked(); });
}

state
evolve(state s, schema::AccessGrantEvent::Reader event)
{
    switch (event.which()) {
        case schema::AccessGrantEvent::GRANTED: {
            auto g = event.getGranted();
            s.exists = true;
            s.contract_id = str(g.getContractId());
            s.days = g.getDays();
            s.expires_at = from_micros(g.getExpiresAt());
            s.revoked = false;
            break;
        }
        case schema::AccessGrantEvent::REVOKED:
            s.revoked = true;
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::ACCESS_GRANT) {
        return s;
    }
    return evolve(std::move(s), event.getAccessGrant());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

std::string
stream_id(std::string_view contract_id)
{
    return "grant-" + std::string(contract_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

} // namespace portal::domain::access_grant
