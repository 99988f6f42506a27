// Given/When/Then specification of the project proposal (Projektantrag).

#include "decision_matchers.hpp"
#include "proposal/proposal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::proposal;

namespace {

context
trainee(const char* day = "2027-03-01", const char* account = "acc-tom")
{
    context ctx;
    ctx.actor.account_id = account;
    ctx.actor.acting_as = role::trainee;
    ctx.now = at(day);
    ctx.contract = { true, "c1", "acc-tom" };
    ctx.exam = { true, parse_date("2027-04-01"), true };
    return ctx;
}

context
examiner(bool member = true)
{
    context ctx;
    ctx.actor.account_id = "acc-pia";
    ctx.actor.acting_as = role::examiner;
    ctx.now = at("2027-04-10");
    ctx.examiner = { member, "PA Fachinformatik 1" };
    return ctx;
}

submit
proposal_p1()
{
    return { "k1",
             "e1",
             " Migration der Lagerverwaltung ",
             { { "Analyse", 600 }, { " Umsetzung ", 2400 }, { "Test", 600 } },
             "Ablösung des Altsystems durch eine Webanwendung.",
             true };
}

event_payload
submitted_event(unsigned revision = 1)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initProposal().initSubmitted();
        ev.setContractId("k1");
        ev.setExamId("e1");
        ev.setTitle("Migration der Lagerverwaltung");
        auto list = ev.initPhases(3);
        list[0].setName("Analyse");
        list[0].setMinutes(600);
        list[1].setName("Umsetzung");
        list[1].setMinutes(2400);
        list[2].setName("Test");
        list[2].setMinutes(600);
        ev.setDescription("Ablösung des Altsystems durch eine Webanwendung.");
        ev.setCompanyConsent(true);
        ev.setRevision(static_cast<std::uint16_t>(revision));
        ev.setTraineeAccountId("acc-tom");
        ev.setCompanyId("c1");
    });
}

event_payload
decided_event(schema::ProposalOutcome outcome, const char* remarks)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initProposal().initDecided();
        ev.setOutcome(outcome);
        ev.setRemarks(remarks);
        ev.setCommittee("PA Fachinformatik 1");
    });
}

event_payload
withdrawn_event()
{
    return make_event([](schema::Event::Builder e) { e.initProposal().initWithdrawn(); });
}

} // namespace

// --- submission ------------------------------------------------------------------

TEST(ProposalGivenNothing, WhenTheTraineeSubmitsThenSubmittedAsRevisionOne)
{
    auto d = decide(state{}, proposal_p1(), trainee());
    ASSERT_TRUE(yields(d, "proposal.submitted"));
    auto ev = d->front().reader().getProposal().getSubmitted();
    EXPECT_EQ(text(ev.getContractId()), "k1");
    EXPECT_EQ(text(ev.getExamId()), "e1");
    EXPECT_EQ(text(ev.getTitle()), "Migration der Lagerverwaltung");
    ASSERT_EQ(ev.getPhases().size(), 3U);
    EXPECT_EQ(text(ev.getPhases()[1].getName()), "Umsetzung");
    EXPECT_EQ(ev.getPhases()[1].getMinutes(), 2400U);
    EXPECT_TRUE(ev.getCompanyConsent());
    EXPECT_EQ(ev.getRevision(), 1);
    EXPECT_EQ(text(ev.getTraineeAccountId()), "acc-tom");
    EXPECT_EQ(text(ev.getCompanyId()), "c1");
}

TEST(ProposalGivenNothing, WhenTheContractIsUnknownThenContractNotFound)
{
    auto ctx = trainee();
    ctx.contract.exists = false;
    EXPECT_TRUE(fails_with(
      decide(state{}, proposal_p1(), ctx), "proposal.contract_not_found", error_class::not_found));
}

TEST(ProposalGivenNothing, WhenSomeoneElseSubmitsThenNotTrainee)
{
    EXPECT_TRUE(fails_with(decide(state{}, proposal_p1(), trainee("2027-03-01", "acc-other")),
                           "proposal.not_trainee",
                           error_class::forbidden));
    auto ctx = trainee();
    ctx.actor.acting_as = role::trainer;
    EXPECT_TRUE(fails_with(
      decide(state{}, proposal_p1(), ctx), "proposal.not_trainee", error_class::forbidden));
}

