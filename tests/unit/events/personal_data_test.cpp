#include "portal/events/message.hpp"
#include "portal/events/personal_data.hpp"

#include <gtest/gtest.h>

using namespace portal;
using events::personal_data;

namespace {

events::event_payload
account_created(const std::string& email, const std::string& name)
{
    return events::event_payload::build([&](schema::Event::Builder e) {
        auto c = e.initAccount().initCreated();
        c.setEmail(email);
        c.setName(name);
        c.setAccountId("a1");
        c.setCreatedFor("staff");
    });
}

events::event_payload
contract_registered()
{
    return events::event_payload::build([](schema::Event::Builder e) {
        auto r = e.initContract().initRegistered();
        r.setCompanyId("c1");
        auto t = r.initTrainee();
        t.setName("Lena Vogel");
        t.setBirthDate("2008-03-14");
        t.setEmail("lena@example.org");
        r.setOccupation("Fachinformatiker/in");
    });
}

/// Copies a payload into a builder, applies `f`, returns the result.
template<class F>
events::event_payload
changed(const events::event_payload& p, F&& f)
{
    capnp::MallocMessageBuilder b;
    b.setRoot(p.reader());
    f(b.getRoot<schema::Event>());
    return events::event_payload::from_builder(b);
}

} // namespace

TEST(PersonalData, AnAccountsEmailAndNameBelongToTheAccount)
{
    auto groups =
      personal_data("account-a1", account_created("erika@example.org", "Erika Muster").reader());
    ASSERT_EQ(groups.size(), 1U);
    EXPECT_EQ(groups[0].subject, "account-a1");
    EXPECT_EQ(groups[0].values, (std::vector<std::string>{ "erika@example.org", "Erika Muster" }));
}

TEST(PersonalData, AContractsTraineeBelongsToTheContract)
{
    auto groups = personal_data("contract-k1", contract_registered().reader());
    ASSERT_EQ(groups.size(), 1U);
    EXPECT_EQ(groups[0].subject, "contract-k1");
    EXPECT_EQ(groups[0].values,
              (std::vector<std::string>{ "Lena Vogel", "2008-03-14", "lena@example.org" }));
}

TEST(PersonalData, ExamRegistrationsRemindersAndContractDocumentsBelongToTheContract)
{
    auto exam = events::event_payload::build([](schema::Event::Builder e) {
        auto r = e.initExam().initRegistered();
        r.setRegistrationId("r1");
        r.setContractId("k1");
        r.setTraineeName("Lena Vogel");
    });
    auto g = personal_data("exam-e1", exam.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "contract-k1");
    EXPECT_EQ(g[0].values, (std::vector<std::string>{ "Lena Vogel" }));

    auto reminder = events::event_payload::build([](schema::Event::Builder e) {
        auto m = e.initReminder().initEscalated();
        m.setContractId("k1");
        m.setRecipientEmail("lena@example.org");
        auto cc = m.initCcEmails(2);
        cc.set(0, "trainer@example.org");
        cc.set(1, "second@example.org");
    });
    g = personal_data("reminder-x", reminder.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "contract-k1");
    EXPECT_EQ(g[0].values,
              (std::vector<std::string>{
                "lena@example.org", "trainer@example.org", "second@example.org" }));

    // Without a contract, a reminder belongs to its recipient's account.
    auto to_trainer = events::event_payload::build([](schema::Event::Builder e) {
        auto m = e.initReminder().initSent();
        m.setRecipientAccountId("a7");
        m.setRecipientEmail("trainer@example.org");
    });
    g = personal_data("reminder-y", to_trainer.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "account-a7");

    auto document = events::event_payload::build([](schema::Event::Builder e) {
        auto d = e.initDocument().initIssued();
        d.setContractId("k1");
        d.setTitle("Eintragungsbestätigung Lena Vogel");
        d.setBody("Lena Vogel, geboren am 14.03.2008");
    });
    g = personal_data("document-d1", document.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "contract-k1");
    EXPECT_EQ(g[0].values.size(), 2U);

    // A document of no contract (a company's) carries no one's data here.
    auto company_document = events::event_payload::build(
      [](schema::Event::Builder e) { e.initDocument().initIssued().setBody("Rundschreiben"); });
    EXPECT_TRUE(personal_data("document-d2", company_document.reader()).empty());
}

