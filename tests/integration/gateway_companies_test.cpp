// The gateway's company and contract routes over a real socket: registration
// by chamber staff, the company's own data, trainers and trainee accounts,
// documents, exam dates and results, representatives, the public listing,
// and what another company may not see.

#include "app/accounts.hpp"
#include "app/records.hpp"
#include "gateway_env.hpp"

#include <gtest/gtest.h>

namespace {

using namespace portal;
using namespace portal::testing;
using boost::json::array;
using boost::json::object;

const std::string k_occupation = "Fachinformatiker/-in Anwendungsentwicklung";
const std::string k_staff_login = "sachbearbeitung@ihk.example";

/// The header that makes a read wait for a write's position.
std::map<std::string, std::string>
after(const http_reply& write)
{
    return { { "Portal-Min-Position", write.str("position") } };
}

object
company_body(const std::string& name,
             const std::string& member,
             const std::string& email,
             const std::string& town = "Augsburg")
{
    return object{
        { "name", name },
        { "memberNumber", member },
        { "email", email },
        { "address",
          object{ { "street", "Industriestraße 12" }, { "zip", "86153" }, { "town", town } } }
    };
}

object
contract_body(const std::string& company_id,
              const std::string& trainee_email,
              const array& trainer_ids)
{
    return object{ { "companyId", company_id },
                   { "trainee",
                     object{ { "name", "Lena Hoffmann" },
                             { "birthDate", "2007-03-14" },
                             { "email", trainee_email } } },
                   { "occupation", k_occupation },
                   { "start", "2025-09-01" },
                   { "end", "2028-08-31" },
                   { "recordForm", "electronic" },
                   { "trainerIds", trainer_ids } };
}

/// A JSON string's text ("" for other values).
std::string
text_of(const boost::json::value& v)
{
    return v.is_string() ? std::string(v.as_string()) : std::string{};
}

/// The `items` of a list reply.
array
items(const http_reply& r)
{
    auto v = r.json();
    if (!v.is_object() || !v.as_object().contains("items")) {
        ADD_FAILURE() << "no list: " << r.status << " " << r.body;
        return {};
    }
    return v.as_object().at("items").as_array();
}

/// The field errors of a validation problem as "field:code".
std::vector<std::string>
field_errors(const http_reply& r)
{
    std::vector<std::string> out;
    auto v = r.json();
    if (v.is_object()) {
        if (auto* errors = v.as_object().if_contains("errors"); errors && errors->is_array()) {
            for (const auto& e : errors->as_array()) {
                out.push_back(std::string(e.at("field").as_string()) + ":" +
                              std::string(e.at("code").as_string()));
            }
        }
    }
    return out;
}

bool
has(const std::vector<std::string>& v, const std::string& x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

/// A company registered by staff, with a trainer, a contract and the company
/// account that the contract's registration creates (activated, signed in).
struct company_setup
{
    std::string id;
    std::string domain;
    std::string trainer_id;
    std::string contract_id;
    std::string token;
    http_reply last_write;
};

company_setup
make_company(gateway_env& env,
             const std::string& staff,
             const std::string& member,
             const std::string& domain,
             const std::string& town = "Augsburg")
{
    company_setup s;
    s.domain = domain;
    auto& http = env.client();
    auto registered =
      http.post("/api/v1/companies",
                json_text(company_body("Firma " + member, member, "ausbildung@" + domain, town)),
                staff);
    EXPECT_EQ(registered.status, 201) << registered.body;
    s.id = registered.str("id");
    auto trainer = http.post(
      "/api/v1/companies/" + s.id + "/trainers",
      json_text(object{ { "name", "Thomas Berger" }, { "email", "ausbilder@" + domain } }),
      staff);
    EXPECT_EQ(trainer.status, 201) << trainer.body;
    s.trainer_id = trainer.str("id");
    auto contract =
      http.post("/api/v1/contracts",
                json_text(contract_body(s.id, "azubi@" + domain, array{ s.trainer_id })),
                staff);
    EXPECT_EQ(contract.status, 201) << contract.body;
    s.contract_id = contract.str("id");
    s.last_write = contract;
    // The contract's registration creates the company account (invitation).
    s.token = env.activate_and_login("ausbildung@" + domain);
    return s;
}

domain::command_meta
staff_meta(gateway_env& env, const std::string& id, timestamp now)
{
    domain::command_meta m;
    m.command_id = "test:" + id;
    m.actor = domain::principal{ env.portal().services().account_id_of(k_staff_login),
                                 events::role::staff,
                                 "" };
    m.now = now;
    return m;
}

// --- registration --------------------------------------------------------------

TEST(GatewayCompanies, StaffRegistersACompanyUnderItsMemberNumber)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto r = env.client().post(
      "/api/v1/companies",
      json_text(company_body("Muster Maschinenbau GmbH", "10001", "info@muster.example")),
      staff);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.str("id"), "member-10001");
    EXPECT_FALSE(r.str("position").empty());
    auto got = env.client().get("/api/v1/companies/member-10001", staff, after(r));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.str("name"), "Muster Maschinenbau GmbH");
    EXPECT_EQ(got.str("memberNumber"), "10001");
    EXPECT_EQ(got.json().at("version").as_int64(), 1);
}

TEST(GatewayCompanies, RegisteringTwiceIsAConflict)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto body = json_text(company_body("Muster GmbH", "10001", "info@muster.example"));
    ASSERT_EQ(env.client().post("/api/v1/companies", body, staff).status, 201);
    auto again =
      env.client().post("/api/v1/companies",
                        json_text(company_body("Andere GmbH", " 10001 ", "info@andere.example")),
                        staff);
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.code(), "company.member_number_taken");
}

TEST(GatewayCompanies, RegisteringWithBadFieldsNamesEveryField)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto r = env.client().post("/api/v1/companies",
                               json_text(object{ { "memberNumber", "10001" },
                                                 { "email", "no-address" },
                                                 { "address", object{ { "street", "A" } } },
                                                 { "extra", 1 } }),
                               staff);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.code(), "validation.field");
    auto errors = field_errors(r);
    EXPECT_TRUE(has(errors, "name:validation.required")) << r.body;
    EXPECT_TRUE(has(errors, "email:validation.type") || has(errors, "email:validation.email"))
      << r.body;
    EXPECT_TRUE(has(errors, "address.zip:validation.required")) << r.body;
    EXPECT_TRUE(has(errors, "address.town:validation.required")) << r.body;
    EXPECT_TRUE(has(errors, "extra:validation.unknown_field")) << r.body;
}

TEST(GatewayCompanies, ABadZipCodeIsTheAggregatesValidation)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto body = company_body("Muster GmbH", "10001", "info@muster.example");
    body["address"].as_object()["zip"] = "861";
    auto r = env.client().post("/api/v1/companies", json_text(body), staff);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.code(), "validation.zip");
}