TEST(ProposalGivenNothing, WhenFieldsAreMissingThenValidationErrors)
{
    auto c = proposal_p1();
    c.contract_id = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.contract_id", error_class::invalid));
    c = proposal_p1();
    c.exam_id = " ";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.exam_id", error_class::invalid));
    c = proposal_p1();
    c.title = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.title", error_class::invalid));
    c = proposal_p1();
    c.description = "\t";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.description", error_class::invalid));
    c = proposal_p1();
    c.phases[2].name = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.phase_name", error_class::invalid));
    c = proposal_p1();
    c.phases[0].minutes = 0;
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "validation.phase_minutes", error_class::invalid));
}

TEST(ProposalGivenNothing, WhenThereAreNoPhasesThenPhasesRequired)
{
    auto c = proposal_p1();
    c.phases.clear();
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "proposal.phases_required", error_class::invalid));
}

TEST(ProposalGivenNothing, WhenThePhasesExceedEightyHoursThenTooLong)
{
    auto c = proposal_p1();
    c.phases = { { "Alles", 80 * 60 } };
    EXPECT_TRUE(yields(decide(state{}, c, trainee()), "proposal.submitted"));
    c.phases = { { "Alles", 80 * 60 }, { "Noch mehr", 1 } };
    EXPECT_TRUE(
      fails_with(decide(state{}, c, trainee()), "proposal.too_long", error_class::invalid));
}

TEST(ProposalGivenNothing, WhenTheCompanyHasNotConsentedThenCompanyConsentRequired)
{
    auto c = proposal_p1();
    c.company_consent = false;
    EXPECT_TRUE(fails_with(
      decide(state{}, c, trainee()), "proposal.company_consent_required", error_class::rejected));
}

TEST(ProposalGivenNothing, WhenTheExamIsUnknownThenExamNotFound)
{
    auto ctx = trainee();
    ctx.exam.exists = false;
    EXPECT_TRUE(fails_with(
      decide(state{}, proposal_p1(), ctx), "proposal.exam_not_found", error_class::not_found));
}

TEST(ProposalGivenNothing, WhenTheExamHasNoProjectThenNoProject)
{
    auto ctx = trainee();
    ctx.exam.proposal_deadline.reset();
    EXPECT_TRUE(fails_with(
      decide(state{}, proposal_p1(), ctx), "proposal.no_project", error_class::rejected));
}

TEST(ProposalGivenNothing, WhenSubmittedOnTheDeadlineThenSubmitted)
{
    EXPECT_TRUE(
      yields(decide(state{}, proposal_p1(), trainee("2027-04-01")), "proposal.submitted"));
}

TEST(ProposalGivenNothing, WhenSubmittedAfterTheDeadlineThenDeadlinePassed)
{
    EXPECT_TRUE(fails_with(decide(state{}, proposal_p1(), trainee("2027-04-02")),
                           "proposal.deadline_passed",
                           error_class::rejected));
}

TEST(ProposalGivenNothing, WhenTheTraineeIsNotRegisteredForTheExamThenNotRegistered)
{
    auto ctx = trainee();
    ctx.exam.trainee_registered = false;
    EXPECT_TRUE(fails_with(
      decide(state{}, proposal_p1(), ctx), "proposal.not_registered", error_class::rejected));
}

TEST(ProposalGivenNothing, WhenDecidingOrWithdrawingThenNotFound)
{
    EXPECT_TRUE(fails_with(
      decide(state{}, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner()),
      "proposal.not_found",
      error_class::not_found));
    EXPECT_TRUE(fails_with(
      decide(state{}, withdraw{ "" }, trainee()), "proposal.not_found", error_class::not_found));
}

class ProposalGivenSubmitted : public ::testing::Test
{
  protected:
    state given = fold({ submitted_event() });
};

TEST_F(ProposalGivenSubmitted, ThenStatusIsSubmitted)
{
    EXPECT_EQ(given.status, proposal_status::submitted);
    EXPECT_EQ(to_string(given.status), "submitted");
    EXPECT_EQ(given.revision, 1U);
    EXPECT_EQ(given.company_id, "c1");
    EXPECT_FALSE(is_final(given.status));
}

TEST_F(ProposalGivenSubmitted, WhenTheIdenticalProposalIsSubmittedAgainThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, proposal_p1(), trainee())));
}

TEST_F(ProposalGivenSubmitted, WhenAChangedProposalIsSubmittedThenAlreadySubmitted)
{
    auto c = proposal_p1();
    c.title = "Etwas anderes";
    EXPECT_TRUE(
      fails_with(decide(given, c, trainee()), "proposal.already_submitted", error_class::rejected));
}

