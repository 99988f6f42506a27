#include "app/records.hpp"

#include "account/account.hpp"
#include "chamber/chamber.hpp"
#include "company/company.hpp"
#include "contract/contract.hpp"
#include "reminder/reminder.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace portal::app {

namespace {

using namespace portal::domain;
using std::chrono::days;
using std::chrono::sys_days;

/// A context of type `Ctx` with the actor and the time of `meta`.
template<class Ctx>
Ctx
base_context(const command_meta& meta)
{
    Ctx ctx;
    ctx.actor = meta.actor;
    ctx.now = meta.now;
    return ctx;
}

/// The e-mail of an account; empty when the account or its id is unknown.
result<std::string>
email_of(fact_reader& facts, std::string_view account_id)
{
    if (account_id.empty()) {
        return std::string{};
    }
    auto a = facts.load<account::state>(account::stream_id(account_id),
                                        account::partition_key(account_id));
    if (!a) {
        return fail(std::move(a.error()));
    }
    return a->state.exists ? a->state.email : std::string{};
}

/// The last day of a contract: the earlier of the end date and the day it
/// ended.
date
effective_end(const contract::state& c) noexcept
{
    return contract::term_of(c).last_day();
}

// --- records -----------------------------------------------------------------

/// The facts of a record decision: contract, company settings, trainers, the
/// acting account's e-mail.
result<report::context>
report_context(fact_reader& facts,
               const command_meta& meta,
               std::string_view contract_id,
               std::string_view company_id)
{
    auto ctx = base_context<report::context>(meta);
    auto today = day_of(meta.now);
    auto c = facts.load<contract::state>(contract::stream_id(contract_id),
                                         contract::partition_key(company_id));
    if (!c) {
        return fail(std::move(c.error()));
    }
    const auto& contract = c->state;
    if (contract.exists) {
        auto& f = ctx.contract;
        f.known = true;
        f.contract_id = std::string(contract_id);
        f.company_id = contract.company_id;
        f.occupation = contract.occupation;
        f.start = contract.start_date;
        f.end = effective_end(contract);
        f.ended = contract.ended && contract.ended_on < today;
        f.record_form = contract.record_form;
        f.period_kind = contract.period_kind;
        f.trainee_account_id = contract.trainee_account_id;
        auto co = facts.load<company::state>(company::stream_id(contract.company_id),
                                             company::partition_key(contract.company_id));
        if (!co) {
            return fail(std::move(co.error()));
        }
        const auto& company = co->state;
        ctx.electronic_records =
          company.exists && company::record_settings_for(company, contract.occupation).electronic;
        for (const auto& trainer_id : contract.trainer_ids) {
            for (const auto& t : company.trainers) {
                if (t.id == trainer_id && !t.account_id.empty()) {
                    f.trainer_account_ids.push_back(t.account_id);
                }
            }
        }
    }
    auto email = email_of(facts, meta.actor.account_id);
    if (!email) {
        return fail(std::move(email.error()));
    }
    ctx.actor_email = std::move(*email);
    return ctx;
}

/// Runs a command on an existing record: finds its contract and company
/// first (the partition key), then decides with the record's facts;
/// `extra(ctx, facts)` adds command-specific facts.
template<class Command, class Extra>
result<outcome>
on_existing_report(const services& s,
                   const command_meta& meta,
                   std::string_view report_id,
                   const Command& command,
                   Extra&& extra)
{
    auto current = domain::load<report::state>(s.log, report::stream_id(report_id));
    if (!current) {
        return fail(std::move(current.error()));
    }
    if (!current->state.exists) {
        return missing("report.not_found", "the training record does not exist");
    }
    auto contract_id = current->state.contract_id;
    auto company_id = current->state.company_id;
    return execute<report::state>(
      s.log,
      target{ report::stream_id(report_id), report::partition_key(company_id) },
      command,
      [&](const report::state&, fact_reader& facts) -> result<report::context> {
          auto ctx = report_context(facts, meta, contract_id, company_id);
          if (!ctx) {
              return ctx;
          }
          if (auto added = extra(*ctx, facts); !added) {
              return fail(std::move(added.error()));
          }
          return ctx;
      },
      meta);
}

/// No command-specific facts.
result<void>
no_extra(report::context&, fact_reader&)
{
    return {};
}

/// A record's state with the days its status last changed (from the
/// envelopes' recording time).
struct report_history
{
    report::state state;
    std::optional<date> since;        ///< became draft or rejected
    std::optional<date> submitted_on; ///< last submitted
};

result<report_history>
read_report_history(events::event_log& log, std::string_view report_id)
{
    report_history out;
    auto stream = report::stream_id(report_id);
    std::uint64_t version = 0;
    constexpr std::size_t k_chunk = 4096;
    for (;;) {
        auto batch = log.read_stream(stream, version + 1, k_chunk);
        if (!batch) {
            return fail(std::move(batch.error()));
        }
        for (const auto& e : *batch) {
            auto env = events::envelope::decode(e.envelope_bytes);
            if (!env) {
                return fail(std::move(env.error()));
            }
            auto r = env->reader();
            auto payload = r.getPayload();
            auto day = day_of(from_micros(r.getRecordedAt()));
            if (payload.isReport()) {
                switch (payload.getReport().which()) {
                    case schema::ReportEvent::DRAFTED:
                    case schema::ReportEvent::REJECTED:
                        out.since = day;
                        break;
                    case schema::ReportEvent::SUBMITTED:
                        out.submitted_on = day;
                        break;
                    case schema::ReportEvent::EDITED:
                    case schema::ReportEvent::APPROVED:
                        break;
                }
            }
            out.state = report::evolve(std::move(out.state), payload);
            version = e.version;
        }
        if (batch->size() < k_chunk) {
            return out;
        }
    }
}

reminder::period
to_reminder_period(const report::record_period& p)
{
    reminder::period out;
    out.kind = p.kind;
    if (p.kind == schema::PeriodKind::WEEK) {
        out.week = p.week;
    } else {
        out.day = parse_date(p.day).value_or(date{});
    }
    return out;
}

/// The period that contains `today`, when it overlaps the contract (a day:
/// lies inside it); nullopt otherwise.
std::optional<report::record_period>
running_period(const contract::state& contract, date today)
{
    if (!contract.exists) {
        return std::nullopt;
    }
    sys_days first{ contract.start_date };
    sys_days last{ effective_end(contract) };
    sys_days d{ today };
    report::record_period p;
    p.kind = contract.period_kind;
    if (contract.period_kind == schema::PeriodKind::WEEK) {
        auto monday = d - days{ std::chrono::weekday{ d }.iso_encoding() - 1 };
        if (last < monday || monday + days{ 6 } < first) {
            return std::nullopt;
        }
        p.week = iso_week_of(today);
        return p;
    }
    if (d < first || last < d) {
        return std::nullopt;
    }
    p.day = format_date(today);
    return p;
}

// --- examiners -----------------------------------------------------------------

/// The appointment in force on `today` for `occupation`, preferring one
/// assigned to `exam_id`; nullptr when none.
const examiner::appointment*
committee_appointment(const examiner::state& e,
                      std::string_view occupation,
                      std::string_view exam_id,
                      date today)
{
    const examiner::appointment* found = nullptr;
    for (const auto& a : e.appointments) {
        if (a.occupation != occupation || !a.covers(today)) {
            continue;
        }
        if (std::find(a.exam_ids.begin(), a.exam_ids.end(), exam_id) != a.exam_ids.end()) {
            return &a;
        }
        if (found == nullptr) {
            found = &a;
        }
    }
    return found;
}

// --- exams -----------------------------------------------------------------------

/// Runs a command whose context needs nothing but actor and time on the
/// aggregate `State` at `t`.
template<class State, class Context, class Command>
result<outcome>
plain(const services& s, const command_meta& meta, const target& t, const Command& command)
{
    return execute<State>(
      s.log,
      t,
      command,
      [&](const State&, fact_reader&) -> result<Context> { return base_context<Context>(meta); },
      meta);
}

target
exam_target(std::string_view exam_id)
{
    return { exam::stream_id(exam_id), exam::partition_key(exam_id) };
}

/// The number of past periods of `contract_id` up to `today` whose record is
/// missing or not approved.
result<std::uint32_t>
past_periods_not_approved(events::event_log& log,
                          std::string_view contract_id,
                          const contract::state& contract,
                          date today)
{
    std::uint32_t count = 0;
    for (const auto& p : past_periods(contract, today)) {
        auto r = domain::load<report::state>(log, report::stream_id(report_id_for(contract_id, p)));
        if (!r) {
            return fail(std::move(r.error()));
        }
        if (!r->state.exists || r->state.status != report::record_status::approved) {
            ++count;
        }
    }
    return count;
}

target
examiner_target(std::string_view account_id)
{
    return { examiner::stream_id(account_id), examiner::partition_key(account_id) };
}

target
seminar_target(std::string_view seminar_id)
{
    return { seminar::stream_id(seminar_id), seminar::partition_key(seminar_id) };
}

} // namespace

