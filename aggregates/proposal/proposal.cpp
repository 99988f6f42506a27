#include "proposal/proposal.hpp"

namespace portal::domain::proposal {

namespace {

std::unexpected<error>
not_trainee()
{
    return forbid("proposal.not_trainee", "only the contract's trainee may do this");
}

std::unexpected<error>
already_decided()
{
    return reject("proposal.already_decided", "the proposal has a final decision");
}

std::unexpected<error>
withdrawn_error()
{
    return reject("proposal.withdrawn", "the proposal was withdrawn");
}

} // namespace

bool
is_final(proposal_status s) noexcept
{
    return s == proposal_status::approved || s == proposal_status::approved_with_notes ||
           s == proposal_status::rejected;
}

std::string_view
to_string(proposal_status s) noexcept
{
    switch (s) {
        case proposal_status::submitted:
            return "submitted";
        case proposal_status::approved:
            return "approved";
        case proposal_status::approved_with_notes:
            return "approved_with_notes";
        case proposal_status::changes_required:
            return "changes_required";
        case proposal_status::rejected:
            return "rejected";
        case proposal_status::withdrawn:
            return "withdrawn";
    }
    return "submitted";
}

decision
decide(const state& s, const submit& c, const context& ctx)
{
    if (!ctx.contract.exists) {
        return missing("proposal.contract_not_found", "no such contract");
    }
    bool is_trainee = ctx.actor.acting_as == role::trainee &&
                      !ctx.contract.trainee_account_id.empty() &&
                      ctx.actor.account_id == ctx.contract.trainee_account_id;
    if (!is_trainee || (s.exists && s.trainee_account_id != ctx.actor.account_id)) {
        return not_trainee();
    }
    if (trim(c.contract_id).empty()) {
        return invalid("validation.contract_id", "the contract id is required");
    }
    if (trim(c.exam_id).empty()) {
        return invalid("validation.exam_id", "the exam id is required");
    }
    if (!valid_text(c.title, k_max_name)) {
        return invalid("validation.title", "the title is required");
    }
    if (!valid_text(c.description, k_max_text)) {
        return invalid("validation.description", "the description is required");
    }
    if (c.phases.empty()) {
        return invalid("proposal.phases_required", "the project needs at least one phase");
    }
    std::vector<phase> phases;
    std::uint64_t total = 0;
    for (const auto& p : c.phases) {
        if (!valid_text(p.name, k_max_name)) {
            return invalid("validation.phase_name", "every phase needs a name");
        }
        if (p.minutes == 0) {
            return invalid("validation.phase_minutes", "every phase needs time");
        }
        total += p.minutes;
        phases.push_back({ std::string(trim(p.name)), p.minutes });
    }
    if (total > k_max_project_minutes) {
        return invalid("proposal.too_long", "the phases exceed 80 hours");
    }
    if (!c.company_consent) {
        return reject("proposal.company_consent_required",
                      "the company must consent to the project");
    }
    auto title = std::string(trim(c.title));
    auto description = std::string(trim(c.description));
    unsigned revision = 1;
    if (s.exists) {
        if (s.contract_id != c.contract_id || s.exam_id != c.exam_id) {
            return invalid("proposal.mismatch", "a resubmission is for the same contract and exam");
        }
        switch (s.status) {
            case proposal_status::submitted:
                if (s.title == title && s.description == description && s.phases == phases) {
                    return no_events();
                }
                return reject("proposal.already_submitted",
                              "the proposal waits for the committee's decision");
            case proposal_status::approved:
            case proposal_status::approved_with_notes:
            case proposal_status::rejected:
                return already_decided();
            case proposal_status::withdrawn:
                return withdrawn_error();
            case proposal_status::changes_required:
                revision = s.revision + 1;
                break;
        }
    }
    if (!ctx.exam.exists) {
        return missing("proposal.exam_not_found", "no such exam");
    }
    if (!ctx.exam.proposal_deadline) {
        return reject("proposal.no_project", "the exam has no company project");
    }
    if (revision == 1 && day_of(ctx.now) > *ctx.exam.proposal_deadline) {
        return reject("proposal.deadline_passed", "the proposal deadline has passed");
    }
    if (!ctx.exam.trainee_registered) {
        return reject("proposal.not_registered", "the trainee is not registered for the exam");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initProposal().initSubmitted();
        ev.setContractId(c.contract_id);
        ev.setExamId(c.exam_id);
        ev.setTitle(title);
        auto list = ev.initPhases(static_cast<unsigned>(phases.size()));
        for (unsigned i = 0; i < phases.size(); ++i) {
            list[i].setName(phases[i].name);
            list[i].setMinutes(phases[i].minutes);
        }
        ev.setDescription(description);
        ev.setCompanyConsent(true);
        ev.setRevision(static_cast<std::uint16_t>(revision));
        ev.setTraineeAccountId(ctx.actor.account_id);
        ev.setCompanyId(ctx.contract.company_id);
    });
}