TEST_F(ProposalGivenSubmitted, WhenACommitteeExaminerApprovesThenDecidedApproved)
{
    auto d = decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner());
    ASSERT_TRUE(yields(d, "proposal.decided"));
    auto ev = d->front().reader().getProposal().getDecided();
    EXPECT_EQ(ev.getOutcome(), schema::ProposalOutcome::APPROVED);
    EXPECT_EQ(text(ev.getCommittee()), "PA Fachinformatik 1");
}

TEST_F(ProposalGivenSubmitted, WhenAnExaminerOutsideTheCommitteeDecidesThenNotCommitteeMember)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner(false)),
      "proposal.not_committee_member",
      error_class::forbidden));
    auto ctx = examiner();
    ctx.actor.acting_as = role::trainer;
    EXPECT_TRUE(
      fails_with(decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, ctx),
                 "proposal.not_committee_member",
                 error_class::forbidden));
}

TEST_F(ProposalGivenSubmitted, WhenApprovedWithNotesWithoutNotesThenNotesRequired)
{
    EXPECT_TRUE(fails_with(
      decide(
        given, record_decision{ schema::ProposalOutcome::APPROVED_WITH_NOTES, " " }, examiner()),
      "proposal.notes_required",
      error_class::invalid));
}

TEST_F(ProposalGivenSubmitted, WhenApprovedWithNotesThenTheNotesAreRecorded)
{
    auto d =
      decide(given,
             record_decision{ schema::ProposalOutcome::APPROVED_WITH_NOTES, " Zeitplan straffen " },
             examiner());
    ASSERT_TRUE(yields(d, "proposal.decided"));
    auto ev = d->front().reader().getProposal().getDecided();
    EXPECT_EQ(ev.getOutcome(), schema::ProposalOutcome::APPROVED_WITH_NOTES);
    EXPECT_EQ(text(ev.getRemarks()), "Zeitplan straffen");
}

TEST_F(ProposalGivenSubmitted, WhenChangesAreRequiredWithoutRemarksThenRemarksRequired)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::CHANGES_REQUIRED, "" }, examiner()),
      "proposal.remarks_required",
      error_class::invalid));
}

TEST_F(ProposalGivenSubmitted, WhenRejectedWithoutReasonsThenReasonsRequired)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::REJECTED, "" }, examiner()),
      "proposal.reasons_required",
      error_class::invalid));
}

TEST_F(ProposalGivenSubmitted, WhenRejectedWithReasonsThenDecidedRejected)
{
    auto d = decide(
      given, record_decision{ schema::ProposalOutcome::REJECTED, "kein Projekt" }, examiner());
    ASSERT_TRUE(yields(d, "proposal.decided"));
    EXPECT_EQ(d->front().reader().getProposal().getDecided().getOutcome(),
              schema::ProposalOutcome::REJECTED);
}

TEST_F(ProposalGivenSubmitted, WhenTheTraineeWithdrawsThenWithdrawn)
{
    auto d = decide(given, withdraw{ " Betrieb gewechselt " }, trainee());
    ASSERT_TRUE(yields(d, "proposal.withdrawn"));
    EXPECT_EQ(text(d->front().reader().getProposal().getWithdrawn().getReason()),
              "Betrieb gewechselt");
}

TEST_F(ProposalGivenSubmitted, WhenSomeoneElseWithdrawsThenNotTrainee)
{
    EXPECT_TRUE(fails_with(decide(given, withdraw{ "" }, trainee("2027-03-01", "acc-other")),
                           "proposal.not_trainee",
                           error_class::forbidden));
}

TEST_F(ProposalGivenSubmitted, WhenAnotherTraineeSubmitsIntoThisProposalThenNotTrainee)
{
    auto ctx = trainee("2027-03-01", "acc-other");
    ctx.contract.trainee_account_id = "acc-other";
    EXPECT_TRUE(fails_with(
      decide(given, proposal_p1(), ctx), "proposal.not_trainee", error_class::forbidden));
}

class ProposalGivenChangesRequired : public ::testing::Test
{
  protected:
    state given =
      fold({ submitted_event(),
             decided_event(schema::ProposalOutcome::CHANGES_REQUIRED, "Testphase fehlt") });
};

TEST_F(ProposalGivenChangesRequired, WhenTheTraineeResubmitsAfterTheDeadlineThenRevisionTwo)
{
    EXPECT_EQ(to_string(given.status), "changes_required");
    auto c = proposal_p1();
    c.phases.push_back({ "Abnahmetest", 300 });
    auto d = decide(given, c, trainee("2027-04-20"));
    ASSERT_TRUE(yields(d, "proposal.submitted"));
    EXPECT_EQ(d->front().reader().getProposal().getSubmitted().getRevision(), 2);
}

