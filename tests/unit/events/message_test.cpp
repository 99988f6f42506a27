#include "portal/events/message.hpp"

#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

using namespace portal;
using namespace portal::events;

namespace {

event_payload
submitted(std::string email)
{
    return event_payload::build([&](schema::Event::Builder e) {
        auto s = e.initReport().initSubmitted();
        s.setApproverEmail(email);
    });
}

envelope
sample_envelope()
{
    capnp::MallocMessageBuilder builder;
    auto env = builder.initRoot<schema::Envelope>();
    env.setStreamId("report-1");
    env.setStreamVersion(3);
    env.setRecordedAt(1'700'000'000'000'000);
    std::uint8_t id[16] = { 0x01, 0x8f, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, 0xff };
    env.setEventId(capnp::Data::Reader(id, sizeof id));
    auto actor = env.initActor();
    actor.setAccountId("account-7");
    actor.setRole(schema::Role::TRAINEE);
    env.setCommandId("cmd-1");
    env.setSchemaVersion(k_schema_version);
    env.setPartitionKey("company-1");
    env.setPayload(submitted("ausbilder@example.de").reader());
    return envelope::from_builder(builder);
}

} // namespace

TEST(EventNames, AreAggregateDotEventInSnakeCase)
{
    EXPECT_EQ(event_name(submitted("a@b.de").reader()), "report.submitted");
    auto reset = event_payload::build([](schema::Event::Builder e) {
        e.initAccount().initPasswordResetRequested().setRequestedWith("login");
    });
    EXPECT_EQ(event_name(reset.reader()), "account.password_reset_requested");
    EXPECT_EQ(event_aggregate(reset.reader()), "account");
    auto grant = event_payload::build(
      [](schema::Event::Builder e) { e.initAccessGrant().initGranted().setDays(90); });
    EXPECT_EQ(event_name(grant.reader()), "access_grant.granted");
}

TEST(Codec, RoundTripsAnEnvelope)
{
    auto env = sample_envelope();
    auto decoded = envelope::decode(env.bytes());
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    auto r = decoded->reader();
    EXPECT_EQ(std::string(r.getStreamId().cStr()), "report-1");
    EXPECT_EQ(r.getStreamVersion(), 3U);
    EXPECT_EQ(r.getActor().getRole(), schema::Role::TRAINEE);
    EXPECT_EQ(std::string(r.getPayload().getReport().getSubmitted().getApproverEmail().cStr()),
              "ausbilder@example.de");
    EXPECT_EQ(decoded->bytes(), env.bytes());
}

TEST(Codec, DecodesUnalignedBytes)
{
    auto env = sample_envelope();
    std::string buffer = "x" + std::string(env.bytes());
    std::string_view unaligned(buffer.data() + 1, env.bytes().size());
    auto decoded = envelope::decode(unaligned);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->reader().getStreamVersion(), 3U);
}

TEST(Codec, TruncatedBytesAreAnErrorNotACrash)
{
    auto env = sample_envelope();
    auto bytes = std::string(env.bytes());
    for (std::size_t n = 0; n < bytes.size(); n += 8) {
        auto decoded = envelope::decode(std::string_view(bytes).substr(0, n));
        EXPECT_FALSE(decoded.has_value()) << "length " << n;
        if (!decoded) {
            EXPECT_EQ(decoded.error().code, "codec.malformed");
        }
    }
    EXPECT_FALSE(envelope::decode(bytes.substr(0, bytes.size() - 3)));
}

TEST(Codec, GarbageIsAnErrorNotACrash)
{
    std::mt19937_64 rng(42);
    auto env = sample_envelope();
    auto original = std::string(env.bytes());
    int rejected = 0;
    for (int round = 0; round < 5000; ++round) {
        std::string bytes = original;
        // Flip a few random bytes: some results stay decodable (a changed
        // text byte), the rest must be clean errors.
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) {
            bytes[rng() % bytes.size()] = static_cast<char>(rng());
        }
        auto decoded = envelope::decode(bytes);
        if (decoded) {
            // A decodable result must be fully readable.
            (void)to_json(decoded->reader());
        } else {
            ++rejected;
        }
    }
    EXPECT_GT(rejected, 0);
    for (int round = 0; round < 2000; ++round) {
        std::string bytes((rng() % 64 + 1) * 8, '\0');
        for (auto& c : bytes) {
            c = static_cast<char>(rng());
        }
        auto decoded = envelope::decode(bytes);
        if (decoded) {
            (void)to_json(decoded->reader());
        }
    }
}

TEST(Codec, UnknownUnionMemberIsRejected)
{
    // An Event whose discriminant is beyond every known member, as written
    // by a newer schema or by garbage.
    capnp::MallocMessageBuilder builder;
    auto e = builder.initRoot<schema::Event>();
    e.initReport().initSubmitted();
    auto words = capnp::messageToFlatArray(builder);
    auto bytes = std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    // The root struct's data section holds the 16-bit discriminant at offset
    // 0 of the first data word: segment table (8 bytes) + root pointer (8).
    bytes[16] = static_cast<char>(0x7f);
    auto decoded = event_payload::decode(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error().code, "codec.malformed");
}