namespace {

proposal_status
status_of(schema::ProposalOutcome outcome) noexcept
{
    switch (outcome) {
        case schema::ProposalOutcome::APPROVED:
            return proposal_status::approved;
        case schema::ProposalOutcome::APPROVED_WITH_NOTES:
            return proposal_status::approved_with_notes;
        case schema::ProposalOutcome::CHANGES_REQUIRED:
            return proposal_status::changes_required;
        case schema::ProposalOutcome::REJECTED:
            return proposal_status::rejected;
    }
    return proposal_status::submitted;
}

} // namespace

decision
decide(const state& s, const record_decision& c, const context& ctx)
{
    if (!s.exists) {
        return missing("proposal.not_found", "no such proposal");
    }
    if (ctx.actor.acting_as != role::examiner || !ctx.examiner.member) {
        return forbid("proposal.not_committee_member",
                      "only an examiner of the exam's committee may decide");
    }
    bool has_remarks = valid_text(c.remarks, k_max_text);
    switch (c.outcome) {
        case schema::ProposalOutcome::APPROVED:
            break;
        case schema::ProposalOutcome::APPROVED_WITH_NOTES:
            if (!has_remarks) {
                return invalid("proposal.notes_required", "approval with notes needs notes");
            }
            break;
        case schema::ProposalOutcome::CHANGES_REQUIRED:
            if (!has_remarks) {
                return invalid("proposal.remarks_required", "required changes need remarks");
            }
            break;
        case schema::ProposalOutcome::REJECTED:
            if (!has_remarks) {
                return invalid("proposal.reasons_required", "a rejection needs reasons");
            }
            break;
    }
    auto remarks = std::string(trim(c.remarks));
    auto status = status_of(c.outcome);
    bool repeat = s.status == status && s.remarks == remarks;
    switch (s.status) {
        case proposal_status::submitted:
            break;
        case proposal_status::approved:
        case proposal_status::approved_with_notes:
        case proposal_status::rejected:
            if (repeat) {
                return no_events();
            }
            return already_decided();
        case proposal_status::changes_required:
            if (repeat) {
                return no_events();
            }
            return reject("proposal.awaiting_resubmission",
                          "changes were required; the trainee resubmits first");
        case proposal_status::withdrawn:
            return withdrawn_error();
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initProposal().initDecided();
        ev.setOutcome(c.outcome);
        ev.setRemarks(remarks);
        ev.setCommittee(ctx.examiner.committee);
    });
}

decision
decide(const state& s, const withdraw& c, const context& ctx)
{
    if (!s.exists) {
        return missing("proposal.not_found", "no such proposal");
    }
    if (ctx.actor.acting_as != role::trainee || ctx.actor.account_id != s.trainee_account_id) {
        return not_trainee();
    }
    if (s.status == proposal_status::withdrawn) {
        return no_events();
    }
    if (is_final(s.status)) {
        return already_decided();
    }
    return one_event([&](schema::Event::Builder e) {
        e.initProposal().initWithdrawn().setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::ProposalEvent::Reader event)
{
    switch (event.which()) {
        case schema::ProposalEvent::SUBMITTED: {
            auto ev = event.getSubmitted();
            s.exists = true;
            s.contract_id = str(ev.getContractId());
            s.exam_id = str(ev.getExamId());
            s.company_id = str(ev.getCompanyId());
            s.trainee_account_id = str(ev.getTraineeAccountId());
            s.title = str(ev.getTitle());
            s.phases.clear();
            for (auto p : ev.getPhases()) {
                s.phases.push_back({ str(p.getName()), p.getMinutes() });
            }
            s.description = str(ev.getDescription());
            s.company_consent = ev.getCompanyConsent();
            s.revision = ev.getRevision();
            s.status = proposal_status::submitted;
            s.remarks.clear();
            break;
        }
        case schema::ProposalEvent::DECIDED: {
            auto ev = event.getDecided();
            s.status = status_of(ev.getOutcome());
            s.remarks = str(ev.getRemarks());
            s.committee = str(ev.getCommittee());
            break;
        }
        case schema::ProposalEvent::WITHDRAWN:
            s.status = proposal_status::withdrawn;
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::PROPOSAL) {
        return s;
    }
    return evolve(std::move(s), event.getProposal());
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
stream_id(std::string_view proposal_id)
{
    return "proposal-" + std::string(proposal_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

} // namespace portal::domain::proposal