TEST(GatewayCompanies, WithoutASessionEveryCompanyRouteIs401)
{
    gateway_env env;
    auto& http = env.client();
    EXPECT_EQ(http.post("/api/v1/companies", "{}").status, 401);
    EXPECT_EQ(http.get("/api/v1/companies/member-1").status, 401);
    EXPECT_EQ(http.get("/api/v1/companies/member-1/dashboard").status, 401);
    EXPECT_EQ(http.post("/api/v1/contracts", "{}").status, 401);
    EXPECT_EQ(http.get("/api/v1/contracts/x").status, 401);
    EXPECT_EQ(http.get("/api/v1/documents/x").status, 401);
    EXPECT_EQ(http.del("/api/v1/representatives/x").status, 401);
}

TEST(GatewayCompanies, ABranchNamesItsCentralOfficeWhichActsForIt)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto central = make_company(env, staff, "10001", "muster.example");
    auto body = company_body("Muster Werk Gersthofen", "10002", "werk@muster.example");
    body["centralCompanyId"] = central.id;
    auto branch = env.client().post("/api/v1/companies", json_text(body), staff);
    ASSERT_EQ(branch.status, 201) << branch.body;
    auto got = env.client().get("/api/v1/companies/member-10002", central.token, after(branch));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.str("centralCompanyId"), central.id);
    auto dashboard = env.client().get(
      "/api/v1/companies/" + central.id + "/dashboard", central.token, after(branch));
    ASSERT_EQ(dashboard.status, 200) << dashboard.body;
    EXPECT_EQ(dashboard.json().at("branches"), (array{ "member-10002" }));
    // The company account's contexts: its own company and, via it, the branch.
    auto me = env.client().get("/api/v1/me", central.token);
    ASSERT_EQ(me.status, 200) << me.body;
    auto contexts = me.json().at("contexts").as_array();
    ASSERT_EQ(contexts.size(), 2U) << me.body;
    EXPECT_EQ(contexts[0].at("role"), "company");
    EXPECT_EQ(contexts[0].at("companyId"), "member-10002");
    EXPECT_EQ(contexts[0].at("companyName"), "Muster Werk Gersthofen");
    EXPECT_EQ(std::string(contexts[0].at("via").as_string()), central.id);
    EXPECT_EQ(contexts[1].at("role"), "company");
    EXPECT_EQ(std::string(contexts[1].at("companyId").as_string()), central.id);
    EXPECT_FALSE(contexts[1].at("companyName").as_string().empty());
    EXPECT_FALSE(contexts[1].as_object().contains("via"));

    auto unknown = company_body("Lose GmbH", "10003", "lose@muster.example");
    unknown["centralCompanyId"] = "member-nobody";
    auto refused = env.client().post("/api/v1/companies", json_text(unknown), staff);
    EXPECT_EQ(refused.status, 404) << refused.body;
    EXPECT_EQ(refused.code(), "company.central_not_found");
}

// --- the company's own data ------------------------------------------------------

TEST(GatewayCompanies, TheCompanySeesItsDashboardContractsTrainersAndDocuments)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto dashboard =
      http.get("/api/v1/companies/" + a.id + "/dashboard", a.token, after(a.last_write));
    ASSERT_EQ(dashboard.status, 200) << dashboard.body;
    EXPECT_EQ(text_of(dashboard.json().at("company").at("companyId")), a.id);

    auto contracts = http.get("/api/v1/companies/" + a.id + "/contracts", a.token);
    ASSERT_EQ(contracts.status, 200) << contracts.body;
    auto list = items(contracts);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(text_of(list[0].at("contractId")), a.contract_id);
    EXPECT_EQ(list[0].at("traineeName"), "Lena Hoffmann");

    auto trainers = http.get("/api/v1/companies/" + a.id + "/trainers", a.token);
    ASSERT_EQ(trainers.status, 200) << trainers.body;
    ASSERT_EQ(items(trainers).size(), 1U);
    EXPECT_EQ(text_of(items(trainers)[0].at("trainerId")), a.trainer_id);

    // The registration confirmation, issued by the portal after the contract.
    std::string document_id;
    ASSERT_TRUE(wait_until([&] {
        auto docs = http.get("/api/v1/companies/" + a.id + "/documents", a.token);
        if (docs.status != 200 || items(docs).empty()) {
            return false;
        }
        document_id = std::string(items(docs)[0].at("documentId").as_string());
        return true;
    }));
    auto doc = http.get("/api/v1/documents/" + document_id, a.token);
    ASSERT_EQ(doc.status, 200) << doc.body;
    EXPECT_EQ(doc.str("kind"), "registration_confirmation");
    EXPECT_EQ(doc.str("contractId"), a.contract_id);
    EXPECT_NE(doc.str("body").find("Lena Hoffmann"), std::string::npos) << doc.body;

    auto paged = http.get("/api/v1/companies/" + a.id + "/contracts?limit=0", a.token);
    EXPECT_EQ(paged.status, 400);
    EXPECT_EQ(paged.code(), "validation.limit");
}

TEST(GatewayCompanies, AnotherCompanySeesNothingOfThisCompany)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto b = make_company(env, staff, "20001", "datenwerk.example");
    auto& http = env.client();
    std::string document_id;
    ASSERT_TRUE(wait_until([&] {
        auto docs = http.get("/api/v1/companies/" + a.id + "/documents", a.token);
        if (docs.status != 200 || items(docs).empty()) {
            return false;
        }
        document_id = std::string(items(docs)[0].at("documentId").as_string());
        return true;
    }));
    for (const auto& path : { "",
                              "/dashboard",
                              "/contracts",
                              "/trainers",
                              "/documents",
                              "/exams",
                              "/representatives" }) {
        auto r = http.get("/api/v1/companies/" + a.id + path, b.token);
        EXPECT_EQ(r.status, 404) << path << " " << r.body;
        EXPECT_EQ(r.code(), "company.not_found") << path;
    }
    EXPECT_EQ(http.get("/api/v1/contracts/" + a.contract_id, b.token).status, 404);
    EXPECT_EQ(http.get("/api/v1/documents/" + document_id, b.token).status, 404);
    EXPECT_EQ(
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":true})", b.token).status,
      404);
    EXPECT_EQ(http
                .post("/api/v1/companies/" + a.id + "/trainers",
                      R"({"name":"X","email":"x@datenwerk.example"})",
                      b.token)
                .status,
              404);
    EXPECT_EQ(http
                .post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                      R"({"email":"fremd@datenwerk.example"})",
                      b.token)
                .status,
              404);
    // And its own data stays visible to it.
    EXPECT_EQ(http.get("/api/v1/companies/" + b.id, b.token).status, 200);
}

