// The `exams` model: exam dates with registrations and results, examiners,
// project proposals and examiner seminars.
//
// Keys (relative to the model):
//   exam/<id>, examiner/<accountId>, proposal/<id>, seminar/<id>
//   reg/<examId>/<registrationId>      a registration with its result
//   ix/schedule/<occupation>/<date>/<examId>
//   ix/company-exam/<companyId>/<examId>
//   ix/contract-exam/<contractId>/<examId>
//   ix/examiner-exam/<accountId>/<examId>
//   ix/exam-proposal/<examId>/<proposalId>
//   ix/contract-proposal/<contractId>/<proposalId>
//   ix/account-seminar/<accountId>/<seminarId>
//
// `contract.personal_data_erased` empties `traineeName` in the contract's
// registrations (and marks them `personalDataErased`).

#include "json_util.hpp"
#include "portal/projections/read_models.hpp"

namespace portal::projections {

using namespace detail;

namespace {

const char*
exam_type(schema::ExamType t)
{
    return events::enum_name(t).data();
}

const char*
member_role(schema::MemberRole r)
{
    return events::enum_name(r).data();
}

const char*
outcome_name(schema::ProposalOutcome o)
{
    return events::enum_name(o).data();
}

class exams final : public projector
{
  public:
    std::string_view name() const override { return k_exams; }
    std::uint32_t version() const override { return 1; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        auto payload = env.getPayload();
        switch (payload.which()) {
            case schema::Event::EXAM:
                return exam(event, env, payload.getExam(), batch, model);
            case schema::Event::EXAMINER:
                return examiner(event, payload.getExaminer(), batch, model);
            case schema::Event::PROPOSAL:
                return proposal(event, env, payload.getProposal(), batch, model);
            case schema::Event::SEMINAR:
                return seminar(event, payload.getSeminar(), batch, model);
            case schema::Event::CONTRACT:
                if (payload.getContract().isPersonalDataErased()) {
                    return erase_trainee(id_of(event.stream, "contract-"), batch, model);
                }
                return {};
            default:
                return {};
        }
    }

  private:
    template<class F>
    static result<void> update(write_batch& batch,
                               reader& model,
                               const std::string& key,
                               json::object fresh,
                               F&& change)
    {
        auto doc = model.get_json(key);
        if (!doc) {
            return fail(doc.error());
        }
        auto d = doc->value_or(std::move(fresh));
        change(d);
        batch.put_json(key, d);
        return {};
    }

    /// `contract.personal_data_erased`: the contract's registrations lose
    /// the trainee's name (what a rebuild reads once the log destroyed the
    /// trainee's key) and say so.
    static result<void> erase_trainee(const std::string& contract_id,
                                      write_batch& batch,
                                      reader& model)
    {
        auto exams = model.keys(fmt::format("ix/contract-exam/{}/", contract_id));
        if (!exams) {
            return fail(exams.error());
        }
        for (const auto& ix : *exams) {
            auto exam_id = ix.substr(ix.rfind('/') + 1);
            auto regs =
              documents_where(model, fmt::format("reg/{}/", exam_id), "contractId", contract_id);
            if (!regs) {
                return fail(regs.error());
            }
            for (auto& [key, reg] : *regs) {
                reg["traineeName"] = "";
                reg["personalDataErased"] = true;
                batch.put_json(key, reg);
            }
        }
        return {};
    }