TEST(Json, RendersEnvelopeThroughJsonCodec)
{
    auto env = sample_envelope();
    auto json = to_json(env.reader());
    EXPECT_NE(json.find("\"streamId\":\"report-1\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"approverEmail\":\"ausbilder@example.de\""), std::string::npos) << json;
    // Binary ids are hex, not arrays of numbers.
    EXPECT_NE(json.find("\"eventId\":\"018f0000000070008000000000000"), std::string::npos) << json;
    EXPECT_NE(json.find("\"role\":\"trainee\""), std::string::npos) << json;
}

namespace {

std::string
read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST(Catalogue, EveryEventIsDocumentedInTheIndexAndItsPage)
{
    auto names = all_event_names();
    ASSERT_GT(names.size(), 60U);
    auto index = read_file(std::string(PORTAL_SOURCE_DIR) + "/docs/events.md");
    ASSERT_FALSE(index.empty());
    for (const auto& name : names) {
        EXPECT_NE(index.find("`" + name + "`"), std::string::npos)
          << name << " is missing in docs/events.md";
        auto aggregate = name.substr(0, name.find('.'));
        auto page = read_file(std::string(PORTAL_SOURCE_DIR) + "/docs/events/" + aggregate + ".md");
        EXPECT_NE(page.find("`" + name + "`"), std::string::npos)
          << name << " is missing in docs/events/" << aggregate << ".md";
    }
}

TEST(Codec, PeeksStreamAndVersionAndRejectsGarbage)
{
    auto env = sample_envelope();
    auto head = peek_stream_version(env.bytes());
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->stream, "report-1");
    EXPECT_EQ(head->version, 3U);
    EXPECT_FALSE(peek_stream_version("").has_value());
    EXPECT_FALSE(peek_stream_version("garbage!").has_value());
    auto bytes = std::string(env.bytes());
    EXPECT_FALSE(peek_stream_version(std::string_view(bytes).substr(0, 16)).has_value());
}

TEST(EnumNames, AreTheSchemaNamesInSnakeCase)
{
    EXPECT_EQ(enum_name(schema::ExamType::FINAL_PART1), "final_part1");
    EXPECT_EQ(enum_name(schema::ExamType::INTERMEDIATE), "intermediate");
    EXPECT_EQ(enum_name(schema::ProposalOutcome::APPROVED_WITH_NOTES), "approved_with_notes");
    EXPECT_EQ(enum_name(schema::DocumentKind::REGISTRATION_CONFIRMATION),
              "registration_confirmation");
    EXPECT_EQ(enum_name(schema::Role::SYSTEM), "system");
    EXPECT_EQ(enum_name(static_cast<schema::Role>(200)), "unknown");
}

TEST(EnumNames, ApiNamesParseBackToTheirEnumerants)
{
    EXPECT_EQ(enum_value<schema::ExamType>("final_part1"), schema::ExamType::FINAL_PART1);
    EXPECT_EQ(enum_value<schema::AbsenceKind>("sickness"), schema::AbsenceKind::SICKNESS);
    EXPECT_EQ(enum_value<schema::MemberRole>("teacher"), schema::MemberRole::TEACHER);
    EXPECT_EQ(enum_value<schema::ExamType>("finalPart1"),
              std::nullopt); // schema spelling is not API
    EXPECT_EQ(enum_value<schema::EntryKind>(""), std::nullopt);
    for (auto kind : { schema::EntryKind::COMPANY,
                       schema::EntryKind::INSTRUCTION,
                       schema::EntryKind::SCHOOL }) {
        EXPECT_EQ(enum_value<schema::EntryKind>(enum_name(kind)), kind);
    }
}

TEST(Codec, TrustedDecodingChecksTheStructureOnly)
{
    auto env = sample_envelope();
    auto trusted = envelope::decode_trusted(env.bytes());
    ASSERT_TRUE(trusted.has_value());
    EXPECT_EQ(trusted->reader().getStreamVersion(), 3U);
    auto bytes = std::string(env.bytes());
    EXPECT_FALSE(envelope::decode_trusted(std::string_view(bytes).substr(0, 24)).has_value());
    EXPECT_FALSE(envelope::decode_trusted("garbage!").has_value());
    // An unknown union member passes the structural check (it reads as an
    // unknown which()), while full decoding refuses it.
    capnp::MallocMessageBuilder builder;
    builder.initRoot<schema::Event>().initReport().initSubmitted();
    auto words = capnp::messageToFlatArray(builder);
    auto event = std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    event[16] = static_cast<char>(0x7f);
    EXPECT_FALSE(event_payload::decode(event).has_value());
    auto lenient = event_payload::decode_trusted(event);
    ASSERT_TRUE(lenient.has_value());
    EXPECT_EQ(event_name(lenient->reader()), "unknown");
}
