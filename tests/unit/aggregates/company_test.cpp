#include "company/company.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::domain::company;

namespace {

const timestamp t0 = std::chrono::sys_days{ std::chrono::year{ 2026 } / 11 / 28 };

// --- Given: events ---

event_payload
registered(std::string id = "c1", std::string central = "")
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRegistered();
        b.setCompanyId(id);
        b.setName("Muster GmbH");
        b.setMemberNumber("M-100");
        b.setEmail("info@muster.de");
        auto a = b.initAddress();
        a.setStreet("Hauptstr. 1");
        a.setZip("50667");
        a.setTown("Köln");
        b.setCentralCompanyId(central);
    });
}

event_payload
company_account(std::string account)
{
    return make_event([&](schema::Event::Builder e) {
        e.initCompany().initCompanyAccountLinked().setAccountId(account);
    });
}

event_payload
branch(std::string id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initCompany().initBranchAttached().setBranchCompanyId(id);
    });
}

event_payload
consent()
{
    return make_event(
      [](schema::Event::Builder e) { e.initCompany().initPublicationConsentGiven(); });
}

event_payload
settings(std::string occupation, bool electronic, bool reminders)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRecordSettingsChanged();
        b.setOccupation(occupation);
        b.setElectronic(electronic);
        b.setReminders(reminders);
    });
}

event_payload
trainer_registered(std::string id, std::string email)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initTrainerRegistered();
        b.setTrainerId(id);
        b.setName("Bernd Ausbilder");
        b.setEmail(email);
    });
}

event_payload
trainer_linked(std::string id, std::string account)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initTrainerAccountLinked();
        b.setTrainerId(id);
        b.setAccountId(account);
    });
}

event_payload
appointed(std::string id, std::string account)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRepresentativeAppointed();
        b.setRepresentativeId(id);
        b.setAccountId(account);
        b.setName("Steuerbüro Klug");
    });
}

event_payload
employee_requested(std::string id)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initEmployeeRepresentativeRequested();
        b.setRepresentativeId(id);
        b.setName("Eva Mitarbeiterin");
        b.setEmail("eva@muster.de");
    });
}

event_payload
revoked(std::string id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initCompany().initRepresentativeRevoked().setRepresentativeId(id);
    });
}

context
as(role r, std::string account = "", std::string company = "", std::string behalf = "")
{
    context c;
    c.actor.acting_as = r;
    c.actor.account_id = std::move(account);
    c.actor.on_behalf_of_company_id = std::move(behalf);
    c.actor_company_id = std::move(company);
    c.now = t0;
    return c;
}

context
staff()
{
    return as(role::staff, "st1");
}

/// The company's own account u1 (linked).
context
owner()
{
    return as(role::company, "u1", "c1");
}

std::vector<std::string>
names(const event_list& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(events::event_name(e.reader()));
    }
    return out;
}

schema::CompanyEvent::Reader
ev(const event_list& events, std::size_t i = 0)
{
    return events.at(i).reader().getCompany();
}

register_company
registration()
{
    return { "c1", " Muster GmbH ", "M-100", "Info@Muster.de", { "Hauptstr. 1", "50667", "Köln" },
             "" };
}

template<class R>
void
expect_error(const R& r, std::string code, error_class cls)
{
    ASSERT_FALSE(r.has_value()) << "expected " << code;
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().cls, cls);
}

template<class R>
void
expect_no_events(const R& r)
{
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
}

struct given_company : ::testing::Test
{
    state s;
    void given(const std::vector<event_payload>& events) { s = fold(events); }
    void then_apply(const event_list& events)
    {
        for (const auto& e : events) {
            s = evolve(std::move(s), e.reader());
        }
    }
};

struct CompanyGivenNothing : given_company
{};

struct CompanyGivenRegistered : given_company
{
    void SetUp() override { given({ registered(), company_account("u1") }); }
};

struct CompanyGivenTrainer : given_company
{
    void SetUp() override
    {
        given({ registered(), company_account("u1"), trainer_registered("t1", "bernd@muster.de") });
    }
};