TEST(PersonalData, OtherEventsCarryNone)
{
    auto withdrawn = events::event_payload::build(
      [](schema::Event::Builder e) { e.initDocument().initWithdrawn().setReason("x"); });
    EXPECT_TRUE(personal_data("document-d1", withdrawn.reader()).empty());
}

TEST(PersonalData, SetClearsAndRestoresTheSubjectsFieldsInOrder)
{
    auto original = contract_registered();
    auto cleared = changed(original, [](schema::Event::Builder e) {
        events::set_personal_data("contract-k1", e, "contract-k1", {});
    });
    auto t = cleared.reader().getContract().getRegistered().getTrainee();
    EXPECT_EQ(std::string(t.getName().cStr()), "");
    EXPECT_EQ(std::string(t.getBirthDate().cStr()), "");
    EXPECT_EQ(std::string(t.getEmail().cStr()), "");
    // Other fields stay.
    EXPECT_EQ(std::string(cleared.reader().getContract().getRegistered().getOccupation().cStr()),
              "Fachinformatiker/in");

    std::vector<std::string> values{ "Lena Vogel", "2008-03-14", "lena@example.org" };
    auto restored = changed(cleared, [&](schema::Event::Builder e) {
        events::set_personal_data("contract-k1", e, "contract-k1", values);
    });
    EXPECT_EQ(personal_data("contract-k1", restored.reader())[0].values, values);

    // Fewer values (sealed before a field was added): the rest reads empty.
    std::vector<std::string> fewer{ "Lena Vogel" };
    auto partial = changed(cleared, [&](schema::Event::Builder e) {
        events::set_personal_data("contract-k1", e, "contract-k1", fewer);
    });
    EXPECT_EQ(personal_data("contract-k1", partial.reader())[0].values,
              (std::vector<std::string>{ "Lena Vogel", "", "" }));

    // Another subject's name changes nothing.
    auto untouched = changed(original, [](schema::Event::Builder e) {
        events::set_personal_data("contract-k1", e, "account-a1", {});
    });
    EXPECT_EQ(personal_data("contract-k1", untouched.reader())[0].values, values);
}

TEST(PersonalData, ErasingEventsNameTheSubjectWhoseKeyGoes)
{
    auto erased = events::event_payload::build(
      [](schema::Event::Builder e) { e.initAccount().initErased().setReason("Frist"); });
    EXPECT_EQ(events::erased_subject("account-a1", erased.reader()), "account-a1");
    auto contract = events::event_payload::build([](schema::Event::Builder e) {
        e.initContract().initPersonalDataErased().setReason("Frist");
    });
    EXPECT_EQ(events::erased_subject("contract-k1", contract.reader()), "contract-k1");
    EXPECT_EQ(events::erased_subject("account-a1", account_created("a@b.de", "A").reader()),
              std::nullopt);
}

TEST(PersonalData, ARecordsTextsNotesAndDecisionsBelongToItsContract)
{
    auto drafted = events::event_payload::build([](schema::Event::Builder e) {
        auto d = e.initReport().initDrafted();
        d.setContractId("k1");
        auto entries = d.initEntries(2);
        entries[0].setText("Netzwerk eingerichtet");
        entries[0].setMinutes(240);
        entries[1].setText("Berufsschule: Subnetting");
        auto absences = d.initAbsences(1);
        absences[0].setNote("Arzttermin");
    });
    auto g = personal_data("report-r1", drafted.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "contract-k1");
    EXPECT_EQ(g[0].values,
              (std::vector<std::string>{
                "Netzwerk eingerichtet", "Berufsschule: Subnetting", "Arzttermin" }));
    auto cleared = changed(drafted, [](schema::Event::Builder e) {
        events::set_personal_data("report-r1", e, "contract-k1", {});
    });
    auto entries = cleared.reader().getReport().getDrafted().getEntries();
    EXPECT_EQ(std::string(entries[0].getText().cStr()), "");
    EXPECT_EQ(entries[0].getMinutes(), 240U); // not personal: kept

    auto rejected = events::event_payload::build([](schema::Event::Builder e) {
        auto d = e.initReport().initRejected();
        d.setRemarks("Bitte genauer beschreiben");
        d.setContractId("k1");
    });
    EXPECT_EQ(personal_data("report-r1", rejected.reader())[0].values,
              (std::vector<std::string>{ "Bitte genauer beschreiben" }));

    // Recorded before record events named their contract: left as stored.
    auto old_edit = events::event_payload::build([](schema::Event::Builder e) {
        e.initReport().initEdited().initEntries(1)[0].setText("alt");
    });
    EXPECT_TRUE(personal_data("report-r1", old_edit.reader()).empty());
}