TEST(GatewayCompanies, PublicationConsentListsAndDropsTheCompany)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example", "Augsburg");
    auto& http = env.client();
    auto bad =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":"ja"})", a.token);
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(has(field_errors(bad), "consent:validation.type")) << bad.body;

    auto given =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":true})", a.token);
    ASSERT_EQ(given.status, 200) << given.body;
    auto listed = http.get("/api/v1/public/companies?town=augsburg", {}, after(given));
    ASSERT_EQ(listed.status, 200) << listed.body;
    ASSERT_EQ(items(listed).size(), 1U);
    EXPECT_EQ(text_of(items(listed)[0].at("companyId")), a.id);
    auto elsewhere = http.get("/api/v1/public/companies?town=M%C3%BCnchen", {}, after(given));
    EXPECT_TRUE(items(elsewhere).empty()) << elsewhere.body;
    auto by_occupation =
      http.get("/api/v1/public/companies?occupation=Fachinformatiker%2F-in%20Anwendungsentwicklung",
               {},
               after(given));
    EXPECT_EQ(items(by_occupation).size(), 1U) << by_occupation.body;

    auto withdrawn =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":false})", a.token);
    ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
    auto after_withdrawal = http.get("/api/v1/public/companies", {}, after(withdrawn));
    EXPECT_TRUE(items(after_withdrawal).empty()) << after_withdrawal.body;
}

TEST(GatewayCompanies, TheDashboardIsReusedOnlyWhileNothingChanged)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto path = "/api/v1/companies/" + a.id + "/dashboard";
    auto first = http.get(path, a.token, after(a.last_write));
    ASSERT_EQ(first.status, 200) << first.body;
    // Wait until every process manager's follow-up is projected, so the
    // next reads see a still log.
    ASSERT_TRUE(wait_until([&] {
        auto pos = env.portal().log().last_position();
        for (const auto* r : env.portal().api().runners()) {
            if (r->position() < pos) {
                return false;
            }
        }
        return true;
    }));
    auto settled = http.get(path, a.token);
    auto hits = env.portal().api().views().hits();
    auto again = http.get(path, a.token);
    EXPECT_EQ(again.body, settled.body);
    EXPECT_EQ(env.portal().api().views().hits(), hits + 1) << "nothing changed: reused";
    // Authorisation is checked before the stored view: another company
    // still gets no view.
    auto b = make_company(env, staff, "20001", "other.example");
    EXPECT_EQ(http.get(path, b.token).status, 404);

    // A change is seen at once: a new view, not the stored one.
    auto consent =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":false})", a.token);
    ASSERT_EQ(consent.status, 200) << consent.body;
    auto changed = http.get(path, a.token, after(consent));
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(changed.json().at("company").at("consent"), false) << changed.body;
    auto given =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":true})", a.token);
    ASSERT_EQ(given.status, 200) << given.body;
    auto back = http.get(path, a.token, after(given));
    EXPECT_EQ(back.json().at("company").at("consent"), true) << back.body;

    // Another day is another view (records become missing with time).
    auto staff_first = http.get(path, staff);
    ASSERT_EQ(staff_first.status, 200) << staff_first.body;
    env.advance(std::chrono::days(1));
    auto next_day_staff = env.staff_token();
    auto hits_before = env.portal().api().views().hits();
    auto next_day = http.get(path, next_day_staff);
    ASSERT_EQ(next_day.status, 200) << next_day.body;
    EXPECT_EQ(env.portal().api().views().hits(), hits_before);
}

TEST(GatewayCompanies, RecordSettingsApplyPerOccupationOrToAll)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto missing =
      http.put("/api/v1/companies/" + a.id + "/record-settings", R"({"occupation":"*"})", a.token);
    ASSERT_EQ(missing.status, 400);
    EXPECT_TRUE(has(field_errors(missing), "electronic:validation.required")) << missing.body;
    EXPECT_TRUE(has(field_errors(missing), "reminders:validation.required")) << missing.body;

    auto set = http.put("/api/v1/companies/" + a.id + "/record-settings",
                        R"({"occupation":"*","electronic":true,"reminders":false})",
                        a.token);
    ASSERT_EQ(set.status, 200) << set.body;
    auto got = http.get("/api/v1/companies/" + a.id, a.token, after(set));
    ASSERT_EQ(got.status, 200) << got.body;
    auto settings = got.json().at("recordSettings").as_array();
    ASSERT_EQ(settings.size(), 1U) << got.body;
    EXPECT_EQ(settings[0].at("occupation"), "*");
    EXPECT_EQ(settings[0].at("electronic"), true);
    EXPECT_EQ(settings[0].at("reminders"), false);
}

// --- trainers and accounts -------------------------------------------------------

TEST(GatewayCompanies, TheCompanyCreatesTheTrainersAccountWhichThenSeesTheContract)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto duplicate = http.post(
      "/api/v1/companies/" + a.id + "/trainers",
      json_text(object{ { "name", "Zweiter Berger" }, { "email", "ausbilder@muster.example" } }),
      a.token);
    EXPECT_EQ(duplicate.status, 409) << duplicate.body;
    EXPECT_EQ(duplicate.code(), "company.trainer_email_taken");

    auto unknown = http.post("/api/v1/companies/" + a.id + "/trainers/nobody/account", "", a.token);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.code(), "company.trainer_not_found");

    auto created = http.post(
      "/api/v1/companies/" + a.id + "/trainers/" + a.trainer_id + "/account", "", a.token);
    ASSERT_EQ(created.status, 201) << created.body;
    auto trainer = env.activate_and_login("ausbilder@muster.example");
    auto contract = http.get("/api/v1/contracts/" + a.contract_id, trainer, after(created));
    ASSERT_EQ(contract.status, 200) << contract.body;
    auto trainers = http.get("/api/v1/companies/" + a.id + "/trainers", a.token, after(created));
    EXPECT_EQ(text_of(items(trainers)[0].at("accountId")), created.str("id"));

    // A trainer may not create accounts for the company.
    auto by_trainer = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                                R"({"email":"azubi@muster.example"})",
                                trainer);
    EXPECT_EQ(by_trainer.status, 403) << by_trainer.body;
}

TEST(GatewayCompanies, ErasingATrainersAccountErasesTheTrainersNameAndAddressInTheCompany)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto created = http.post(
      "/api/v1/companies/" + a.id + "/trainers/" + a.trainer_id + "/account", "", a.token);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_GT(env.log_mentions("Thomas Berger"), 1U) << "the trainer entry and the account";

    auto erased = http.post("/api/v1/accounts/" + created.str("id") + "/erase",
                            json_text(object{ { "reason", "Aufbewahrungsfrist abgelaufen" } }),
                            staff);
    ASSERT_EQ(erased.status, 200) << erased.body;
    // The portal erases the company's trainer entry after the account
    // (process manager): wait for it.
    object trainer;
    EXPECT_TRUE(wait_until(
      [&] {
          auto trainers = http.get("/api/v1/companies/" + a.id + "/trainers", a.token);
          if (trainers.status != 200 || items(trainers).empty()) {
              return false;
          }
          trainer = items(trainers)[0].as_object();
          return trainer.contains("personalDataErased");
      },
      std::chrono::seconds{ 20 }));
    EXPECT_EQ(trainer["trainerId"], boost::json::value(a.trainer_id));
    EXPECT_EQ(trainer["name"], boost::json::value(""));
    EXPECT_EQ(trainer["email"], boost::json::value(""));
    EXPECT_EQ(trainer["personalDataErased"], boost::json::value(true));
    EXPECT_EQ(env.log_mentions("Thomas Berger"), 0U);
    EXPECT_EQ(env.log_mentions("ausbilder@muster.example"), 0U);
    // The contract still names the trainer by id; no new account for them.
    auto contract = http.get("/api/v1/contracts/" + a.contract_id, a.token);
    ASSERT_EQ(contract.status, 200) << contract.body;
    auto again = http.post(
      "/api/v1/companies/" + a.id + "/trainers/" + a.trainer_id + "/account", "", a.token);
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.code(), "company.trainer_erased");
}