// --- training records ---------------------------------------------------------

std::string
report_id_for(std::string_view contract_id, const report::record_period& period)
{
    std::string id(contract_id);
    id += '-';
    if (period.kind == schema::PeriodKind::WEEK) {
        reminder::period p;
        p.kind = schema::PeriodKind::WEEK;
        p.week = period.week;
        id += reminder::period_key(p);
    } else {
        auto text = trim(period.day);
        auto d = parse_date(text);
        id += d ? format_date(*d) : std::string(text);
    }
    return id;
}

std::vector<report::record_period>
past_periods(const contract::state& contract, date today)
{
    std::vector<report::record_period> out;
    if (!contract.exists) {
        return out;
    }
    sys_days first{ contract.start_date };
    sys_days last{ effective_end(contract) };
    sys_days before{ today };
    if (contract.period_kind == schema::PeriodKind::WEEK) {
        auto iso_day = std::chrono::weekday{ first }.iso_encoding(); // 1 = Monday
        for (auto monday = first - days{ iso_day - 1 }; monday <= last; monday += days{ 7 }) {
            if (!(monday + days{ 6 } < before)) {
                break;
            }
            report::record_period p;
            p.kind = schema::PeriodKind::WEEK;
            p.week = iso_week_of(date{ monday });
            out.push_back(std::move(p));
        }
    } else {
        for (auto d = first; d <= last && d < before; d += days{ 1 }) {
            auto wd = std::chrono::weekday{ d };
            if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) {
                continue;
            }
            report::record_period p;
            p.kind = schema::PeriodKind::DAY;
            p.day = format_date(date{ d });
            out.push_back(std::move(p));
        }
    }
    return out;
}

