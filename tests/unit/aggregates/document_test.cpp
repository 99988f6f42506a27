// Given/When/Then specification of documents and the registration confirmation.

#include "document/document.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using namespace portal;
using namespace portal::domain;
namespace d = portal::domain::document;

namespace {

d::context
staff_context()
{
    d::context ctx;
    ctx.actor = principal{ "staff-1", role::staff, "" };
    ctx.now = *parse_rfc3339("2026-11-28T12:00:00Z");
    return ctx;
}

d::issue
confirmation()
{
    return d::issue{ schema::DocumentKind::REGISTRATION_CONFIRMATION,
                     "Eintragungsbestätigung Mia Muster",
                     "co1",
                     "c1",
                     "Eintragungsbestätigung\n\nAuszubildende/r: Mia Muster\n" };
}

const event_payload&
single(const decision& dec)
{
    if (!dec.has_value()) {
        ADD_FAILURE() << "expected one event, got error " << dec.error().code;
        throw std::runtime_error("no event");
    }
    if (dec->size() != 1) {
        ADD_FAILURE() << "expected one event, got " << dec->size();
        throw std::runtime_error("not one event");
    }
    return dec->front();
}

void
expect_error(const decision& dec, std::string_view code, error_class cls)
{
    ASSERT_FALSE(dec.has_value()) << "expected error " << code;
    EXPECT_EQ(dec.error().code, code);
    EXPECT_EQ(dec.error().cls, cls);
}

void
expect_no_events(const decision& dec)
{
    ASSERT_TRUE(dec.has_value()) << dec.error().code;
    EXPECT_TRUE(dec->empty());
}

event_payload
issued_event()
{
    return make_event([](schema::Event::Builder e) {
        auto x = e.initDocument().initIssued();
        x.setKind(schema::DocumentKind::REGISTRATION_CONFIRMATION);
        x.setTitle("Eintragungsbestätigung Mia Muster");
        x.setCompanyId("co1");
        x.setContractId("c1");
        x.setBody("Eintragungsbestätigung\n\nAuszubildende/r: Mia Muster\n");
    });
}

event_payload
withdrawn_event()
{
    return make_event([](schema::Event::Builder e) {
        e.initDocument().initWithdrawn().setReason("falscher Ausbildungsberuf");
    });
}

class DocumentGivenNothing : public ::testing::Test
{
  protected:
    d::state given;
    d::context ctx = staff_context();
};

class DocumentGivenIssued : public ::testing::Test
{
  protected:
    d::state given = d::fold({ issued_event() });
    d::context ctx = staff_context();
};

class DocumentGivenWithdrawn : public ::testing::Test
{
  protected:
    d::state given = d::fold({ issued_event(), withdrawn_event() });
    d::context ctx = staff_context();
};

d::confirmation_data
mia()
{
    return d::confirmation_data{ "Mia Muster",  "2009-03-15",
                                 "AZ-4711",     "Kaufmann/-frau für Büromanagement",
                                 "2026-08-01",  "2029-07-31",
                                 "Muster GmbH", "c1" };
}

} // namespace

TEST_F(DocumentGivenNothing, WhenStaffIssuesThenIssuedWithEveryField)
{
    auto dec = d::decide(given, confirmation(), ctx);
    const auto& e = single(dec);
    EXPECT_EQ(events::event_name(e.reader()), "document.issued");
    auto x = e.reader().getDocument().getIssued();
    EXPECT_EQ(x.getKind(), schema::DocumentKind::REGISTRATION_CONFIRMATION);
    EXPECT_EQ(str(x.getTitle()), "Eintragungsbestätigung Mia Muster");
    EXPECT_EQ(str(x.getCompanyId()), "co1");
    EXPECT_EQ(str(x.getContractId()), "c1");
    EXPECT_EQ(str(x.getBody()), "Eintragungsbestätigung\n\nAuszubildende/r: Mia Muster\n");
    auto s = d::evolve(given, e.reader());
    EXPECT_TRUE(s.exists);
    EXPECT_EQ(s.company_id, "co1");
    EXPECT_FALSE(s.withdrawn);
}