struct CompanyGivenRepresentatives : given_company
{
    void SetUp() override
    {
        given({ registered(),
                company_account("u1"),
                appointed("r1", "a-rep"),
                employee_requested("r2") });
    }
};

} // namespace

// --- registration ---

TEST_F(CompanyGivenNothing, WhenStaffRegistersThenRegistered)
{
    auto r = decide(s, registration(), staff());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.registered" });
    auto b = ev(*r).getRegistered();
    EXPECT_EQ(str(b.getCompanyId()), "c1");
    EXPECT_EQ(str(b.getName()), "Muster GmbH");
    EXPECT_EQ(str(b.getEmail()), "info@muster.de");
    EXPECT_EQ(str(b.getAddress().getZip()), "50667");
    EXPECT_EQ(str(b.getMemberNumber()), "M-100");
}

TEST_F(CompanyGivenNothing, WhenCompanyRegistersItselfThenForbidden)
{
    expect_error(decide(s, registration(), as(role::company, "u1", "c1")),
                 "company.forbidden",
                 error_class::forbidden);
}

TEST_F(CompanyGivenNothing, WhenMemberNumberIsTakenThenRejected)
{
    auto ctx = staff();
    ctx.member_number_taken = true;
    expect_error(
      decide(s, registration(), ctx), "company.member_number_taken", error_class::rejected);
}

TEST_F(CompanyGivenNothing, WhenRegisteredWithBadInputThenValidationErrors)
{
    auto bad = [&](auto change, std::string code) {
        auto c = registration();
        change(c);
        expect_error(decide(s, c, staff()), code, error_class::invalid);
    };
    bad([](auto& c) { c.company_id = ""; }, "validation.company_id");
    bad([](auto& c) { c.name = " "; }, "validation.name");
    bad([](auto& c) { c.member_number = ""; }, "validation.member_number");
    bad([](auto& c) { c.email = "info.muster.de"; }, "validation.email");
    bad([](auto& c) { c.address.street = ""; }, "validation.address");
    bad([](auto& c) { c.address.town = ""; }, "validation.address");
    bad([](auto& c) { c.address.zip = "5066"; }, "validation.zip");
    bad([](auto& c) { c.address.zip = "5066a"; }, "validation.zip");
    bad([](auto& c) { c.address.zip = "506677"; }, "validation.zip");
}

TEST_F(CompanyGivenRegistered, WhenRegisteredAgainThenAlreadyExists)
{
    expect_error(
      decide(s, registration(), staff()), "company.already_exists", error_class::rejected);
}