result<loaded<report::state>>
load_report(const services& s, std::string_view report_id)
{
    return domain::load<report::state>(s.log, report::stream_id(report_id));
}

result<outcome>
draft_report(const services& s, const command_meta& meta, const report::draft& command)
{
    auto contract_id = std::string(trim(command.contract_id));
    if (contract_id.empty()) {
        return invalid("validation.contract_id", "the contract is required");
    }
    auto c = domain::load<contract::state>(s.log, contract::stream_id(contract_id));
    if (!c) {
        return fail(std::move(c.error()));
    }
    if (!c->state.exists) {
        return missing("report.contract_not_found", "the contract is not known");
    }
    auto company_id = c->state.company_id;
    auto report_id = report_id_for(contract_id, command.period);
    return execute<report::state>(
      s.log,
      target{ report::stream_id(report_id), report::partition_key(company_id) },
      command,
      [&](const report::state& current, fact_reader& facts) -> result<report::context> {
          auto ctx = report_context(facts, meta, contract_id, company_id);
          if (ctx) {
              ctx->period_taken = current.exists;
          }
          return ctx;
      },
      meta);
}

result<outcome>
edit_report(const services& s,
            const command_meta& meta,
            std::string_view report_id,
            const report::edit& command)
{
    return on_existing_report(s, meta, report_id, command, no_extra);
}

result<outcome>
submit_report(const services& s,
              const command_meta& meta,
              std::string_view report_id,
              const report::submit& command)
{
    return on_existing_report(
      s, meta, report_id, command, [&](report::context& ctx, fact_reader& facts) -> result<void> {
          auto email = normalize_email(command.approver_email);
          if (!valid_email(email) || !s.account_id_of) {
              return {};
          }
          auto id = s.account_id_of(email);
          auto a = facts.load<account::state>(account::stream_id(id), account::partition_key(id));
          if (!a) {
              return fail(std::move(a.error()));
          }
          if (a->state.exists) {
              ctx.approver_account_id = id;
          }
          return {};
      });
}