TEST_F(ProposalGivenChangesRequired, WhenResubmittedForAnotherExamThenMismatch)
{
    auto c = proposal_p1();
    c.exam_id = "e2";
    EXPECT_TRUE(fails_with(decide(given, c, trainee()), "proposal.mismatch", error_class::invalid));
}

TEST_F(ProposalGivenChangesRequired, WhenTheSameDecisionIsRepeatedThenNoEvents)
{
    EXPECT_TRUE(nothing(
      decide(given,
             record_decision{ schema::ProposalOutcome::CHANGES_REQUIRED, "Testphase fehlt" },
             examiner())));
}

TEST_F(ProposalGivenChangesRequired, WhenDecidedOtherwiseBeforeResubmissionThenAwaitingResubmission)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner()),
      "proposal.awaiting_resubmission",
      error_class::rejected));
}

TEST_F(ProposalGivenChangesRequired, WhenTheTraineeWithdrawsThenWithdrawn)
{
    EXPECT_TRUE(yields(decide(given, withdraw{ "" }, trainee()), "proposal.withdrawn"));
}

TEST(ProposalGivenResubmitted, WhenApprovedThenDecidedOnRevisionTwo)
{
    auto given = fold({ submitted_event(),
                        decided_event(schema::ProposalOutcome::CHANGES_REQUIRED, "x"),
                        submitted_event(2) });
    EXPECT_EQ(given.revision, 2U);
    EXPECT_EQ(given.status, proposal_status::submitted);
    EXPECT_TRUE(given.remarks.empty());
    EXPECT_TRUE(
      yields(decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner()),
             "proposal.decided"));
}

class ProposalGivenApproved : public ::testing::Test
{
  protected:
    state given = fold({ submitted_event(), decided_event(schema::ProposalOutcome::APPROVED, "") });
};

TEST_F(ProposalGivenApproved, WhenApprovedAgainThenNoEvents)
{
    EXPECT_TRUE(is_final(given.status));
    EXPECT_EQ(to_string(given.status), "approved");
    EXPECT_TRUE(
      nothing(decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner())));
}

TEST_F(ProposalGivenApproved, WhenDecidedOtherwiseThenAlreadyDecided)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::REJECTED, "x" }, examiner()),
      "proposal.already_decided",
      error_class::rejected));
}

TEST_F(ProposalGivenApproved, WhenResubmittedOrWithdrawnThenAlreadyDecided)
{
    EXPECT_TRUE(fails_with(
      decide(given, proposal_p1(), trainee()), "proposal.already_decided", error_class::rejected));
    EXPECT_TRUE(fails_with(
      decide(given, withdraw{ "" }, trainee()), "proposal.already_decided", error_class::rejected));
}

TEST(ProposalGivenDecided, ThenStatusNamesAreStable)
{
    auto notes =
      fold({ submitted_event(), decided_event(schema::ProposalOutcome::APPROVED_WITH_NOTES, "n") });
    EXPECT_EQ(to_string(notes.status), "approved_with_notes");
    EXPECT_TRUE(is_final(notes.status));
    auto rejected =
      fold({ submitted_event(), decided_event(schema::ProposalOutcome::REJECTED, "r") });
    EXPECT_EQ(to_string(rejected.status), "rejected");
    EXPECT_TRUE(is_final(rejected.status));
}

class ProposalGivenWithdrawn : public ::testing::Test
{
  protected:
    state given = fold({ submitted_event(), withdrawn_event() });
};

TEST_F(ProposalGivenWithdrawn, WhenWithdrawnAgainThenNoEvents)
{
    EXPECT_EQ(to_string(given.status), "withdrawn");
    EXPECT_TRUE(nothing(decide(given, withdraw{ "" }, trainee())));
}

TEST_F(ProposalGivenWithdrawn, WhenDecidedOrResubmittedThenWithdrawn)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_decision{ schema::ProposalOutcome::APPROVED, "" }, examiner()),
      "proposal.withdrawn",
      error_class::rejected));
    EXPECT_TRUE(fails_with(
      decide(given, proposal_p1(), trainee()), "proposal.withdrawn", error_class::rejected));
}

TEST(ProposalStreams, StreamIsTheProposalAndPartitionTheCompany)
{
    EXPECT_EQ(stream_id("p1"), "proposal-p1");
    EXPECT_EQ(partition_key("c1"), "company-c1");
}

TEST(ProposalEvolve, OtherAggregatesEventsLeaveTheStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initSeminar().initScheduled().setTitle("x"); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}