TEST(GatewayCompanies, TheCompanyCreatesTheTraineesAccountWhichSeesItsContractAndDocument)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto bad = http.post(
      "/api/v1/contracts/" + a.contract_id + "/trainee-account", R"({"email":"kein"})", a.token);
    EXPECT_EQ(bad.status, 400) << bad.body;

    auto created = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                             R"({"email":"azubi@muster.example"})",
                             a.token);
    ASSERT_EQ(created.status, 201) << created.body;
    auto trainee = env.activate_and_login("azubi@muster.example");
    auto contract = http.get("/api/v1/contracts/" + a.contract_id, trainee, after(created));
    ASSERT_EQ(contract.status, 200) << contract.body;
    EXPECT_EQ(contract.str("traineeAccountId"), created.str("id"));
    EXPECT_FALSE(contract.str("traineeNumber").empty());

    auto documents = http.get("/api/v1/companies/" + a.id + "/documents", a.token, after(created));
    ASSERT_EQ(items(documents).size(), 1U) << documents.body;
    auto id = std::string(items(documents)[0].at("documentId").as_string());
    EXPECT_EQ(http.get("/api/v1/documents/" + id, trainee).status, 200);
    // The trainee is no company.
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id, trainee).status, 404);

    // The same login again: the same account, nothing new.
    auto again = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                           R"({"email":"azubi@muster.example"})",
                           a.token);
    EXPECT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.str("id"), created.str("id"));
    // Another login while the trainee has an account: refused before any
    // account or trainee role exists for it.
    auto other = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                           R"({"email":"fremd@muster.example"})",
                           a.token);
    EXPECT_EQ(other.status, 422) << other.body;
    EXPECT_EQ(other.code(), "contract.trainee_account_already_linked");
    auto& services = env.portal().services();
    auto stranger = app::load_account(services, services.account_id_of("fremd@muster.example"));
    ASSERT_TRUE(stranger);
    EXPECT_FALSE(stranger->state.exists);
    EXPECT_TRUE(env.mails_to("fremd@muster.example").empty());
}

TEST(GatewayCompanies, ARepeatedIdempotencyKeyAnswersWithTheFirstCreation)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    std::map<std::string, std::string> key{ { "Idempotency-Key", "k-1" } };
    auto trainer_body =
      json_text(object{ { "name", "Petra Wagner" }, { "email", "wagner@muster.example" } });
    auto first = http.post("/api/v1/companies/" + a.id + "/trainers", trainer_body, a.token, key);
    auto second = http.post("/api/v1/companies/" + a.id + "/trainers", trainer_body, a.token, key);
    ASSERT_EQ(first.status, 201) << first.body;
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.str("id"), first.str("id"));

    auto rep_body = R"({"name":"Eva Personal","email":"eva@muster.example","employee":true})";
    key["Idempotency-Key"] = "k-2";
    auto rep1 = http.post("/api/v1/companies/" + a.id + "/representatives", rep_body, a.token, key);
    auto rep2 = http.post("/api/v1/companies/" + a.id + "/representatives", rep_body, a.token, key);
    ASSERT_EQ(rep1.status, 201) << rep1.body;
    EXPECT_EQ(rep2.str("id"), rep1.str("id"));

    auto contract = json_text(contract_body(a.id, "zweite@muster.example", array{ a.trainer_id }));
    key["Idempotency-Key"] = "k-3";
    auto c1 = http.post("/api/v1/contracts", contract, staff, key);
    auto c2 = http.post("/api/v1/contracts", contract, staff, key);
    ASSERT_EQ(c1.status, 201) << c1.body;
    EXPECT_EQ(c2.str("id"), c1.str("id"));
    EXPECT_EQ(c2.str("traineeNumber"), c1.str("traineeNumber"));
    auto contracts = http.get("/api/v1/companies/" + a.id + "/contracts", a.token, after(c2));
    EXPECT_EQ(items(contracts).size(), 2U) << contracts.body;
}

// --- contracts ---------------------------------------------------------------------

TEST(GatewayContracts, StaffRegisterAContractWithATraineeNumber)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto got = http.get("/api/v1/contracts/" + a.contract_id, staff, after(a.last_write));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.str("status"), "active");
    EXPECT_EQ(got.str("recordForm"), "electronic");
    EXPECT_EQ(got.str("companyId"), a.id);
    EXPECT_EQ(got.json().at("trainerIds"), (array{ a.trainer_id }));
    EXPECT_EQ(got.str("traineeNumber"), a.last_write.str("traineeNumber"));
    EXPECT_EQ(got.str("traineeNumber").substr(0, 4), "2025");

    auto second =
      http.post("/api/v1/contracts",
                json_text(contract_body(a.id, "zweite@muster.example", array{ a.trainer_id })),
                staff);
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_NE(second.str("traineeNumber"), a.last_write.str("traineeNumber"));
}

TEST(GatewayContracts, RegisteringChecksFieldsAndTheDomainsRules)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto body = contract_body(a.id, "x@muster.example", array{ a.trainer_id });
    body["trainee"].as_object().erase("birthDate");
    body["start"] = "2025-13-01";
    body["recordForm"] = "digital";
    auto bad = http.post("/api/v1/contracts", json_text(body), staff);
    ASSERT_EQ(bad.status, 400) << bad.body;
    auto errors = field_errors(bad);
    EXPECT_TRUE(has(errors, "trainee.birthDate:validation.required")) << bad.body;
    EXPECT_TRUE(has(errors, "start:validation.date")) << bad.body;
    EXPECT_TRUE(has(errors, "recordForm:validation.enum")) << bad.body;

    auto unknown_trainer =
      http.post("/api/v1/contracts",
                json_text(contract_body(a.id, "x@muster.example", array{ "nobody" })),
                staff);
    EXPECT_EQ(unknown_trainer.status, 422) << unknown_trainer.body;
    EXPECT_EQ(unknown_trainer.code(), "contract.unknown_trainer");

    auto by_company =
      http.post("/api/v1/contracts",
                json_text(contract_body(a.id, "x@muster.example", array{ a.trainer_id })),
                a.token);
    EXPECT_EQ(by_company.status, 403);
    EXPECT_EQ(by_company.code(), "auth.role");
    auto company_registers_company =
      http.post("/api/v1/companies",
                json_text(company_body("Neu GmbH", "30001", "neu@neu.example")),
                a.token);
    EXPECT_EQ(company_registers_company.status, 403);
    EXPECT_EQ(company_registers_company.code(), "auth.role");
}