TEST_F(CompanyGivenNothing, WhenBranchRegisteredWithItsCentralOfficeThenRegistered)
{
    auto c = registration();
    c.company_id = "c2";
    c.central_company_id = "c1";
    auto ctx = staff();
    ctx.other = { true, "", true };
    auto r = decide(s, c, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(str(ev(*r).getRegistered().getCentralCompanyId()), "c1");
}

TEST_F(CompanyGivenNothing, WhenCentralOfficeIsUnknownOrABranchOrSelfThenRejected)
{
    auto c = registration();
    c.company_id = "c2";
    c.central_company_id = "c1";
    expect_error(decide(s, c, staff()), "company.central_not_found", error_class::not_found);
    auto ctx = staff();
    ctx.other = { true, "c0", false };
    expect_error(decide(s, c, ctx), "company.central_is_branch", error_class::rejected);
    c.central_company_id = "c2";
    expect_error(decide(s, c, ctx), "company.central_is_self", error_class::rejected);
}

// --- who may act ---

TEST(CompanyMayAct, FollowsTheAuthorisationRule)
{
    state s = fold({ registered("c1"),
                     company_account("u1"),
                     appointed("r1", "a-rep"),
                     employee_requested("r2") });
    // staff always
    EXPECT_TRUE(may_act({ "st", role::staff, "" }, s, "", ""));
    // the company itself: a linked account, or an account with its role
    EXPECT_TRUE(may_act({ "u1", role::company, "" }, s, "", ""));
    EXPECT_TRUE(may_act({ "u9", role::company, "" }, s, "c1", ""));
    EXPECT_FALSE(may_act({ "u9", role::company, "" }, s, "c2", ""));
    // its central office acting on behalf of it
    EXPECT_TRUE(may_act({ "z1", role::company, "c1" }, s, "c0", "c0"));
    EXPECT_FALSE(may_act({ "z1", role::company, "c1" }, s, "c0", ""));
    EXPECT_FALSE(may_act({ "z1", role::company, "c1" }, s, "c3", "c0"));
    EXPECT_FALSE(may_act({ "z1", role::company, "c5" }, s, "c0", "c0"));
    // an active representative on behalf of it
    EXPECT_TRUE(may_act({ "a-rep", role::representative, "c1" }, s, "", ""));
    EXPECT_FALSE(may_act({ "a-rep", role::representative, "" }, s, "", ""));
    EXPECT_FALSE(may_act({ "a-other", role::representative, "c1" }, s, "", ""));
    // other roles never
    EXPECT_FALSE(may_act({ "t", role::trainee, "c1" }, s, "c1", ""));
    EXPECT_FALSE(may_act({ "", role::system, "" }, s, "", ""));
    // a revoked representative no longer
    state after = evolve(s, revoked("r1").reader());
    EXPECT_FALSE(may_act({ "a-rep", role::representative, "c1" }, after, "", ""));
}

TEST_F(CompanyGivenRegistered, WhenAnotherCompanyChangesSettingsThenForbidden)
{
    expect_error(
      decide(s, change_record_settings{ "*", true, true }, as(role::company, "u7", "c2")),
      "company.forbidden",
      error_class::forbidden);
}

TEST_F(CompanyGivenNothing, WhenCommandOnUnknownCompanyThenNotFound)
{
    expect_error(
      decide(s, give_publication_consent{}, staff()), "company.not_found", error_class::not_found);
}

// --- address ---

TEST_F(CompanyGivenRegistered, WhenAddressChangedThenChangedAndRepeatIsNoEvents)
{
    change_address c{ { "Ring 2", "10115", "Berlin" } };
    auto r = decide(s, c, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(str(ev(*r).getAddressChanged().getAddress().getTown()), "Berlin");
    then_apply(*r);
    expect_no_events(decide(s, c, owner()));
    expect_error(decide(s, change_address{ { "Ring 2", "1011", "Berlin" } }, owner()),
                 "validation.zip",
                 error_class::invalid);
}

// --- branches ---

TEST_F(CompanyGivenRegistered, WhenStaffAttachesABranchThenAttached)
{
    auto ctx = staff();
    ctx.other = { true, "", false };
    auto r = decide(s, attach_branch{ "c2" }, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.branch_attached" });
    EXPECT_EQ(str(ev(*r).getBranchAttached().getBranchCompanyId()), "c2");
    then_apply(*r);
    expect_no_events(decide(s, attach_branch{ "c2" }, ctx));
}

TEST_F(CompanyGivenRegistered, WhenCompanyAttachesABranchThenForbidden)
{
    auto ctx = owner();
    ctx.other = { true, "", false };
    expect_error(
      decide(s, attach_branch{ "c2" }, ctx), "company.forbidden", error_class::forbidden);
}

TEST_F(CompanyGivenRegistered, WhenAttachedToItselfThenBranchIsSelf)
{
    auto ctx = staff();
    ctx.other = { true, "", false };
    expect_error(
      decide(s, attach_branch{ "c1" }, ctx), "company.branch_is_self", error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenBranchUnknownThenBranchNotFound)
{
    expect_error(decide(s, attach_branch{ "c2" }, staff()),
                 "company.branch_not_found",
                 error_class::not_found);
}

TEST_F(CompanyGivenRegistered, WhenBranchHasBranchesThenBranchIsCentralOffice)
{
    auto ctx = staff();
    ctx.other = { true, "", true };
    expect_error(decide(s, attach_branch{ "c2" }, ctx),
                 "company.branch_is_central_office",
                 error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenBranchBelongsToAnotherCentralThenBranchTaken)
{
    auto ctx = staff();
    ctx.other = { true, "c9", false };
    expect_error(
      decide(s, attach_branch{ "c2" }, ctx), "company.branch_taken", error_class::rejected);
}

TEST_F(CompanyGivenNothing, WhenABranchGetsABranchThenCentralIsBranch)
{
    given({ registered("c2", "c1") });
    auto ctx = staff();
    ctx.other = { true, "", false };
    expect_error(
      decide(s, attach_branch{ "c3" }, ctx), "company.central_is_branch", error_class::rejected);
    given({ registered("c2") });
    ctx.central_office_id = "c1"; // attached later on c1's stream
    expect_error(
      decide(s, attach_branch{ "c3" }, ctx), "company.central_is_branch", error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenBranchDetachedThenDetachedAndRepeatIsNoEvents)
{
    given({ registered(), branch("c2") });
    auto r = decide(s, detach_branch{ "c2" }, staff());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.branch_detached" });
    then_apply(*r);
    EXPECT_TRUE(s.branches.empty());
    expect_no_events(decide(s, detach_branch{ "c2" }, staff()));
    expect_error(
      decide(s, detach_branch{ "c2" }, owner()), "company.forbidden", error_class::forbidden);
}

// --- publication consent ---

TEST_F(CompanyGivenRegistered, WhenConsentGivenThenGivenAndRepeatIsNoEvents)
{
    auto r = decide(s, give_publication_consent{}, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.publication_consent_given" });
    then_apply(*r);
    EXPECT_TRUE(s.publication_consent);
    expect_no_events(decide(s, give_publication_consent{}, owner()));
}

TEST_F(CompanyGivenRegistered, WhenConsentWithdrawnThenWithdrawnAndRepeatIsNoEvents)
{
    given({ registered(), company_account("u1"), consent() });
    auto r = decide(s, withdraw_publication_consent{}, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.publication_consent_withdrawn" });
    then_apply(*r);
    EXPECT_FALSE(s.publication_consent);
    expect_no_events(decide(s, withdraw_publication_consent{}, owner()));
}

TEST_F(CompanyGivenRegistered, WhenRepresentativeOfAnotherCompanyWithdrawsThenForbidden)
{
    expect_error(
      decide(s, withdraw_publication_consent{}, as(role::representative, "a-rep", "", "c1")),
      "company.forbidden",
      error_class::forbidden);
}

// --- record settings ---

TEST_F(CompanyGivenRegistered, WhenSettingsForAllOccupationsThenTheyApplyEverywhere)
{
    auto r = decide(s, change_record_settings{ "*", true, true }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.record_settings_changed" });
    auto b = ev(*r).getRecordSettingsChanged();
    EXPECT_EQ(str(b.getOccupation()), "*");
    EXPECT_TRUE(b.getElectronic());
    EXPECT_TRUE(b.getReminders());
    then_apply(*r);
    EXPECT_EQ(record_settings_for(s, "Industriekaufmann/-frau"), (record_settings{ true, true }));
}

TEST_F(CompanyGivenRegistered, WhenUnchangedSettingsAgainThenNoEvents)
{
    given({ registered(), company_account("u1"), settings("Koch/Köchin", true, false) });
    expect_no_events(decide(s, change_record_settings{ "Koch/Köchin", true, false }, owner()));
}

TEST_F(CompanyGivenRegistered, WhenOccupationMissingThenInvalid)
{
    expect_error(decide(s, change_record_settings{ " ", true, true }, owner()),
                 "validation.occupation",
                 error_class::invalid);
}

TEST(CompanyRecordSettingsFor, SpecificOccupationOverridesAllAndDefaultIsOff)
{
    state none = fold({ registered() });
    EXPECT_EQ(record_settings_for(none, "Koch/Köchin"), (record_settings{ false, false }));
    state s = fold({ registered(),
                     settings("*", true, true),
                     settings("Koch/Köchin", false, false),
                     settings("Mechatroniker/-in", true, false) });
    EXPECT_EQ(record_settings_for(s, "Koch/Köchin"), (record_settings{ false, false }));
    EXPECT_EQ(record_settings_for(s, "Mechatroniker/-in"), (record_settings{ true, false }));
    EXPECT_EQ(record_settings_for(s, "Bankkaufmann/-frau"), (record_settings{ true, true }));
    state only_specific = fold({ registered(), settings("Koch/Köchin", true, true) });
    EXPECT_EQ(record_settings_for(only_specific, "Bankkaufmann/-frau"),
              (record_settings{ false, false }));
}

// --- trainers ---

TEST_F(CompanyGivenRegistered, WhenTrainerRegisteredThenRegistered)
{
    auto r = decide(s, register_trainer{ "t1", "Bernd Ausbilder", "Bernd@Muster.de" }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.trainer_registered" });
    auto b = ev(*r).getTrainerRegistered();
    EXPECT_EQ(str(b.getTrainerId()), "t1");
    EXPECT_EQ(str(b.getEmail()), "bernd@muster.de");
}

TEST_F(CompanyGivenTrainer, WhenSameTrainerRegisteredAgainThenNoEvents)
{
    expect_no_events(
      decide(s, register_trainer{ "t1", "Bernd Ausbilder", "bernd@muster.de" }, owner()));
}

TEST_F(CompanyGivenTrainer, WhenAnotherTrainerWithTheSameEmailThenEmailTaken)
{
    expect_error(decide(s, register_trainer{ "t2", "Bernd B.", "BERND@muster.de" }, owner()),
                 "company.trainer_email_taken",
                 error_class::rejected);
}

TEST_F(CompanyGivenTrainer, WhenTheIdIsReusedWithOtherDataThenTrainerExists)
{
    expect_error(decide(s, register_trainer{ "t1", "Clara", "clara@muster.de" }, owner()),
                 "company.trainer_exists",
                 error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenTrainerInputIsBadThenValidationErrors)
{
    expect_error(decide(s, register_trainer{ "", "B", "b@muster.de" }, owner()),
                 "validation.trainer_id",
                 error_class::invalid);
    expect_error(decide(s, register_trainer{ "t1", "", "b@muster.de" }, owner()),
                 "validation.name",
                 error_class::invalid);
    expect_error(decide(s, register_trainer{ "t1", "B", "b@" }, owner()),
                 "validation.email",
                 error_class::invalid);
}

TEST_F(CompanyGivenTrainer, WhenTrainerAccountLinkedThenLinkedAndRepeatIsNoEvents)
{
    auto r = decide(s, link_trainer_account{ "t1", "a-t1" }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.trainer_account_linked" });
    EXPECT_EQ(str(ev(*r).getTrainerAccountLinked().getAccountId()), "a-t1");
    then_apply(*r);
    expect_no_events(decide(s, link_trainer_account{ "t1", "a-t1" }, as(role::system)));
    expect_error(decide(s, link_trainer_account{ "t1", "a-x" }, owner()),
                 "company.trainer_already_linked",
                 error_class::rejected);
}

TEST_F(CompanyGivenTrainer, WhenLinkingAnUnknownTrainerThenTrainerNotFound)
{
    expect_error(decide(s, link_trainer_account{ "t9", "a-t9" }, owner()),
                 "company.trainer_not_found",
                 error_class::not_found);
    expect_error(decide(s, link_trainer_account{ "t1", "" }, owner()),
                 "validation.account_id",
                 error_class::invalid);
    expect_error(decide(s, link_trainer_account{ "t1", "a-t1" }, as(role::trainer, "a-t1")),
                 "company.forbidden",
                 error_class::forbidden);
}

TEST_F(CompanyGivenNothing, WhenCompanyAccountLinkedBySystemThenLinkedAndRepeatIsNoEvents)
{
    given({ registered() });
    auto r = decide(s, link_company_account{ "u1" }, as(role::system));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.company_account_linked" });
    then_apply(*r);
    expect_no_events(decide(s, link_company_account{ "u1" }, staff()));
    expect_error(decide(s, link_company_account{ "u2" }, owner()),
                 "company.forbidden",
                 error_class::forbidden);
    expect_error(decide(s, link_company_account{ "" }, staff()),
                 "validation.account_id",
                 error_class::invalid);
}

// --- representatives ---

TEST_F(CompanyGivenRegistered, WhenAppointingAnExistingAccountThenAppointed)
{
    auto ctx = owner();
    ctx.account_exists = true;
    auto r = decide(s, appoint_representative{ "r1", "a-rep", "Steuerbüro Klug" }, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.representative_appointed" });
    auto b = ev(*r).getRepresentativeAppointed();
    EXPECT_EQ(str(b.getAccountId()), "a-rep");
    then_apply(*r);
    expect_no_events(decide(s, appoint_representative{ "r1", "a-rep", "Steuerbüro Klug" }, ctx));
}

TEST_F(CompanyGivenRegistered, WhenAppointingWithoutAnAccountThenAccountNotFound)
{
    expect_error(decide(s, appoint_representative{ "r1", "a-x", "X" }, owner()),
                 "company.account_not_found",
                 error_class::rejected);
}

TEST_F(CompanyGivenRepresentatives, WhenTheSameAccountIsAppointedTwiceThenRepresentativeExists)
{
    auto ctx = owner();
    ctx.account_exists = true;
    expect_error(decide(s, appoint_representative{ "r3", "a-rep", "Klug" }, ctx),
                 "company.representative_exists",
                 error_class::rejected);
    expect_error(decide(s, appoint_representative{ "r1", "a-new", "Neu" }, ctx),
                 "company.representative_exists",
                 error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenAppointmentInputIsBadThenValidationErrors)
{
    auto ctx = owner();
    ctx.account_exists = true;
    expect_error(decide(s, appoint_representative{ "", "a", "X" }, ctx),
                 "validation.representative_id",
                 error_class::invalid);
    expect_error(decide(s, appoint_representative{ "r1", "", "X" }, ctx),
                 "validation.account_id",
                 error_class::invalid);
    expect_error(decide(s, appoint_representative{ "r1", "a", "" }, ctx),
                 "validation.name",
                 error_class::invalid);
}

TEST_F(CompanyGivenRepresentatives, WhenRepresentativeActsForTheCompanyThenAllowed)
{
    auto r = decide(s, give_publication_consent{}, as(role::representative, "a-rep", "", "c1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(r->size(), 1U);
}

TEST_F(CompanyGivenRepresentatives, WhenPendingEmployeeActsThenForbidden)
{
    given({ registered(), employee_requested("r2") });
    // a pending employee representative grants nothing until staff approve
    expect_error(decide(s, give_publication_consent{}, as(role::representative, "a-eva", "", "c1")),
                 "company.forbidden",
                 error_class::forbidden);
}

TEST_F(CompanyGivenRegistered, WhenEmployeeRepresentativeRequestedThenPending)
{
    auto r = decide(
      s, request_employee_representative{ "r2", "Eva Mitarbeiterin", "Eva@Muster.de" }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.employee_representative_requested" });
    EXPECT_EQ(str(ev(*r).getEmployeeRepresentativeRequested().getEmail()), "eva@muster.de");
    then_apply(*r);
    ASSERT_EQ(s.representatives.size(), 1U);
    EXPECT_EQ(s.representatives[0].status, representative_status::pending);
}

TEST_F(CompanyGivenRepresentatives, WhenSameRequestRepeatedThenNoEvents)
{
    expect_no_events(decide(
      s, request_employee_representative{ "r2", "Eva Mitarbeiterin", "eva@muster.de" }, owner()));
    expect_error(
      decide(s, request_employee_representative{ "r2", "Otto", "otto@muster.de" }, owner()),
      "company.representative_exists",
      error_class::rejected);
}

TEST_F(CompanyGivenRegistered, WhenRequestInputIsBadThenValidationErrors)
{
    expect_error(decide(s, request_employee_representative{ "", "E", "e@m.de" }, owner()),
                 "validation.representative_id",
                 error_class::invalid);
    expect_error(decide(s, request_employee_representative{ "r", " ", "e@m.de" }, owner()),
                 "validation.name",
                 error_class::invalid);
    expect_error(decide(s, request_employee_representative{ "r", "E", "e" }, owner()),
                 "validation.email",
                 error_class::invalid);
}

TEST_F(CompanyGivenRepresentatives, WhenStaffApprovesThenApprovedWithTheNewAccount)
{
    auto r = decide(s, approve_employee_representative{ "r2", "a-eva" }, staff());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.employee_representative_approved" });
    EXPECT_EQ(str(ev(*r).getEmployeeRepresentativeApproved().getAccountId()), "a-eva");
    then_apply(*r);
    EXPECT_TRUE(may_act({ "a-eva", role::representative, "c1" }, s, "", ""));
    expect_no_events(decide(s, approve_employee_representative{ "r2", "a-eva" }, staff()));
    expect_error(decide(s, approve_employee_representative{ "r2", "a-other" }, staff()),
                 "company.representative_not_pending",
                 error_class::rejected);
}

TEST_F(CompanyGivenRepresentatives, WhenCompanyApprovesItsOwnEmployeeThenForbidden)
{
    expect_error(decide(s, approve_employee_representative{ "r2", "a-eva" }, owner()),
                 "company.forbidden",
                 error_class::forbidden);
}

TEST_F(CompanyGivenRepresentatives, WhenApprovingUnknownOrNonEmployeeThenNotFound)
{
    expect_error(decide(s, approve_employee_representative{ "r9", "a" }, staff()),
                 "company.representative_not_found",
                 error_class::not_found);
    expect_error(decide(s, approve_employee_representative{ "r1", "a" }, staff()),
                 "company.representative_not_found",
                 error_class::not_found);
    expect_error(decide(s, approve_employee_representative{ "r2", "" }, staff()),
                 "validation.account_id",
                 error_class::invalid);
}

TEST_F(CompanyGivenRepresentatives, WhenRevokedThenRevokedAndRepeatIsNoEvents)
{
    auto r = decide(s, revoke_representative{ "r1" }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.representative_revoked" });
    then_apply(*r);
    EXPECT_FALSE(may_act({ "a-rep", role::representative, "c1" }, s, "", ""));
    expect_no_events(decide(s, revoke_representative{ "r1" }, owner()));
    expect_error(decide(s, revoke_representative{ "r9" }, owner()),
                 "company.representative_not_found",
                 error_class::not_found);
}

TEST_F(CompanyGivenRepresentatives, WhenPendingRequestRevokedThenItCannotBeApproved)
{
    auto r = decide(s, revoke_representative{ "r2" }, owner());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    then_apply(*r);
    expect_error(decide(s, approve_employee_representative{ "r2", "a-eva" }, staff()),
                 "company.representative_not_pending",
                 error_class::rejected);
}

TEST_F(CompanyGivenRepresentatives, WhenCentralOfficeActsForItsBranchThenAllowed)
{
    auto ctx = as(role::company, "z1", "c0", "c1");
    ctx.central_office_id = "c0";
    auto r = decide(s, change_record_settings{ "*", true, false }, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(r->size(), 1U);
}

// --- streams and evolve ---

TEST(CompanyStreams, AreNamedAfterTheCompany)
{
    EXPECT_EQ(stream_id("c1"), "company-c1");
    EXPECT_EQ(partition_key("c1"), "company-c1");
}

TEST(CompanyEvolve, IgnoresEventsOfOtherAggregates)
{
    auto other = make_event([](schema::Event::Builder e) { e.initAccount().initErased(); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}

TEST(CompanyEvolve, TracksTrainersAndAccounts)
{
    state s = fold({ registered(),
                     trainer_registered("t1", "b@m.de"),
                     trainer_linked("t1", "a-t1"),
                     company_account("u1"),
                     company_account("u1") });
    ASSERT_EQ(s.trainers.size(), 1U);
    EXPECT_EQ(s.trainers[0].account_id, "a-t1");
    EXPECT_EQ(s.company_accounts, std::vector<std::string>{ "u1" });
}

// --- erasure of a trainer's or representative's personal data ---

TEST_F(CompanyGivenTrainer, WhenStaffErasesATrainerThenNameAndEmailGoAndTheAccountCannotBeLinked)
{
    auto r = decide(s, erase_person{ "t1", "", "  Zugang gelöscht " }, staff());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "company.person_erased" });
    auto e = ev(*r).getPersonErased();
    EXPECT_EQ(str(e.getTrainerId()), "t1");
    EXPECT_EQ(str(e.getRepresentativeId()), "");
    EXPECT_EQ(str(e.getReason()), "Zugang gelöscht");
    then_apply(*r);
    ASSERT_EQ(s.trainers.size(), 1U);
    EXPECT_TRUE(s.trainers[0].erased);
    EXPECT_EQ(s.trainers[0].name, "");
    EXPECT_EQ(s.trainers[0].email, "");
    expect_no_events(decide(s, erase_person{ "t1", "", "noch einmal" }, staff()));
    expect_error(decide(s, link_trainer_account{ "t1", "a-t1" }, owner()),
                 "company.trainer_erased",
                 error_class::rejected);
    // The address is free for a new trainer entry; the id stays taken.
    auto again = decide(s, register_trainer{ "t2", "Bernd Ausbilder", "bernd@muster.de" }, owner());
    ASSERT_TRUE(again.has_value()) << again.error().code;
    expect_error(decide(s, register_trainer{ "t1", "Bernd Ausbilder", "bernd@muster.de" }, owner()),
                 "company.trainer_exists",
                 error_class::rejected);
}

TEST_F(CompanyGivenTrainer, ErasingAPersonIsForStaffAndThePortalWithOnePersonAndAReason)
{
    auto system = as(role::system);
    auto r = decide(s, erase_person{ "t1", "", "Zugang gelöscht" }, system);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    expect_error(decide(s, erase_person{ "t1", "", "Zugang gelöscht" }, owner()),
                 "company.forbidden",
                 error_class::forbidden);
    expect_error(decide(s, erase_person{ "", "", "Zugang gelöscht" }, staff()),
                 "validation.person",
                 error_class::invalid);
    expect_error(decide(s, erase_person{ "t1", "r1", "Zugang gelöscht" }, staff()),
                 "validation.person",
                 error_class::invalid);
    expect_error(
      decide(s, erase_person{ "t1", "", " " }, staff()), "validation.reason", error_class::invalid);
    expect_error(decide(s, erase_person{ "t1", "", std::string(501, 'x') }, staff()),
                 "validation.reason",
                 error_class::invalid);
    EXPECT_TRUE(decide(s, erase_person{ "t1", "", std::string(500, 'x') }, staff()).has_value());
    expect_error(decide(s, erase_person{ "t9", "", "Zugang gelöscht" }, staff()),
                 "company.trainer_not_found",
                 error_class::not_found);
    expect_error(decide(s, erase_person{ "", "r9", "Zugang gelöscht" }, staff()),
                 "company.representative_not_found",
                 error_class::not_found);
    expect_error(decide(state{}, erase_person{ "t1", "", "Zugang gelöscht" }, staff()),
                 "company.not_found",
                 error_class::not_found);
}

TEST_F(CompanyGivenRepresentatives, WhenARepresentativeIsErasedThenRevokedWithoutNameOrEmail)
{
    for (const auto* id : { "r1", "r2" }) {
        auto r = decide(s, erase_person{ "", id, "Zugang gelöscht" }, staff());
        ASSERT_TRUE(r.has_value()) << r.error().code;
        then_apply(*r);
    }
    for (const auto& rep : s.representatives) {
        EXPECT_TRUE(rep.erased) << rep.id;
        EXPECT_EQ(rep.name, "") << rep.id;
        EXPECT_EQ(rep.email, "") << rep.id;
        EXPECT_EQ(rep.status, representative_status::revoked) << rep.id;
    }
    EXPECT_FALSE(may_act({ "a-rep", role::representative, "c1" }, s, "", ""));
    expect_error(decide(s, approve_employee_representative{ "r2", "a-eva" }, staff()),
                 "company.representative_not_pending",
                 error_class::rejected);
    expect_no_events(decide(s, erase_person{ "", "r1", "noch einmal" }, staff()));
}