result<outcome>
approve_report(const services& s,
               const command_meta& meta,
               std::string_view report_id,
               const report::approve& command)
{
    return on_existing_report(s, meta, report_id, command, no_extra);
}

std::vector<bulk_approval_result>
approve_many(const services& s,
             const command_meta& meta,
             const std::vector<std::string>& report_ids,
             const report::approve& command)
{
    auto one = command;
    one.bulk = true;
    std::vector<bulk_approval_result> out;
    out.reserve(report_ids.size());
    for (const auto& id : report_ids) {
        auto item_meta = meta;
        if (!meta.command_id.empty()) {
            item_meta.command_id = meta.command_id + ":" + id;
        }
        out.push_back({ id, approve_report(s, item_meta, id, one) });
    }
    return out;
}

result<outcome>
reject_report(const services& s,
              const command_meta& meta,
              std::string_view report_id,
              const report::reject& command)
{
    return on_existing_report(s, meta, report_id, command, no_extra);
}

// --- exams ---------------------------------------------------------------------

result<loaded<exam::state>>
load_exam(const services& s, std::string_view exam_id)
{
    return domain::load<exam::state>(s.log, exam::stream_id(exam_id));
}

result<outcome>
schedule_exam(const services& s,
              const command_meta& meta,
              std::string_view exam_id,
              const exam::schedule& command)
{
    return plain<exam::state, exam::context>(s, meta, exam_target(exam_id), command);
}

result<outcome>
register_for_exam(const services& s,
                  const command_meta& meta,
                  std::string_view exam_id,
                  const exam::register_contract& command)
{
    return execute<exam::state>(
      s.log,
      exam_target(exam_id),
      command,
      [&](const exam::state&, fact_reader& facts) -> result<exam::context> {
          auto ctx = base_context<exam::context>(meta);
          auto contract_id = trim(command.contract_id);
          if (contract_id.empty()) {
              return ctx;
          }
          // Another partition key: read without a version check.
          auto c = domain::load<contract::state>(facts.log(), contract::stream_id(contract_id));
          if (!c) {
              return fail(std::move(c.error()));
          }
          const auto& contract = c->state;
          auto& f = ctx.contract;
          f.exists = contract.exists;
          f.active = contract::is_active(contract, day_of(meta.now));
          f.occupation = contract.occupation;
          f.company_id = contract.company_id;
          f.trainee_name = contract.trainee_name;
          f.trainee_account_id = contract.trainee_account_id;
          return ctx;
      },
      meta);
}

result<outcome>
admit_to_exam(const services& s,
              const command_meta& meta,
              std::string_view exam_id,
              const exam::admit& command)
{
    return execute<exam::state>(
      s.log,
      exam_target(exam_id),
      command,
      [&](const exam::state& current, fact_reader& facts) -> result<exam::context> {
          auto ctx = base_context<exam::context>(meta);
          auto reg = std::find_if(current.registrations.begin(),
                                  current.registrations.end(),
                                  [&](const auto& r) { return r.id == command.registration_id; });
          if (reg == current.registrations.end() || !exam::is_final_type(current.type)) {
              return ctx;
          }
          auto c =
            domain::load<contract::state>(facts.log(), contract::stream_id(reg->contract_id));
          if (!c) {
              return fail(std::move(c.error()));
          }
          ctx.records.form = c->state.record_form;
          if (c->state.record_form == schema::RecordForm::ELECTRONIC) {
              auto count = past_periods_not_approved(
                facts.log(), reg->contract_id, c->state, day_of(meta.now));
              if (!count) {
                  return fail(std::move(count.error()));
              }
              ctx.records.past_periods_not_approved = *count;
          }
          return ctx;
      },
      meta);
}

result<outcome>
refuse_admission(const services& s,
                 const command_meta& meta,
                 std::string_view exam_id,
                 const exam::refuse& command)
{
    return plain<exam::state, exam::context>(s, meta, exam_target(exam_id), command);
}