TEST(GatewayContracts, StaffChangeTrainerAndRecordFormAndEndTheContract)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto trainer = http.post(
      "/api/v1/companies/" + a.id + "/trainers",
      json_text(object{ { "name", "Petra Wagner" }, { "email", "wagner@muster.example" } }),
      a.token);
    ASSERT_EQ(trainer.status, 201) << trainer.body;
    auto changed = http.put("/api/v1/contracts/" + a.contract_id + "/trainer",
                            json_text(object{ { "trainerId", trainer.str("id") } }),
                            staff);
    ASSERT_EQ(changed.status, 200) << changed.body;
    auto form =
      http.put("/api/v1/contracts/" + a.contract_id + "/record-form", R"({"form":"paper"})", staff);
    ASSERT_EQ(form.status, 200) << form.body;
    auto by_company = http.put(
      "/api/v1/contracts/" + a.contract_id + "/record-form", R"({"form":"electronic"})", a.token);
    EXPECT_EQ(by_company.status, 403) << by_company.body;
    auto got = http.get("/api/v1/contracts/" + a.contract_id, a.token, after(form));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.json().at("trainerIds"), (array{ trainer.str("id") }));
    EXPECT_EQ(got.str("recordForm"), "paper");

    auto bad_reason = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                                R"({"date":"2026-11-27","reason":"weg"})",
                                staff);
    EXPECT_EQ(bad_reason.status, 400);
    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-11-27","reason":"terminated"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    auto again = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-11-27","reason":"terminated"})",
                           staff);
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.code(), "contract.already_ended");
    auto after_end = http.get("/api/v1/contracts/" + a.contract_id, staff, after(ended));
    EXPECT_EQ(after_end.str("status"), "ended");
    EXPECT_EQ(http.get("/api/v1/contracts/unknown", staff).status, 404);
}

TEST(GatewayContracts, StaffChangeTheContractsDates)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto path = "/api/v1/contracts/" + a.contract_id + "/dates";
    auto by_company = http.put(path, R"({"start":"2025-09-01","end":"2029-02-28"})", a.token);
    EXPECT_EQ(by_company.status, 403) << by_company.body;
    auto backwards = http.put(path, R"({"start":"2025-09-01","end":"2025-08-31"})", staff);
    EXPECT_EQ(backwards.status, 400) << backwards.body;
    EXPECT_EQ(backwards.code(), "contract.end_not_after_start");
    auto no_date = http.put(path, R"({"start":"2025-09-01"})", staff);
    EXPECT_EQ(no_date.status, 400) << no_date.body;
    auto extended = http.put(path, R"({"start":"2025-09-01","end":"2029-02-28"})", staff);
    ASSERT_EQ(extended.status, 200) << extended.body;
    auto got = http.get("/api/v1/contracts/" + a.contract_id, a.token, after(extended));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.str("start"), "2025-09-01");
    EXPECT_EQ(got.str("end"), "2029-02-28");
    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-11-27","reason":"terminated"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    auto after_end = http.put(path, R"({"start":"2025-09-01","end":"2029-08-31"})", staff);
    EXPECT_EQ(after_end.status, 422) << after_end.body;
    EXPECT_EQ(after_end.code(), "contract.ended");
    EXPECT_EQ(http
                .put("/api/v1/contracts/unknown/dates",
                     R"({"start":"2025-09-01","end":"2029-02-28"})",
                     staff)
                .status,
              404);
}

TEST(GatewayContracts, StaffEraseTheTraineesPersonalDataOfAnEndedContract)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto other = make_company(env, staff, "10002", "andere.example");
    auto& http = env.client();
    auto path = "/api/v1/contracts/" + a.contract_id + "/erase";
    const std::string reason = R"({"reason":"Aufbewahrungsfrist abgelaufen"})";
    // The trainee's login, and an exam the company registers the trainee for.
    auto account = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                             R"({"email":"azubi@muster.example"})",
                             a.token);
    ASSERT_EQ(account.status, 201) << account.body;
    auto trainee = env.activate_and_login("azubi@muster.example");
    auto exam = http.post("/api/v1/exams",
                          json_text(object{ { "occupation", k_occupation },
                                            { "type", "intermediate" },
                                            { "date", "2027-03-15" },
                                            { "location", "IHK Augsburg" } }),
                          staff);
    ASSERT_EQ(exam.status, 201) << exam.body;
    auto registered = http.post("/api/v1/exams/" + exam.str("id") + "/registrations",
                                json_text(object{ { "contractId", a.contract_id } }),
                                a.token);
    ASSERT_EQ(registered.status, 201) << registered.body;
    auto schedule = http.get("/api/v1/exams", staff, after(registered));
    ASSERT_NE(schedule.body.find("Lena Hoffmann"), std::string::npos) << schedule.body;

    // While the contract runs: refused.
    auto running = http.post(path, reason, staff);
    EXPECT_EQ(running.status, 422) << running.body;
    EXPECT_EQ(running.code(), "contract.still_running");

    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-11-27","reason":"regular"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    // Staff only: the company and the trainee see the contract but may not
    // erase; another company does not see it.
    auto by_company = http.post(path, reason, a.token);
    EXPECT_EQ(by_company.status, 403) << by_company.body;
    auto by_trainee = http.post(path, reason, trainee);
    EXPECT_EQ(by_trainee.status, 403) << by_trainee.body;
    EXPECT_EQ(http.post(path, reason, other.token).status, 404);
    EXPECT_EQ(http.post("/api/v1/contracts/unknown/erase", reason, staff).status, 404);
    auto no_reason = http.post(path, R"({"reason":""})", staff);
    EXPECT_EQ(no_reason.status, 400) << no_reason.body;
    EXPECT_TRUE(has(field_errors(no_reason), "reason:validation.empty")) << no_reason.body;
    auto long_reason =
      http.post(path, json_text(object{ { "reason", std::string(501, 'x') } }), staff);
    EXPECT_EQ(long_reason.status, 400) << long_reason.body;
    auto got = http.get("/api/v1/contracts/" + a.contract_id, staff, after(ended));
    ASSERT_NE(got.body.find("Lena Hoffmann"), std::string::npos) << "nothing erased yet";
    // The mail file to the trainee (her login's invitation).
    ASSERT_GT(env.mails_to("azubi@muster.example").size(), 0U);

    auto erased = http.post(path, reason, staff);
    ASSERT_EQ(erased.status, 200) << erased.body;
    EXPECT_EQ(erased.str("id"), a.contract_id);
    auto again = http.post(path, reason, staff);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("version"), erased.json().at("version")) << "no second event";

    // The contract keeps its number, dates and status, not the trainee.
    auto contract = http.get("/api/v1/contracts/" + a.contract_id, staff, after(erased));
    ASSERT_EQ(contract.status, 200) << contract.body;
    EXPECT_EQ(contract.body.find("Lena Hoffmann"), std::string::npos) << contract.body;
    EXPECT_EQ(contract.body.find("2007-03-14"), std::string::npos) << contract.body;
    EXPECT_EQ(contract.body.find("azubi@muster.example"), std::string::npos) << contract.body;
    EXPECT_EQ(text_of(contract.json().at("trainee").at("name")), "");
    EXPECT_EQ(contract.json().at("personalDataErased"), boost::json::value(true));
    EXPECT_EQ(contract.str("status"), "ended");
    EXPECT_EQ(contract.str("start"), "2025-09-01");
    EXPECT_FALSE(contract.str("traineeNumber").empty());
    // The company's list and the exam schedules no longer name the trainee.
    auto listed = http.get("/api/v1/companies/" + a.id + "/contracts", a.token, after(erased));
    ASSERT_EQ(listed.status, 200) << listed.body;
    ASSERT_EQ(items(listed).size(), 1U) << listed.body;
    EXPECT_EQ(text_of(items(listed)[0].at("traineeName")), "");
    EXPECT_EQ(items(listed)[0].at("personalDataErased"), boost::json::value(true));
    for (const auto& [route, token] : std::vector<std::pair<std::string, std::string>>{
           { "/api/v1/exams", staff },
           { "/api/v1/companies/" + a.id + "/exams", a.token },
           { "/api/v1/companies/" + a.id + "/dashboard", a.token },
           { "/api/v1/companies/" + a.id + "/documents", a.token } }) {
        auto seen = http.get(route, token, after(erased));
        ASSERT_EQ(seen.status, 200) << route << ": " << seen.body;
        EXPECT_EQ(seen.body.find("Lena Hoffmann"), std::string::npos) << route << ": " << seen.body;
    }
    // Nothing can be linked to it any more.
    auto link = http.post("/api/v1/contracts/" + a.contract_id + "/trainee-account",
                          R"({"email":"neu@muster.example"})",
                          a.token);
    EXPECT_EQ(link.status, 422) << link.body;
    EXPECT_EQ(link.code(), "contract.personal_data_erased");

    // The trainee's login served this contract alone: the portal erases it as
    // well (a process manager), which ends its sessions.
    EXPECT_TRUE(wait_until([&] { return http.get("/api/v1/me", trainee).status == 401; }));
    // With the login its mail's file is deleted.
    EXPECT_TRUE(wait_until([&] { return env.mails_to("azubi@muster.example").empty(); }));

    // Erased in the append-only log too: the contract's and the exam's events
    // no longer read the trainee (the other company's trainee of the same
    // name and birth date stays).
    auto all = env.portal().services().log.read_all(portal::events::position{ 0 }, 1'000'000);
    ASSERT_TRUE(all.has_value());
    std::size_t birth_dates = 0;
    for (const auto& e : *all) {
        bool mentions = e.envelope_bytes.find("Lena Hoffmann") != std::string::npos;
        birth_dates += e.envelope_bytes.find("2007-03-14") != std::string::npos ? 1 : 0;
        if (e.stream == "contract-" + a.contract_id || e.stream == "exam-" + exam.str("id")) {
            EXPECT_FALSE(mentions) << e.stream << " version " << e.version;
        }
    }
    EXPECT_EQ(birth_dates, 1U) << "only the other company's contract";
}