    static result<void> exam(const events::recorded_event& event,
                             schema::Envelope::Reader env,
                             schema::ExamEvent::Reader e,
                             write_batch& batch,
                             reader& model)
    {
        auto id = id_of(event.stream, "exam-");
        auto key = "exam/" + id;
        json::object fresh{ { "examId", id }, { "examinerAccountIds", json::array{} } };
        auto touch_exam = [&](auto&& change) {
            return update(batch, model, key, fresh, [&](json::object& x) {
                x["version"] = event.version;
                change(x);
            });
        };
        auto with_registration = [&](std::string_view reg_id, auto&& change) -> result<void> {
            auto touched = touch_exam([](json::object&) {});
            if (!touched) {
                return touched;
            }
            auto reg_key = fmt::format("reg/{}/{}", id, reg_id);
            auto doc = model.get_json(reg_key);
            if (!doc) {
                return fail(doc.error());
            }
            if (!*doc) {
                return {}; // unknown registration: nothing to change
            }
            change(**doc);
            batch.put_json(reg_key, **doc);
            return {};
        };
        switch (e.which()) {
            case schema::ExamEvent::SCHEDULED: {
                auto s = e.getScheduled();
                batch.put(
                  fmt::format("ix/schedule/{}/{}/{}", str(s.getOccupation()), str(s.getDate()), id),
                  "");
                return touch_exam([&](json::object& x) {
                    x["occupation"] = text(s.getOccupation());
                    x["type"] = exam_type(s.getType());
                    x["date"] = text(s.getDate());
                    x["location"] = text(s.getLocation());
                    x["name"] = text(s.getName());
                    x["proposalDeadline"] = text(s.getProposalDeadline());
                    x["status"] = "scheduled";
                    x["resultsPublished"] = false;
                });
            }
            case schema::ExamEvent::REGISTERED: {
                auto r = e.getRegistered();
                batch.put(fmt::format("ix/company-exam/{}/{}", str(r.getCompanyId()), id), "");
                batch.put(fmt::format("ix/contract-exam/{}/{}", str(r.getContractId()), id), "");
                batch.put_json(fmt::format("reg/{}/{}", id, str(r.getRegistrationId())),
                               json::object{ { "registrationId", text(r.getRegistrationId()) },
                                             { "examId", id },
                                             { "contractId", text(r.getContractId()) },
                                             { "companyId", text(r.getCompanyId()) },
                                             { "traineeName", text(r.getTraineeName()) },
                                             { "traineeAccountId", text(r.getTraineeAccountId()) },
                                             { "status", "registered" },
                                             { "registeredAt", at(env.getRecordedAt()) } });
                return touch_exam([](json::object&) {});
            }
            case schema::ExamEvent::ADMITTED:
                return with_registration(str(e.getAdmitted().getRegistrationId()),
                                         [&](json::object& r) { r["status"] = "admitted"; });
            case schema::ExamEvent::REFUSED:
                return with_registration(str(e.getRefused().getRegistrationId()),
                                         [&](json::object& r) {
                                             r["status"] = "refused";
                                             r["reason"] = text(e.getRefused().getReason());
                                         });
            case schema::ExamEvent::REGISTRATION_WITHDRAWN:
                return with_registration(
                  str(e.getRegistrationWithdrawn().getRegistrationId()), [&](json::object& r) {
                      r["status"] = "withdrawn";
                      r["reason"] = text(e.getRegistrationWithdrawn().getReason());
                  });
            case schema::ExamEvent::RESULT_RECORDED: {
                auto res = e.getResultRecorded();
                return with_registration(str(res.getRegistrationId()), [&](json::object& r) {
                    json::array parts;
                    for (auto p : res.getParts()) {
                        parts.push_back(json::object{ { "name", text(p.getName()) },
                                                      { "points", p.getPoints() } });
                    }
                    bool published = false;
                    if (const auto* old = r.if_contains("result");
                        old != nullptr && old->is_object()) {
                        if (const auto* p = old->as_object().if_contains("published");
                            p != nullptr && p->is_bool()) {
                            published = p->as_bool();
                        }
                    }
                    r["result"] =
                      json::object{ { "parts", std::move(parts) },
                                    { "totalPoints", res.getTotalPoints() },
                                    { "grade", res.getGrade() },
                                    { "final", res.getFinal() },
                                    { "status", res.getFinal() ? "final" : "preliminary" },
                                    { "published", published },
                                    { "recordedAt", at(env.getRecordedAt()) } };
                });
            }
            case schema::ExamEvent::RESULTS_PUBLISHED: {
                auto touched = touch_exam([](json::object& x) { x["resultsPublished"] = true; });
                if (!touched) {
                    return touched;
                }
                for (auto reg_id : e.getResultsPublished().getRegistrationIds()) {
                    auto done = with_registration(str(reg_id), [&](json::object& r) {
                        if (auto* res = r.if_contains("result");
                            res != nullptr && res->is_object()) {
                            res->as_object()["published"] = true;
                            res->as_object()["publishedAt"] = at(env.getRecordedAt());
                        }
                    });
                    if (!done) {
                        return done;
                    }
                }
                return {};
            }
            case schema::ExamEvent::CANCELLED:
                return touch_exam([&](json::object& x) {
                    x["status"] = "cancelled";
                    x["cancelReason"] = text(e.getCancelled().getReason());
                });
        }
        return {};
    }