TEST(PersonalData, TrainersAndRepresentativesOfACompanyAreSubjectsOfTheirOwn)
{
    auto trainer = events::event_payload::build([](schema::Event::Builder e) {
        auto t = e.initCompany().initTrainerRegistered();
        t.setTrainerId("t1");
        t.setName("Thomas Berger");
        t.setEmail("berger@firma.example");
    });
    auto g = personal_data("company-c1", trainer.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "company-c1/trainer-t1");
    EXPECT_EQ(g[0].values, (std::vector<std::string>{ "Thomas Berger", "berger@firma.example" }));
    auto cleared = changed(trainer, [](schema::Event::Builder e) {
        events::set_personal_data("company-c1", e, "company-c1/trainer-t1", {});
    });
    EXPECT_EQ(std::string(cleared.reader().getCompany().getTrainerRegistered().getEmail().cStr()),
              "");
    EXPECT_EQ(
      std::string(cleared.reader().getCompany().getTrainerRegistered().getTrainerId().cStr()),
      "t1");

    auto appointed = events::event_payload::build([](schema::Event::Builder e) {
        auto r = e.initCompany().initRepresentativeAppointed();
        r.setRepresentativeId("rep1");
        r.setAccountId("a7");
        r.setName("Steuerbüro Klein");
    });
    g = personal_data("company-c1", appointed.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "company-c1/representative-rep1");
    EXPECT_EQ(g[0].values, (std::vector<std::string>{ "Steuerbüro Klein" }));

    auto requested = events::event_payload::build([](schema::Event::Builder e) {
        auto r = e.initCompany().initEmployeeRepresentativeRequested();
        r.setRepresentativeId("rep2");
        r.setName("Petra Vogel");
        r.setEmail("vogel@firma.example");
    });
    g = personal_data("company-c1", requested.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "company-c1/representative-rep2");
    EXPECT_EQ(g[0].values, (std::vector<std::string>{ "Petra Vogel", "vogel@firma.example" }));

    // The company's own name and address are no person's.
    auto registered = events::event_payload::build([](schema::Event::Builder e) {
        auto r = e.initCompany().initRegistered();
        r.setName("Muster GmbH");
        r.setEmail("info@muster.example");
    });
    EXPECT_TRUE(personal_data("company-c1", registered.reader()).empty());
}

TEST(PersonalData, ErasingATrainerOrRepresentativeNamesTheirSubject)
{
    auto erase = [](const char* trainer, const char* representative) {
        return events::event_payload::build([&](schema::Event::Builder e) {
            auto x = e.initCompany().initPersonErased();
            x.setTrainerId(trainer);
            x.setRepresentativeId(representative);
            x.setReason("Zugang gelöscht");
        });
    };
    EXPECT_EQ(events::erased_subject("company-c1", erase("t1", "").reader()),
              "company-c1/trainer-t1");
    EXPECT_EQ(events::erased_subject("company-c1", erase("", "rep1").reader()),
              "company-c1/representative-rep1");
    EXPECT_EQ(events::erased_subject("company-c1", erase("", "").reader()), std::nullopt);
}

TEST(PersonalData, ARecordsApproverAddressBelongsToItsContract)
{
    auto submitted = events::event_payload::build([](schema::Event::Builder e) {
        auto s = e.initReport().initSubmitted();
        s.setApproverEmail("berger@firma.example");
        s.setApproverAccountId("a9");
        s.setContractId("k1");
    });
    auto g = personal_data("report-r1", submitted.reader());
    ASSERT_EQ(g.size(), 1U);
    EXPECT_EQ(g[0].subject, "contract-k1");
    EXPECT_EQ(g[0].values, (std::vector<std::string>{ "berger@firma.example" }));
    auto cleared = changed(submitted, [](schema::Event::Builder e) {
        events::set_personal_data("report-r1", e, "contract-k1", {});
    });
    auto s = cleared.reader().getReport().getSubmitted();
    EXPECT_EQ(std::string(s.getApproverEmail().cStr()), "");
    EXPECT_EQ(std::string(s.getApproverAccountId().cStr()), "a9");
}