result<outcome>
record_exam_result(const services& s,
                   const command_meta& meta,
                   std::string_view exam_id,
                   const exam::record_result& command)
{
    return execute<exam::state>(
      s.log,
      exam_target(exam_id),
      command,
      [&](const exam::state&, fact_reader& facts) -> result<exam::context> {
          auto ctx = base_context<exam::context>(meta);
          auto ch = domain::load<chamber::state>(facts.log(), chamber::stream_id());
          if (!ch) {
              return fail(std::move(ch.error()));
          }
          for (const auto& step : ch->state.current.grade_table) {
              ctx.grade_table.push_back({ step.min_points, step.grade });
          }
          return ctx;
      },
      meta);
}

result<outcome>
publish_exam_results(const services& s, const command_meta& meta, std::string_view exam_id)
{
    return plain<exam::state, exam::context>(
      s, meta, exam_target(exam_id), exam::publish_results{});
}

result<outcome>
withdraw_exam_registration(const services& s,
                           const command_meta& meta,
                           std::string_view exam_id,
                           const exam::withdraw_registration& command)
{
    return plain<exam::state, exam::context>(s, meta, exam_target(exam_id), command);
}

result<outcome>
cancel_exam(const services& s,
            const command_meta& meta,
            std::string_view exam_id,
            const exam::cancel& command)
{
    return plain<exam::state, exam::context>(s, meta, exam_target(exam_id), command);
}

// --- examiners -----------------------------------------------------------------

result<outcome>
appoint_examiner(const services& s, const command_meta& meta, const examiner::appoint& command)
{
    return plain<examiner::state, examiner::context>(
      s, meta, examiner_target(trim(command.account_id)), command);
}

result<outcome>
assign_examiner(const services& s,
                const command_meta& meta,
                std::string_view account_id,
                const examiner::assign& command)
{
    return execute<examiner::state>(
      s.log,
      examiner_target(account_id),
      command,
      [&](const examiner::state&, fact_reader& facts) -> result<examiner::context> {
          auto ctx = base_context<examiner::context>(meta);
          auto exam_id = trim(command.exam_id);
          if (exam_id.empty()) {
              return ctx;
          }
          auto e = domain::load<exam::state>(facts.log(), exam::stream_id(exam_id));
          if (!e) {
              return fail(std::move(e.error()));
          }
          ctx.exam.exists = e->state.exists;
          ctx.exam.occupation = e->state.occupation;
          ctx.exam.day = e->state.day;
          ctx.exam.cancelled = e->state.cancelled;
          return ctx;
      },
      meta);
}

result<outcome>
unassign_examiner(const services& s,
                  const command_meta& meta,
                  std::string_view account_id,
                  const examiner::unassign& command)
{
    return plain<examiner::state, examiner::context>(s, meta, examiner_target(account_id), command);
}

result<outcome>
end_examiner_appointment(const services& s,
                         const command_meta& meta,
                         std::string_view account_id,
                         const examiner::end_appointment& command)
{
    return plain<examiner::state, examiner::context>(s, meta, examiner_target(account_id), command);
}

// --- project proposals -----------------------------------------------------------

result<loaded<proposal::state>>
load_proposal(const services& s, std::string_view proposal_id)
{
    return domain::load<proposal::state>(s.log, proposal::stream_id(proposal_id));
}

result<outcome>
submit_proposal(const services& s,
                const command_meta& meta,
                std::string_view proposal_id,
                const proposal::submit& command)
{
    auto contract_id = std::string(trim(command.contract_id));
    if (contract_id.empty()) {
        return invalid("validation.contract_id", "the contract id is required");
    }
    auto c = domain::load<contract::state>(s.log, contract::stream_id(contract_id));
    if (!c) {
        return fail(std::move(c.error()));
    }
    if (!c->state.exists) {
        return missing("proposal.contract_not_found", "no such contract");
    }
    auto company_id = c->state.company_id;
    return execute<proposal::state>(
      s.log,
      target{ proposal::stream_id(proposal_id), proposal::partition_key(company_id) },
      command,
      [&](const proposal::state&, fact_reader& facts) -> result<proposal::context> {
          auto ctx = base_context<proposal::context>(meta);
          auto cs = facts.load<contract::state>(contract::stream_id(contract_id),
                                                contract::partition_key(company_id));
          if (!cs) {
              return fail(std::move(cs.error()));
          }
          ctx.contract.exists = cs->state.exists;
          ctx.contract.company_id = cs->state.company_id;
          ctx.contract.trainee_account_id = cs->state.trainee_account_id;
          auto exam_id = trim(command.exam_id);
          if (exam_id.empty()) {
              return ctx;
          }
          auto e = domain::load<exam::state>(facts.log(), exam::stream_id(exam_id));
          if (!e) {
              return fail(std::move(e.error()));
          }
          ctx.exam.exists = e->state.exists;
          ctx.exam.proposal_deadline = e->state.proposal_deadline;
          const auto* reg = exam::active_registration_of_contract(e->state, contract_id);
          ctx.exam.trainee_registered =
            reg != nullptr && (reg->status == exam::registration_status::registered ||
                               reg->status == exam::registration_status::admitted);
          return ctx;
      },
      meta);
}