/// `status` of each item of `list` by its `contractId`.
std::map<std::string, std::string>
status_by_contract(const array& list)
{
    std::map<std::string, std::string> out;
    for (const auto& c : list) {
        out[text_of(c.at("contractId"))] = text_of(c.at("status"));
    }
    return out;
}

TEST(GatewayContracts, AContractWhoseEndDatePassedWithoutAnEndCommandShowsAsEnded)
{
    using namespace std::chrono;
    gateway_env env;
    auto staff = env.staff_token();
    // Contract A runs 2025-09-01..2028-08-31 (make_company's contract).
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    // B runs a year longer; C starts after the day the clock moves to.
    auto longer = contract_body(a.id, "zweite@muster.example", array{ a.trainer_id });
    longer["end"] = "2029-08-31";
    auto b = http.post("/api/v1/contracts", json_text(longer), staff);
    ASSERT_EQ(b.status, 201) << b.body;
    auto later = contract_body(a.id, "dritte@muster.example", array{ a.trainer_id });
    later["start"] = "2028-10-01";
    later["end"] = "2031-09-30";
    auto c = http.post("/api/v1/contracts", json_text(later), staff);
    ASSERT_EQ(c.status, 201) << c.body;
    auto trainer_account = http.post(
      "/api/v1/companies/" + a.id + "/trainers/" + a.trainer_id + "/account", "", a.token);
    ASSERT_EQ(trainer_account.status, 201) << trainer_account.body;
    env.activate_and_login("ausbilder@muster.example");
    auto before = http.get("/api/v1/contracts/" + a.contract_id, a.token, after(trainer_account));
    ASSERT_EQ(before.status, 200) << before.body;
    EXPECT_EQ(before.str("status"), "active");

    // A's end date (2028-08-31) passes; nobody records an end.
    env.set_now(timestamp{ sys_days{ year{ 2028 } / 9 / 4 } + hours{ 10 } });
    auto company = env.login_token("ausbildung@muster.example", gateway_env::k_password);
    staff = env.login_token(k_staff_login, gateway_env::k_password);
    auto trainer = env.login_token("ausbilder@muster.example", gateway_env::k_password);

    for (const auto* token : { &company, &staff, &trainer }) {
        auto got = http.get("/api/v1/contracts/" + a.contract_id, *token);
        ASSERT_EQ(got.status, 200) << got.body;
        EXPECT_EQ(got.str("status"), "ended") << got.body;
        EXPECT_EQ(got.str("end"), "2028-08-31");
        EXPECT_FALSE(got.json().as_object().contains("ended")) << "no end event: " << got.body;
        EXPECT_EQ(http.get("/api/v1/contracts/" + b.str("id"), *token).str("status"), "active");
        // Not started yet: registered, so `active` as before.
        EXPECT_EQ(http.get("/api/v1/contracts/" + c.str("id"), *token).str("status"), "active");
    }

    std::map<std::string, std::string> expected{ { a.contract_id, "ended" },
                                                 { b.str("id"), "active" },
                                                 { c.str("id"), "active" } };
    auto list = http.get("/api/v1/companies/" + a.id + "/contracts", company);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(status_by_contract(items(list)), expected) << list.body;
    // The dashboard the company and chamber staff read counts the same.
    for (const auto* token : { &company, &staff }) {
        auto dashboard = http.get("/api/v1/companies/" + a.id + "/dashboard", *token);
        ASSERT_EQ(dashboard.status, 200) << dashboard.body;
        EXPECT_EQ(status_by_contract(dashboard.json().at("contracts").as_array()), expected)
          << dashboard.body;
    }
    // The trainer's "Ihre Auszubildenden" as well.
    auto trainees = http.get("/api/v1/me/trainees", trainer);
    ASSERT_EQ(trainees.status, 200) << trainees.body;
    EXPECT_EQ(status_by_contract(items(trainees)), expected) << trainees.body;
}