    static result<void> examiner(const events::recorded_event& event,
                                 schema::ExaminerEvent::Reader e,
                                 write_batch& batch,
                                 reader& model)
    {
        auto account = id_of(event.stream, "examiner-");
        auto key = "examiner/" + account;
        json::object fresh{ { "accountId", account }, { "appointments", json::array{} } };
        auto exam_examiners = [&](std::string_view exam_id, bool add) {
            return update(batch,
                          model,
                          "exam/" + std::string(exam_id),
                          json::object{ { "examId", exam_id } },
                          [&](json::object& x) {
                              auto& ids = arr(x, "examinerAccountIds");
                              remove_str(ids, account);
                              if (add) {
                                  ids.push_back(json::string(account));
                              }
                          });
        };
        switch (e.which()) {
            case schema::ExaminerEvent::APPOINTED: {
                auto a = e.getAppointed();
                return update(batch, model, key, fresh, [&](json::object& x) {
                    arr(x, "appointments")
                      .push_back(json::object{ { "appointmentId", text(a.getAppointmentId()) },
                                               { "committee", text(a.getCommittee()) },
                                               { "occupation", text(a.getOccupation()) },
                                               { "memberRole", member_role(a.getMemberRole()) },
                                               { "termStart", text(a.getTermStart()) },
                                               { "termEnd", text(a.getTermEnd()) },
                                               { "ended", nullptr },
                                               { "examIds", json::array{} } });
                });
            }
            case schema::ExaminerEvent::ASSIGNED: {
                auto a = e.getAssigned();
                auto exam_id = str(a.getExamId());
                batch.put(fmt::format("ix/examiner-exam/{}/{}", account, exam_id), "");
                auto done = exam_examiners(exam_id, true);
                if (!done) {
                    return done;
                }
                return update(batch, model, key, fresh, [&](json::object& x) {
                    if (auto* ap =
                          find_in(x, "appointments", "appointmentId", str(a.getAppointmentId()))) {
                        if (!contains(arr(*ap, "examIds"), exam_id)) {
                            arr(*ap, "examIds").push_back(json::string(exam_id));
                        }
                    }
                });
            }
            case schema::ExaminerEvent::UNASSIGNED: {
                auto a = e.getUnassigned();
                auto exam_id = str(a.getExamId());
                batch.erase(fmt::format("ix/examiner-exam/{}/{}", account, exam_id));
                auto done = exam_examiners(exam_id, false);
                if (!done) {
                    return done;
                }
                return update(batch, model, key, fresh, [&](json::object& x) {
                    if (auto* ap =
                          find_in(x, "appointments", "appointmentId", str(a.getAppointmentId()))) {
                        remove_str(arr(*ap, "examIds"), exam_id);
                    }
                });
            }
            case schema::ExaminerEvent::APPOINTMENT_ENDED: {
                auto a = e.getAppointmentEnded();
                return update(batch, model, key, fresh, [&](json::object& x) {
                    if (auto* ap =
                          find_in(x, "appointments", "appointmentId", str(a.getAppointmentId()))) {
                        (*ap)["ended"] = text(a.getDate());
                    }
                });
            }
        }
        return {};
    }