result<outcome>
decide_proposal(const services& s,
                const command_meta& meta,
                std::string_view proposal_id,
                const proposal::record_decision& command)
{
    auto current = load_proposal(s, proposal_id);
    if (!current) {
        return fail(std::move(current.error()));
    }
    if (!current->state.exists) {
        return missing("proposal.not_found", "no such proposal");
    }
    auto company_id = current->state.company_id;
    return execute<proposal::state>(
      s.log,
      target{ proposal::stream_id(proposal_id), proposal::partition_key(company_id) },
      command,
      [&](const proposal::state& p, fact_reader& facts) -> result<proposal::context> {
          auto ctx = base_context<proposal::context>(meta);
          if (!p.exists || meta.actor.account_id.empty()) {
              return ctx;
          }
          auto e = domain::load<exam::state>(facts.log(), exam::stream_id(p.exam_id));
          if (!e) {
              return fail(std::move(e.error()));
          }
          if (!e->state.exists) {
              return ctx;
          }
          auto ex =
            domain::load<examiner::state>(facts.log(), examiner::stream_id(meta.actor.account_id));
          if (!ex) {
              return fail(std::move(ex.error()));
          }
          if (const auto* a = committee_appointment(
                ex->state, e->state.occupation, p.exam_id, day_of(meta.now))) {
              ctx.examiner.member = true;
              ctx.examiner.committee = a->committee;
          }
          return ctx;
      },
      meta);
}

result<outcome>
withdraw_proposal(const services& s,
                  const command_meta& meta,
                  std::string_view proposal_id,
                  const proposal::withdraw& command)
{
    auto current = load_proposal(s, proposal_id);
    if (!current) {
        return fail(std::move(current.error()));
    }
    if (!current->state.exists) {
        return missing("proposal.not_found", "no such proposal");
    }
    return execute<proposal::state>(
      s.log,
      target{ proposal::stream_id(proposal_id),
              proposal::partition_key(current->state.company_id) },
      command,
      [&](const proposal::state&, fact_reader&) -> result<proposal::context> {
          return base_context<proposal::context>(meta);
      },
      meta);
}

// --- examiner seminars -----------------------------------------------------------

result<outcome>
schedule_seminar(const services& s,
                 const command_meta& meta,
                 std::string_view seminar_id,
                 const seminar::schedule& command)
{
    return plain<seminar::state, seminar::context>(s, meta, seminar_target(seminar_id), command);
}

result<outcome>
request_seminar_registration(const services& s,
                             const command_meta& meta,
                             std::string_view seminar_id,
                             const seminar::request_registration& command)
{
    return execute<seminar::state>(
      s.log,
      seminar_target(seminar_id),
      command,
      [&](const seminar::state&, fact_reader& facts) -> result<seminar::context> {
          auto ctx = base_context<seminar::context>(meta);
          if (meta.actor.account_id.empty()) {
              return ctx;
          }
          auto ex =
            domain::load<examiner::state>(facts.log(), examiner::stream_id(meta.actor.account_id));
          if (!ex) {
              return fail(std::move(ex.error()));
          }
          auto today = day_of(meta.now);
          ctx.actor_is_examiner =
            ex->state.exists &&
            std::any_of(ex->state.appointments.begin(),
                        ex->state.appointments.end(),
                        [&](const examiner::appointment& a) { return a.covers(today); });
          return ctx;
      },
      meta);
}