TEST(GatewayContracts, AContractEndedAsOfALaterDateRunsUntilThatDay)
{
    using namespace std::chrono;
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    // Today is 2026-11-28: the termination takes effect at the end of the year.
    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-12-31","reason":"terminated"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    // The same rule as the company's access to results (authz) and exam
    // registration (contract::is_active): it still runs on its last day.
    auto still = http.get("/api/v1/contracts/" + a.contract_id, a.token, after(ended));
    ASSERT_EQ(still.status, 200) << still.body;
    EXPECT_EQ(still.str("status"), "active") << still.body;
    EXPECT_EQ(text_of(still.json().at("ended").at("date")), "2026-12-31") << still.body;
    auto list = http.get("/api/v1/companies/" + a.id + "/contracts", a.token, after(ended));
    EXPECT_EQ(status_by_contract(items(list)),
              (std::map<std::string, std::string>{ { a.contract_id, "active" } }));

    env.set_now(timestamp{ sys_days{ year{ 2027 } / 1 / 1 } + hours{ 10 } });
    auto company = env.login_token("ausbildung@muster.example", gateway_env::k_password);
    auto got = http.get("/api/v1/contracts/" + a.contract_id, company);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.str("status"), "ended") << got.body;
    auto later = http.get("/api/v1/companies/" + a.id + "/contracts", company);
    EXPECT_EQ(status_by_contract(items(later)),
              (std::map<std::string, std::string>{ { a.contract_id, "ended" } }));
}

TEST(GatewayContracts, TheContractListsShowAnEndRecordedAsOfALaterDay)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto before = http.get("/api/v1/companies/" + a.id + "/contracts", a.token);
    ASSERT_EQ(before.status, 200) << before.body;
    ASSERT_EQ(items(before).size(), 1U) << before.body;
    EXPECT_FALSE(items(before)[0].as_object().contains("ended")) << "no end yet: " << before.body;

    // Today is 2026-11-28: ended as of the end of the year, still `active`,
    // and the lists say that an end was recorded and for which day (the web
    // shows "endet am 31.12.2026" and offers no second end).
    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-12-31","reason":"terminated","note":"intern"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    auto list = http.get("/api/v1/companies/" + a.id + "/contracts", a.token, after(ended));
    ASSERT_EQ(list.status, 200) << list.body;
    auto listed = items(list);
    ASSERT_EQ(listed.size(), 1U) << list.body;
    const auto& c = listed[0].as_object();
    EXPECT_EQ(text_of(c.at("status")), "active") << list.body;
    ASSERT_TRUE(c.contains("ended")) << list.body;
    EXPECT_EQ(text_of(c.at("ended").at("date")), "2026-12-31") << list.body;
    EXPECT_EQ(text_of(c.at("ended").at("reason")), "terminated") << list.body;
    EXPECT_FALSE(c.at("ended").as_object().contains("note")) << "the note stays in the contract";
    auto dashboard = http.get("/api/v1/companies/" + a.id + "/dashboard", staff, after(ended));
    ASSERT_EQ(dashboard.status, 200) << dashboard.body;
    auto body = dashboard.json();
    const auto& d = body.at("contracts").as_array();
    ASSERT_EQ(d.size(), 1U) << dashboard.body;
    EXPECT_EQ(text_of(d[0].at("status")), "active") << dashboard.body;
    EXPECT_EQ(text_of(d[0].at("ended").at("date")), "2026-12-31") << dashboard.body;
}

// --- exams -------------------------------------------------------------------------

namespace {

/// 10:00 UTC on a day.
timestamp
at_ten(int y, unsigned m, unsigned d)
{
    using namespace std::chrono;
    return timestamp{ sys_days{ year{ y } / month{ m } / d } + hours{ 10 } };
}

/// Staff schedule the intermediate exam `exam-test-1` (2026-11-20), register
/// and admit `contract_id` (`reg-test-1`), record 84 points and publish the
/// results; returns the header that waits for the publication.
std::map<std::string, std::string>
publish_an_intermediate_result(gateway_env& env, const std::string& contract_id)
{
    const auto& svc = env.portal().services();
    const std::string exam_id = "exam-test-1";
    const std::string reg_id = "reg-test-1";
    domain::exam::schedule schedule{ k_occupation,   schema::ExamType::INTERMEDIATE, "2026-11-20",
                                     "IHK Augsburg", "Zwischenprüfung Herbst",       "" };
    EXPECT_TRUE(
      app::schedule_exam(svc, staff_meta(env, "s", at_ten(2026, 9, 1)), exam_id, schedule));
    EXPECT_TRUE(app::register_for_exam(
      svc, staff_meta(env, "r", at_ten(2026, 10, 1)), exam_id, { reg_id, contract_id }));
    EXPECT_TRUE(
      app::admit_to_exam(svc, staff_meta(env, "a", at_ten(2026, 10, 5)), exam_id, { reg_id }));
    domain::exam::record_result result{ reg_id, { { "Schriftliche Prüfung", 84 } }, true };
    EXPECT_TRUE(
      app::record_exam_result(svc, staff_meta(env, "e", at_ten(2026, 11, 25)), exam_id, result));
    auto published =
      app::publish_exam_results(svc, staff_meta(env, "p", at_ten(2026, 11, 26)), exam_id);
    EXPECT_TRUE(published) << published.error().message;
    return { { "Portal-Min-Position",
               published ? std::to_string(published->position.value) : std::string("0") } };
}

} // namespace

TEST(GatewayCompanies, ExamResultsVanishForTheCompanyAfterTheContractEnded)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto b = make_company(env, staff, "20001", "datenwerk.example");
    std::string exam_id = "exam-test-1";
    auto wait = publish_an_intermediate_result(env, a.contract_id);
    auto& http = env.client();

    auto results =
      http.get("/api/v1/companies/" + a.id + "/exams/" + exam_id + "/results", a.token, wait);
    ASSERT_EQ(results.status, 200) << results.body;
    auto participants = results.json().at("participants").as_array();
    ASSERT_EQ(participants.size(), 1U) << results.body;
    EXPECT_EQ(text_of(participants[0].at("contractId")), a.contract_id);
    EXPECT_TRUE(participants[0].as_object().contains("result")) << results.body;
    auto exams = http.get("/api/v1/companies/" + a.id + "/exams", a.token, wait);
    ASSERT_EQ(items(exams).size(), 1U) << exams.body;
    EXPECT_EQ(items(exams)[0].at("type"), "intermediate");
    EXPECT_TRUE(items(exams)[0].as_object().contains("result")) << exams.body;

    // Only the company sees this overview; another company and staff do not.
    EXPECT_EQ(
      http.get("/api/v1/companies/" + a.id + "/exams/" + exam_id + "/results", b.token).status,
      404);
    EXPECT_EQ(
      http.get("/api/v1/companies/" + a.id + "/exams/" + exam_id + "/results", staff).status, 404);
    auto b_results =
      http.get("/api/v1/companies/" + b.id + "/exams/" + exam_id + "/results", b.token);
    ASSERT_EQ(b_results.status, 200) << b_results.body;
    EXPECT_TRUE(b_results.json().at("participants").as_array().empty());
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id + "/exams/nope/results", a.token).code(),
              "exam.not_found");

    auto ended = http.post("/api/v1/contracts/" + a.contract_id + "/end",
                           R"({"date":"2026-11-27","reason":"terminated"})",
                           staff);
    ASSERT_EQ(ended.status, 200) << ended.body;
    auto later = http.get(
      "/api/v1/companies/" + a.id + "/exams/" + exam_id + "/results", a.token, after(ended));
    ASSERT_EQ(later.status, 200) << later.body;
    EXPECT_TRUE(later.json().at("participants").as_array().empty()) << later.body;
    auto later_exams = http.get("/api/v1/companies/" + a.id + "/exams", a.token, after(ended));
    ASSERT_EQ(items(later_exams).size(), 1U) << later_exams.body;
    EXPECT_FALSE(items(later_exams)[0].as_object().contains("result")) << later_exams.body;
}