    static result<void> proposal(const events::recorded_event& event,
                                 schema::Envelope::Reader env,
                                 schema::ProposalEvent::Reader e,
                                 write_batch& batch,
                                 reader& model)
    {
        auto id = id_of(event.stream, "proposal-");
        auto key = "proposal/" + id;
        json::object fresh{ { "proposalId", id }, { "decisions", json::array{} } };
        switch (e.which()) {
            case schema::ProposalEvent::SUBMITTED: {
                auto s = e.getSubmitted();
                batch.put(fmt::format("ix/exam-proposal/{}/{}", str(s.getExamId()), id), "");
                batch.put(fmt::format("ix/contract-proposal/{}/{}", str(s.getContractId()), id),
                          "");
                return update(batch, model, key, fresh, [&](json::object& p) {
                    json::array phases;
                    for (auto ph : s.getPhases()) {
                        phases.push_back(json::object{ { "name", text(ph.getName()) },
                                                       { "minutes", ph.getMinutes() },
                                                       { "hours", hours(ph.getMinutes()) } });
                    }
                    p["version"] = event.version;
                    p["contractId"] = text(s.getContractId());
                    p["examId"] = text(s.getExamId());
                    p["companyId"] = text(s.getCompanyId());
                    p["title"] = text(s.getTitle());
                    p["phases"] = std::move(phases);
                    p["description"] = text(s.getDescription());
                    p["companyConsent"] = s.getCompanyConsent();
                    p["revision"] = s.getRevision();
                    p["traineeAccountId"] = text(s.getTraineeAccountId());
                    p["status"] = "submitted";
                    p["submittedAt"] = at(env.getRecordedAt());
                });
            }
            case schema::ProposalEvent::DECIDED: {
                auto d = e.getDecided();
                return update(batch, model, key, fresh, [&](json::object& p) {
                    p["version"] = event.version;
                    p["status"] = outcome_name(d.getOutcome());
                    arr(p, "decisions")
                      .push_back(
                        json::object{ { "outcome", outcome_name(d.getOutcome()) },
                                      { "remarks", text(d.getRemarks()) },
                                      { "committee", text(d.getCommittee()) },
                                      { "decidedAt", at(env.getRecordedAt()) },
                                      { "decidedBy", text(env.getActor().getAccountId()) } });
                });
            }
            case schema::ProposalEvent::WITHDRAWN:
                return update(batch, model, key, fresh, [&](json::object& p) {
                    p["version"] = event.version;
                    p["status"] = "withdrawn";
                    p["withdrawnReason"] = text(e.getWithdrawn().getReason());
                });
        }
        return {};
    }

    static result<void> seminar(const events::recorded_event& event,
                                schema::SeminarEvent::Reader e,
                                write_batch& batch,
                                reader& model)
    {
        auto id = id_of(event.stream, "seminar-");
        auto key = "seminar/" + id;
        json::object fresh{ { "seminarId", id }, { "registrations", json::array{} } };
        auto set_status = [&](std::string_view reg_id, const char* status) {
            return update(batch, model, key, fresh, [&](json::object& s) {
                if (auto* r = find_in(s, "registrations", "registrationId", reg_id)) {
                    (*r)["status"] = status;
                }
            });
        };
        switch (e.which()) {
            case schema::SeminarEvent::SCHEDULED: {
                auto s = e.getScheduled();
                return update(batch, model, key, fresh, [&](json::object& x) {
                    x["title"] = text(s.getTitle());
                    x["date"] = text(s.getDate());
                    x["location"] = text(s.getLocation());
                    x["capacity"] = s.getCapacity();
                });
            }
            case schema::SeminarEvent::REGISTRATION_REQUESTED: {
                auto r = e.getRegistrationRequested();
                batch.put(fmt::format("ix/account-seminar/{}/{}", str(r.getAccountId()), id), "");
                return update(batch, model, key, fresh, [&](json::object& x) {
                    arr(x, "registrations")
                      .push_back(json::object{ { "registrationId", text(r.getRegistrationId()) },
                                               { "accountId", text(r.getAccountId()) },
                                               { "status", "requested" } });
                });
            }
            case schema::SeminarEvent::REGISTRATION_CONFIRMED:
                return set_status(str(e.getRegistrationConfirmed().getRegistrationId()),
                                  "confirmed");
            case schema::SeminarEvent::REGISTRATION_CANCELLED:
                return set_status(str(e.getRegistrationCancelled().getRegistrationId()),
                                  "cancelled");
        }
        return {};
    }
};

} // namespace

std::unique_ptr<projector>
make_exams_projector()
{
    return std::make_unique<exams>();
}

} // namespace portal::projections