TEST_F(DocumentGivenNothing, WhenTheSystemIssuesThenIssued)
{
    ctx.actor = principal{ "", role::system, "" };
    EXPECT_EQ(events::event_name(single(d::decide(given, confirmation(), ctx)).reader()),
              "document.issued");
}

TEST_F(DocumentGivenNothing, WhenCompanyIssuesThenStaffOnly)
{
    ctx.actor = principal{ "acc-co", role::company, "co1" };
    expect_error(
      d::decide(given, confirmation(), ctx), "document.staff_only", error_class::forbidden);
}

TEST_F(DocumentGivenNothing, WhenKindIsUnknownThenValidationKind)
{
    auto cmd = confirmation();
    cmd.kind = static_cast<schema::DocumentKind>(42);
    expect_error(d::decide(given, cmd, ctx), "validation.kind", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenTitleIsEmptyThenValidationTitle)
{
    auto cmd = confirmation();
    cmd.title = " ";
    expect_error(d::decide(given, cmd, ctx), "validation.title", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenCompanyIsMissingThenValidationCompanyId)
{
    auto cmd = confirmation();
    cmd.company_id = "";
    expect_error(d::decide(given, cmd, ctx), "validation.company_id", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenConfirmationNamesNoContractThenValidationContractId)
{
    auto cmd = confirmation();
    cmd.contract_id = "";
    expect_error(d::decide(given, cmd, ctx), "validation.contract_id", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenOtherDocumentNamesNoContractThenIssued)
{
    auto cmd = confirmation();
    cmd.kind = schema::DocumentKind::OTHER;
    cmd.contract_id = "";
    EXPECT_EQ(events::event_name(single(d::decide(given, cmd, ctx)).reader()), "document.issued");
}

TEST_F(DocumentGivenNothing, WhenBodyIsEmptyThenValidationBody)
{
    auto cmd = confirmation();
    cmd.body = "";
    expect_error(d::decide(given, cmd, ctx), "validation.body", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenBodyIsTooLongThenValidationBody)
{
    auto cmd = confirmation();
    cmd.body = std::string(d::k_max_body + 1, 'x');
    expect_error(d::decide(given, cmd, ctx), "validation.body", error_class::invalid);
}

TEST_F(DocumentGivenNothing, WhenWithdrawnThenNotFound)
{
    expect_error(
      d::decide(given, d::withdraw{ "Irrtum" }, ctx), "document.not_found", error_class::not_found);
}

TEST_F(DocumentGivenIssued, WhenTheSameIssueIsRetriedThenNoEvents)
{
    expect_no_events(d::decide(given, confirmation(), ctx));
}

TEST_F(DocumentGivenIssued, WhenAnotherDocumentIsIssuedOnTheStreamThenAlreadyIssued)
{
    auto cmd = confirmation();
    cmd.body = "anders";
    expect_error(d::decide(given, cmd, ctx), "document.already_issued", error_class::rejected);
}

TEST_F(DocumentGivenIssued, WhenWithdrawnWithReasonThenWithdrawn)
{
    auto dec = d::decide(given, d::withdraw{ " falscher Ausbildungsberuf " }, ctx);
    const auto& e = single(dec);
    EXPECT_EQ(events::event_name(e.reader()), "document.withdrawn");
    EXPECT_EQ(str(e.reader().getDocument().getWithdrawn().getReason()),
              "falscher Ausbildungsberuf");
    auto s = d::evolve(given, e.reader());
    EXPECT_TRUE(s.withdrawn);
    EXPECT_EQ(s.withdrawal_reason, "falscher Ausbildungsberuf");
}

TEST_F(DocumentGivenIssued, WhenWithdrawnWithoutReasonThenReasonRequired)
{
    expect_error(d::decide(given, d::withdraw{ "  " }, ctx),
                 "document.reason_required",
                 error_class::rejected);
}

TEST_F(DocumentGivenIssued, WhenWithdrawnWithTooLongReasonThenValidationReason)
{
    expect_error(d::decide(given, d::withdraw{ std::string(k_max_text + 1, 'x') }, ctx),
                 "validation.reason",
                 error_class::invalid);
}

TEST_F(DocumentGivenIssued, WhenTraineeWithdrawsThenStaffOnly)
{
    ctx.actor = principal{ "acc-t", role::trainee, "" };
    expect_error(d::decide(given, d::withdraw{ "Irrtum" }, ctx),
                 "document.staff_only",
                 error_class::forbidden);
}

TEST_F(DocumentGivenWithdrawn, WhenWithdrawnAgainThenNoEvents)
{
    expect_no_events(d::decide(given, d::withdraw{ "Irrtum" }, ctx));
}

TEST(DocumentStreams, ThenStreamAndPartitionKeyAreNamedAfterDocumentAndCompany)
{
    EXPECT_EQ(d::stream_id("9"), "document-9");
    EXPECT_EQ(d::partition_key("co1"), "company-co1");
}

TEST(DocumentEvolve, WhenAnotherAggregatesEventThenStateUnchanged)
{
    auto other = make_event([](schema::Event::Builder e) {
        e.initContract().initConfirmationIssued().setDocumentId("9");
    });
    EXPECT_FALSE(d::fold({ other }).exists);
}

// --- the registration confirmation (Eintragungsbestätigung) ---------------------------------

TEST(RegistrationConfirmation, WhenRenderedThenGermanTextWithEveryFact)
{
    auto body = d::render_registration_confirmation(mia());
    EXPECT_EQ(body,
              "Eintragungsbestätigung\n\n"
              "Das folgende Berufsausbildungsverhältnis ist in das Verzeichnis der "
              "Berufsausbildungsverhältnisse der Industrie- und Handelskammer "
              "eingetragen (§ 35 BBiG).\n\n"
              "Auszubildende/r: Mia Muster\n"
              "Geburtsdatum: 15.03.2009\n"
              "Azubinummer: AZ-4711\n"
              "Ausbildungsberuf: Kaufmann/-frau für Büromanagement\n"
              "Ausbildungsbetrieb: Muster GmbH\n"
              "Ausbildungszeit: 01.08.2026 bis 31.07.2029\n"
              "Vertragsnummer: c1\n"
              "\nDieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.\n");
}

TEST(RegistrationConfirmation, WhenBirthDateIsUnknownThenTheLineIsLeftOut)
{
    auto data = mia();
    data.trainee_birth_date = "";
    auto body = d::render_registration_confirmation(data);
    EXPECT_EQ(body.find("Geburtsdatum"), std::string::npos);
    EXPECT_NE(body.find("Azubinummer: AZ-4711\n"), std::string::npos);
}

TEST(RegistrationConfirmation, WhenADateDoesNotParseThenItIsShownAsGiven)
{
    auto data = mia();
    data.end = "offen";
    EXPECT_NE(d::render_registration_confirmation(data).find("01.08.2026 bis offen"),
              std::string::npos);
}

TEST(RegistrationConfirmation, WhenRenderedThenTheBodyIsAcceptedForIssue)
{
    auto data = mia();
    d::issue cmd{ schema::DocumentKind::REGISTRATION_CONFIRMATION,
                  d::registration_confirmation_title(data),
                  "co1",
                  "c1",
                  d::render_registration_confirmation(data) };
    EXPECT_EQ(cmd.title, "Eintragungsbestätigung Mia Muster");
    auto dec = d::decide(d::state{}, cmd, staff_context());
    EXPECT_EQ(events::event_name(single(dec).reader()), "document.issued");
}