TEST(GatewayCompanies, ExamResultsVanishForTheCompanyOnceTheContractRanOutWithoutAnEndCommand)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    std::string exam_id = "exam-test-1";
    auto wait = publish_an_intermediate_result(env, a.contract_id);
    auto& http = env.client();
    auto results_path = "/api/v1/companies/" + a.id + "/exams/" + exam_id + "/results";
    auto running = http.get(results_path, a.token, wait);
    ASSERT_EQ(running.status, 200) << running.body;
    ASSERT_EQ(running.json().at("participants").as_array().size(), 1U) << running.body;

    // The contract's end date (2028-08-31) passes; nobody records an end.
    env.set_now(at_ten(2028, 9, 4));
    auto token = env.login_token("ausbildung@muster.example", gateway_env::k_password);
    auto later = http.get(results_path, token);
    ASSERT_EQ(later.status, 200) << later.body;
    EXPECT_TRUE(later.json().at("participants").as_array().empty()) << later.body;
    auto later_exams = http.get("/api/v1/companies/" + a.id + "/exams", token);
    ASSERT_EQ(items(later_exams).size(), 1U) << later_exams.body;
    EXPECT_FALSE(items(later_exams)[0].as_object().contains("result")) << later_exams.body;
    auto dashboard = http.get("/api/v1/companies/" + a.id + "/dashboard", token);
    ASSERT_EQ(dashboard.status, 200) << dashboard.body;
    auto view = dashboard.json();
    ASSERT_EQ(view.at("exams").as_array().size(), 1U) << dashboard.body;
    EXPECT_FALSE(view.at("exams").as_array()[0].as_object().contains("result")) << dashboard.body;
}

// --- representatives -----------------------------------------------------------------

TEST(GatewayCompanies, ARepresentativeWithAnAccountActsForTheCompanyUntilRevoked)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto& http = env.client();
    auto account = http.post("/api/v1/accounts",
                             json_text(object{ { "role", "examiner" },
                                               { "name", "Stefan Steuer" },
                                               { "email", "steuer@berater.example" } }),
                             staff);
    ASSERT_EQ(account.status, 201) << account.body;
    auto adviser = env.activate_and_login("steuer@berater.example");
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id, adviser).status, 404);

    auto empty = http.post("/api/v1/companies/" + a.id + "/representatives", "{}", a.token);
    EXPECT_EQ(empty.status, 400);
    EXPECT_TRUE(has(field_errors(empty), "accountId:validation.required")) << empty.body;
    auto both = http.post(
      "/api/v1/companies/" + a.id + "/representatives",
      json_text(object{ { "accountId", account.str("id") }, { "email", "x@berater.example" } }),
      a.token);
    EXPECT_EQ(both.status, 400) << both.body;
    auto nobody = http.post("/api/v1/companies/" + a.id + "/representatives",
                            R"({"accountId":"no-such-account","name":"Niemand"})",
                            a.token);
    EXPECT_EQ(nobody.status, 422) << nobody.body;
    EXPECT_EQ(nobody.code(), "company.account_not_found");

    auto appointed = http.post("/api/v1/companies/" + a.id + "/representatives",
                               json_text(object{ { "accountId", account.str("id") } }),
                               a.token);
    ASSERT_EQ(appointed.status, 201) << appointed.body;
    auto reps =
      http.get("/api/v1/companies/" + a.id + "/representatives", a.token, after(appointed));
    ASSERT_EQ(items(reps).size(), 1U) << reps.body;
    EXPECT_EQ(items(reps)[0].at("status"), "active");
    EXPECT_EQ(items(reps)[0].at("name"), "Stefan Steuer");
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id, adviser).status, 200);
    // Acting for the company, the representative changes its settings.
    auto set =
      http.put("/api/v1/companies/" + a.id + "/publication", R"({"consent":true})", adviser);
    EXPECT_EQ(set.status, 200) << set.body;

    auto revoked = http.del("/api/v1/representatives/" + appointed.str("id"), a.token);
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id, adviser, after(revoked)).status, 404);
    EXPECT_EQ(http.del("/api/v1/representatives/" + appointed.str("id"), adviser).status, 404);
}

TEST(GatewayCompanies, AnEmployeeRepresentativeNeedsTheChambersApproval)
{
    gateway_env env;
    auto staff = env.staff_token();
    auto a = make_company(env, staff, "10001", "muster.example");
    auto b = make_company(env, staff, "20001", "datenwerk.example");
    auto& http = env.client();
    auto not_employee = http.post("/api/v1/companies/" + a.id + "/representatives",
                                  R"({"name":"Eva","email":"eva@muster.example","employee":false})",
                                  a.token);
    EXPECT_EQ(not_employee.status, 400) << not_employee.body;
    auto requested =
      http.post("/api/v1/companies/" + a.id + "/representatives",
                R"({"name":"Eva Personal","email":"eva@muster.example","employee":true})",
                a.token);
    ASSERT_EQ(requested.status, 201) << requested.body;
    auto id = requested.str("id");
    auto reps =
      http.get("/api/v1/companies/" + a.id + "/representatives", a.token, after(requested));
    ASSERT_EQ(items(reps).size(), 1U);
    EXPECT_EQ(items(reps)[0].at("status"), "pending");

    auto by_company = http.post("/api/v1/representatives/" + id + "/approve", "", a.token);
    EXPECT_EQ(by_company.status, 403);
    EXPECT_EQ(by_company.code(), "auth.role");
    EXPECT_EQ(http.del("/api/v1/representatives/" + id, b.token).status, 404);
    EXPECT_EQ(http.post("/api/v1/representatives/unknown/approve", "", staff).status, 404);

    auto approved = http.post("/api/v1/representatives/" + id + "/approve", "", staff);
    ASSERT_EQ(approved.status, 200) << approved.body;
    auto twice = http.post("/api/v1/representatives/" + id + "/approve", "", staff);
    EXPECT_EQ(twice.status, 200) << twice.body; // the same approval: nothing changes
    // The approval's follow-up creates the employee's account.
    auto employee = env.activate_and_login("eva@muster.example");
    ASSERT_FALSE(employee.empty());
    EXPECT_EQ(http.get("/api/v1/companies/" + a.id + "/dashboard", employee).status, 200);
}

} // namespace