result<outcome>
confirm_seminar_registration(const services& s,
                             const command_meta& meta,
                             std::string_view seminar_id,
                             const seminar::confirm_registration& command)
{
    return plain<seminar::state, seminar::context>(s, meta, seminar_target(seminar_id), command);
}

result<outcome>
cancel_seminar_registration(const services& s,
                            const command_meta& meta,
                            std::string_view seminar_id,
                            const seminar::cancel_registration& command)
{
    return plain<seminar::state, seminar::context>(s, meta, seminar_target(seminar_id), command);
}

// --- reminders -------------------------------------------------------------------

result<outcome>
run_reminders(const services& s,
              const command_meta& meta,
              std::string_view contract_id,
              date day,
              unsigned days_before_approver_reminder)
{
    auto c = domain::load<contract::state>(s.log, contract::stream_id(contract_id));
    if (!c) {
        return fail(std::move(c.error()));
    }
    if (!c->state.exists) {
        return missing("reminder.contract_not_found", "the contract is not known");
    }
    auto company_id = c->state.company_id;
    return execute<reminder::state>(
      s.log,
      target{ reminder::stream_id(contract_id), reminder::partition_key(company_id) },
      reminder::run{ day },
      [&](const reminder::state&, fact_reader& facts) -> result<reminder::context> {
          auto ctx = base_context<reminder::context>(meta);
          ctx.contract_id = std::string(contract_id);
          ctx.approval_reminder_days = days_before_approver_reminder;
          auto cs = facts.load<contract::state>(contract::stream_id(contract_id),
                                                contract::partition_key(company_id));
          if (!cs) {
              return fail(std::move(cs.error()));
          }
          const auto& contract = cs->state;
          auto co = facts.load<company::state>(company::stream_id(company_id),
                                               company::partition_key(company_id));
          if (!co) {
              return fail(std::move(co.error()));
          }
          const auto& company = co->state;
          ctx.reminders_on =
            company.exists && company::record_settings_for(company, contract.occupation).reminders;
          if (!ctx.reminders_on) {
              return ctx;
          }
          // The trainee: the account's e-mail, else the contract's.
          ctx.trainee.account_id = contract.trainee_account_id;
          auto trainee_email = email_of(facts, contract.trainee_account_id);
          if (!trainee_email) {
              return fail(std::move(trainee_email.error()));
          }
          ctx.trainee.email =
            trainee_email->empty() ? contract.trainee_email : std::move(*trainee_email);
          // The first trainer of the contract, in copy on escalations.
          for (const auto& trainer_id : contract.trainer_ids) {
              auto t = std::find_if(company.trainers.begin(),
                                    company.trainers.end(),
                                    [&](const company::trainer& x) { return x.id == trainer_id; });
              if (t != company.trainers.end()) {
                  ctx.trainer.email = t->email;
                  ctx.trainer.account_id = t->account_id;
                  break;
              }
          }
          // The records of past periods and of the running one (which can
          // only wait for its approver): read without version checks (a
          // reminder tolerates a record that changes meanwhile).
          auto periods = past_periods(contract, day);
          std::size_t past = periods.size();
          if (auto running = running_period(contract, day)) {
              periods.push_back(std::move(*running));
          }
          for (std::size_t i = 0; i < periods.size(); ++i) {
              const auto& p = periods[i];
              auto report_id = report_id_for(contract_id, p);
              auto h = read_report_history(facts.log(), report_id);
              if (!h) {
                  return fail(std::move(h.error()));
              }
              auto period = to_reminder_period(p);
              if (i >= past && h->state.status != report::record_status::submitted) {
                  continue;
              }
              if (!h->state.exists) {
                  ctx.missing_periods.push_back(period);
                  continue;
              }
              switch (h->state.status) {
                  case report::record_status::draft:
                  case report::record_status::rejected:
                      ctx.unsent_records.push_back({ report_id, period, h->since });
                      break;
                  case report::record_status::submitted:
                      ctx.waiting_records.push_back(
                        { report_id,
                          period,
                          h->submitted_on.value_or(day),
                          { h->state.approver_email, h->state.approver_account_id } });
                      break;
                  case report::record_status::approved:
                      break;
              }
          }
          return ctx;
      },
      meta);
}

} // namespace portal::app
