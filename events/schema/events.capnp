@0xbd0d8f675392ad74;
# The storage format of the Ausbildungsportal: the envelope and every domain event.
#
# Rules (CONVENTIONS.md): never renumber, reuse or retype a field or union ordinal; never rename a
# field (an event's stable name, e.g. `report.submitted`, is derived from the field names of the
# `Event` union and of the aggregate's own union). A changed meaning is a new event plus an upcaster.
#
# Representations:
# - times are microseconds since 1970-01-01T00:00:00Z (Int64, UTC);
# - calendar dates are Text `YYYY-MM-DD`;
# - ids are Text (opaque, e.g. UUIDv7 in lower-case hex with dashes), except the envelope's own
#   binary ids, which are 16-byte UUIDs rendered as hex in JSON;
# - hours are minutes (UInt32) to avoid floating point;
# - secrets are never stored in clear: tokens, PINs and passwords arrive as hashes.

using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
$Cxx.namespace("portal::schema");

# ---------------------------------------------------------------------------------------------
# Envelope
# ---------------------------------------------------------------------------------------------

enum Role {
  trainee @0;
  trainer @1;
  supervisor @2;
  company @3;
  representative @4;
  examiner @5;
  staff @6;
  auditor @7;
  system @8;   # the portal itself (process managers, schedulers)
}

struct Actor {
  accountId @0 :Text;          # empty for the system and for anonymous requests
  role @1 :Role;
  onBehalfOfCompanyId @2 :Text; # set when a representative or central office acts for a company
}

struct Envelope {
  eventId @0 :Data $Json.hex;        # UUIDv7, 16 bytes
  streamId @1 :Text;                 # e.g. "report-0190..."
  streamVersion @2 :UInt64;          # 1 for the first event of a stream
  recordedAt @3 :Int64;              # microseconds since the epoch, UTC
  actor @4 :Actor;
  commandId @5 :Text;                # idempotency key of the command that produced the event
  correlationId @6 :Data $Json.hex;  # 16 bytes; the request or flow the command belongs to
  causationId @7 :Data $Json.hex;    # 16 bytes; the event or command that caused this one
  prevHash @8 :Data $Json.hex;       # BLAKE2b-256 of the previous envelope of the stream; empty for version 1
  schemaVersion @9 :UInt16;          # version of this schema the envelope was written with
  partitionKey @10 :Text;            # consistency root of the stream, e.g. "company-0190..."
  payload @11 :Event;
  sealed @12 :List(SealedPersonalData); # the payload's personal data, encrypted per subject; the
                                        # payload holds those fields empty (crypto-shredding)
}

# Personal data of one subject (a person, e.g. "account-<id>", "contract-<id>" for its trainee) in one
# event, sealed with the subject's key so that destroying the key erases it from an append-only log.
# Which fields of which event belong to which subject, in which order: events/personal_data.hpp.
# Readers of the log see the fields restored while the key exists and empty after it was destroyed.
struct SealedPersonalData {
  subject @0 :Text;
  nonce @1 :Data $Json.hex;          # 24 bytes, XChaCha20-Poly1305
  ciphertext @2 :Data $Json.hex;     # a PersonalValues message; additional data: eventId and subject
}

struct PersonalValues {
  values @0 :List(Text);             # the subject's fields of the event, in the order of personal_data.hpp
}

# ---------------------------------------------------------------------------------------------
# The payload: one member per aggregate, each a union of that aggregate's events.
# The stable name of an event is "<member>.<event>" in snake_case, e.g. report.submitted.
# ---------------------------------------------------------------------------------------------

struct Event {
  union {
    account @0 :AccountEvent;
    company @1 :CompanyEvent;
    contract @2 :ContractEvent;
    document @3 :DocumentEvent;
    report @4 :ReportEvent;
    accessGrant @5 :AccessGrantEvent;
    exam @6 :ExamEvent;
    examiner @7 :ExaminerEvent;
    proposal @8 :ProposalEvent;
    seminar @9 :SeminarEvent;
    reminder @10 :ReminderEvent;
    chamber @11 :ChamberEvent;
    mail @12 :MailEvent;
  }
}

# --- shared value types ---

# Occupations (Ausbildungsberufe) are Text, because chambers add new ones without a release.

enum RecordForm {
  paper @0;
  electronic @1;
}

enum PeriodKind {
  week @0;
  day @1;
}

struct Period {
  union {
    week :group {
      year @0 :UInt16;   # ISO week-numbering year
      week @1 :UInt8;    # ISO week 1..53
    }
    day @2 :Text;        # YYYY-MM-DD
  }
}

enum EntryKind {
  company @0;      # betriebliche Tätigkeiten
  instruction @1;  # Unterweisungen, betrieblicher Unterricht
  school @2;       # Berufsschule
}

struct Entry {
  kind @0 :EntryKind;
  text @1 :Text;
  minutes @2 :UInt32;              # time spent
  day @3 :Text;                    # optional YYYY-MM-DD inside the period
  frameworkItems @4 :List(Text);   # optional items of the Ausbildungsrahmenplan, e.g. "4.2a"
}

enum AbsenceKind {
  vacation @0;
  sickness @1;
  school @2;
  other @3;
}

struct Absence {
  date @0 :Text;                   # YYYY-MM-DD
  kind @1 :AbsenceKind;
  minutes @2 :UInt32;              # 0 = the whole day
  note @3 :Text;
}

# ---------------------------------------------------------------------------------------------
# Account (stream account-<id>, partition key account-<id>)
# ---------------------------------------------------------------------------------------------

enum LoginMethod {
  password @0;
  pin @1;
}

struct AccountEvent {
  union {
    created @0 :AccountCreated;
    roleGranted @1 :AccountRoleGranted;
    roleRevoked @2 :AccountRoleRevoked;
    invitationIssued @3 :InvitationIssued;
    activated @4 :AccountActivated;
    loginSucceeded @5 :LoginSucceeded;
    loginFailed @6 :LoginFailed;
    locked @7 :AccountLocked;
    unlocked @8 :AccountUnlocked;
    passwordResetRequested @9 :PasswordResetRequested;
    passwordResetCompleted @10 :PasswordResetCompleted;
    pinIssued @11 :PinIssued;
    pinConvertedToLogin @12 :PinConvertedToLogin;
    passwordChanged @13 :PasswordChanged;
    erased @14 :AccountErased;
    sessionEnded @15 :SessionEnded;
  }
}

struct AccountRole {
  role @0 :Role;
  companyId @1 :Text;   # the company the role belongs to (trainee, trainer, company, representative)
  contractId @2 :Text;  # the contract for a trainee
}

struct AccountCreated {
  email @0 :Text;                 # the login
  name @1 :Text;
  role @2 :AccountRole;           # the role the account was created for
  createdFor @3 :Text;            # why: "trainee-account", "trainer-account", "company-account", "supervisor-pin", "examiner", "staff", "representative"
  accountId @4 :Text;             # the id of the account (the stream's id without "account-")
}

struct AccountRoleGranted {
  role @0 :AccountRole;
}

struct AccountRoleRevoked {
  role @0 :AccountRole;
}

struct InvitationIssued {
  tokenHash @0 :Data $Json.hex;   # BLAKE2b of the activation token sent by mail
  expiresAt @1 :Int64;
}

struct AccountActivated {
  passwordHash @0 :Text;          # argon2id string, computed outside the aggregate
}

struct LoginSucceeded {
  method @0 :LoginMethod;
  sessionHash @1 :Data $Json.hex; # BLAKE2b of the session token given to the client; empty before sessions were events
  expiresAt @2 :Int64;            # when the session ends unless ended earlier (0 before sessions were events)
}

struct LoginFailed {
  method @0 :LoginMethod;
  consecutiveFailures @1 :UInt32;
}

struct AccountLocked {
  until @0 :Int64;
  consecutiveFailures @1 :UInt32;
}

struct AccountUnlocked {
  byStaff @0 :Bool;               # false: the lock expired and a login succeeded
}

struct PasswordResetRequested {
  tokenHash @0 :Data $Json.hex;
  expiresAt @1 :Int64;
  requestedWith @2 :Text;         # "login" or "email"
}

struct PasswordResetCompleted {
  tokenHash @0 :Data $Json.hex;   # the token used (single use)
  passwordHash @1 :Text;
}

struct PinIssued {
  pinHash @0 :Text;               # argon2id string of the PIN
}

struct PinConvertedToLogin {
  passwordHash @0 :Text;
}

struct PasswordChanged {
  passwordHash @0 :Text;
  keptSessionHash @1 :Data $Json.hex; # the session that changed it stays open; the account's other
                                      # sessions end (empty: recorded before this ended sessions)
}

struct AccountErased {
  reason @0 :Text;                # personal data dropped from read models; the log keeps only ids
}

struct SessionEnded {
  sessionHash @0 :Data $Json.hex; # the sessionHash of the loginSucceeded that started the session
  reason @1 :Text;                # "logout"
}

# ---------------------------------------------------------------------------------------------
# Company (stream company-<id>, partition key company-<id>)
# ---------------------------------------------------------------------------------------------

struct Address {
  street @0 :Text;
  zip @1 :Text;
  town @2 :Text;
}

struct CompanyEvent {
  union {
    registered @0 :CompanyRegistered;
    branchAttached @1 :BranchAttached;
    publicationConsentGiven @2 :PublicationConsentGiven;
    publicationConsentWithdrawn @3 :PublicationConsentWithdrawn;
    recordSettingsChanged @4 :RecordSettingsChanged;
    trainerRegistered @5 :TrainerRegistered;
    trainerAccountLinked @6 :TrainerAccountLinked;
    companyAccountLinked @7 :CompanyAccountLinked;
    representativeAppointed @8 :RepresentativeAppointed;
    employeeRepresentativeRequested @9 :EmployeeRepresentativeRequested;
    employeeRepresentativeApproved @10 :EmployeeRepresentativeApproved;
    representativeRevoked @11 :RepresentativeRevoked;
    addressChanged @12 :CompanyAddressChanged;
    branchDetached @13 :BranchDetached;
    personErased @14 :CompanyPersonErased;
  }
}

struct CompanyRegistered {
  name @0 :Text;
  memberNumber @1 :Text;          # IHK-Mitgliedsnummer, unique
  email @2 :Text;
  address @3 :Address;
  centralCompanyId @4 :Text;      # empty unless this company is a branch (Zweigstelle)
  companyId @5 :Text;             # the id of the company (the stream's id without "company-")
}

struct BranchAttached {
  branchCompanyId @0 :Text;       # recorded on the central office (Zentrale)
}

struct BranchDetached {
  branchCompanyId @0 :Text;
}

struct PublicationConsentGiven {}
struct PublicationConsentWithdrawn {}

struct RecordSettingsChanged {
  occupation @0 :Text;            # "*" = all occupations
  electronic @1 :Bool;            # Elektronischer Ausbildungsnachweis
  reminders @2 :Bool;             # Erinnerungs-E-Mail senden
}

struct TrainerRegistered {
  trainerId @0 :Text;
  name @1 :Text;
  email @2 :Text;
}

struct TrainerAccountLinked {
  trainerId @0 :Text;
  accountId @1 :Text;
}

struct CompanyAccountLinked {
  accountId @0 :Text;
}

struct RepresentativeAppointed {
  representativeId @0 :Text;
  accountId @1 :Text;
  name @2 :Text;
}

struct EmployeeRepresentativeRequested {
  representativeId @0 :Text;
  name @1 :Text;
  email @2 :Text;
}

struct EmployeeRepresentativeApproved {
  representativeId @0 :Text;
  accountId @1 :Text;             # the account created for the employee
}

struct RepresentativeRevoked {
  representativeId @0 :Text;
}

struct CompanyPersonErased {
  trainerId @0 :Text;             # the erased trainer, or
  representativeId @1 :Text;      # the erased representative (exactly one of the two is set)
  reason @2 :Text;                # their name and e-mail address (subject
                                  # company-<id>/trainer-<trainerId> or
                                  # company-<id>/representative-<representativeId>) are destroyed with
                                  # the key; a representative is revoked by it
}

struct CompanyAddressChanged {
  address @0 :Address;
}

# ---------------------------------------------------------------------------------------------
# Contract / Ausbildungsverhältnis (stream contract-<id>, partition key company-<companyId>)
# ---------------------------------------------------------------------------------------------

enum EndReason {
  regular @0;          # reached the end date or passed the final exam
  terminated @1;       # early termination
  other @2;
}

struct ContractEvent {
  union {
    registered @0 :ContractRegistered;
    confirmationIssued @1 :ConfirmationIssued;
    traineeAccountLinked @2 :TraineeAccountLinked;
    trainersChanged @3 :TrainersChanged;
    datesChanged @4 :ContractDatesChanged;
    recordFormChanged @5 :RecordFormChanged;
    ended @6 :ContractEnded;
    personalDataErased @7 :ContractPersonalDataErased;
  }
}

struct Trainee {
  name @0 :Text;
  birthDate @1 :Text;             # YYYY-MM-DD
  email @2 :Text;                 # optional
  minor @3 :Bool;                 # under 18 at the start of the contract
}

struct ContractRegistered {
  companyId @0 :Text;
  trainee @1 :Trainee;
  traineeNumber @2 :Text;         # Azubinummer
  occupation @3 :Text;
  start @4 :Text;                 # YYYY-MM-DD
  end @5 :Text;                   # YYYY-MM-DD, after start
  recordForm @6 :RecordForm;
  periodKind @7 :PeriodKind;
  trainerIds @8 :List(Text);
}

struct ConfirmationIssued {
  documentId @0 :Text;            # the Eintragungsbestätigung
}

struct TraineeAccountLinked {
  accountId @0 :Text;
}

struct TrainersChanged {
  trainerIds @0 :List(Text);
}

struct ContractDatesChanged {
  start @0 :Text;
  end @1 :Text;
}

struct RecordFormChanged {
  form @0 :RecordForm;            # reported to the chamber
}

struct ContractEnded {
  date @0 :Text;
  reason @1 :EndReason;
  note @2 :Text;
}

struct ContractPersonalDataErased {
  reason @0 :Text;                # e.g. "Aufbewahrungsfrist abgelaufen"; the trainee's personal data
                                  # of the contract (subject contract-<id>) is destroyed with its key
}

# ---------------------------------------------------------------------------------------------
# Document (stream document-<id>, partition key of its owner: company-<companyId>)
# ---------------------------------------------------------------------------------------------

enum DocumentKind {
  registrationConfirmation @0;    # Eintragungsbestätigung
  admissionNotice @1;             # Zulassungsbescheid
  resultNotice @2;                # Ergebnisbescheid
  other @3;
}

struct DocumentEvent {
  union {
    issued @0 :DocumentIssued;
    withdrawn @1 :DocumentWithdrawn;
  }
}

struct DocumentIssued {
  kind @0 :DocumentKind;
  title @1 :Text;
  companyId @2 :Text;
  contractId @3 :Text;
  body @4 :Text;                  # the document's text (rendered to PDF/HTML by the gateway)
}

struct DocumentWithdrawn {
  reason @0 :Text;
}

# ---------------------------------------------------------------------------------------------
# Training record / Ausbildungsnachweis (stream report-<id>, partition key company-<companyId>)
# ---------------------------------------------------------------------------------------------

struct ReportEvent {
  union {
    drafted @0 :ReportDrafted;
    edited @1 :ReportEdited;
    submitted @2 :ReportSubmitted;
    approved @3 :ReportApproved;
    rejected @4 :ReportRejected;
  }
}

struct ReportDrafted {
  contractId @0 :Text;
  period @1 :Period;
  trainingYear @2 :UInt8;         # 1..4
  entries @3 :List(Entry);
  absences @4 :List(Absence);
  companyId @5 :Text;             # the contract's company (the stream's partition key)
}

struct ReportEdited {
  entries @0 :List(Entry);
  absences @1 :List(Absence);
  contractId @2 :Text;            # the record's contract (whose trainee the personal data belongs to)
}

struct ReportSubmitted {
  approverEmail @0 :Text;
  approverAccountId @1 :Text;     # empty when the approver has no account yet (supervisor PIN follows)
  contractId @2 :Text;            # the record's contract
}

struct ReportApproved {
  comment @0 :Text;
  bulk @1 :Bool;                  # decided as part of a bulk approval
  contractId @2 :Text;            # the record's contract
}

struct ReportRejected {
  remarks @0 :Text;               # Bemerkungen des Ausbilders, required
  reopened @1 :Bool;              # true when an approved record was reopened
  contractId @2 :Text;            # the record's contract
}

# ---------------------------------------------------------------------------------------------
# Record access grant (stream grant-<contractId>, partition key company-<companyId>)
# ---------------------------------------------------------------------------------------------

struct AccessGrantEvent {
  union {
    granted @0 :AccessGranted;
    revoked @1 :AccessRevoked;
  }
}

struct AccessGranted {
  contractId @0 :Text;
  days @1 :UInt16;                # 14..200
  expiresAt @2 :Int64;
}

struct AccessRevoked {}

# ---------------------------------------------------------------------------------------------
# Exam / Prüfungstermin (stream exam-<id>, partition key exam-<id>)
# ---------------------------------------------------------------------------------------------

enum ExamType {
  intermediate @0;
  final @1;
  finalPart1 @2;
  finalPart2 @3;
}

struct ResultPart {
  name @0 :Text;
  points @1 :UInt8;               # 0..100
}

struct ExamEvent {
  union {
    scheduled @0 :ExamScheduled;
    registered @1 :ExamRegistrationAdded;
    admitted @2 :ExamAdmitted;
    refused @3 :ExamRefused;
    resultRecorded @4 :ExamResultRecorded;
    resultsPublished @5 :ExamResultsPublished;
    registrationWithdrawn @6 :ExamRegistrationWithdrawn;
    cancelled @7 :ExamCancelled;
  }
}

struct ExamScheduled {
  occupation @0 :Text;
  type @1 :ExamType;
  date @2 :Text;
  location @3 :Text;
  name @4 :Text;                  # e.g. "Abschlussprüfung Winter 2026/27"
  proposalDeadline @5 :Text;      # YYYY-MM-DD, empty when the exam has no project
}

struct ExamRegistrationAdded {
  registrationId @0 :Text;
  contractId @1 :Text;
  companyId @2 :Text;
  traineeName @3 :Text;
  traineeAccountId @4 :Text;
}

struct ExamAdmitted {
  registrationId @0 :Text;
}

struct ExamRefused {
  registrationId @0 :Text;
  reason @1 :Text;
}

struct ExamResultRecorded {
  registrationId @0 :Text;
  parts @1 :List(ResultPart);
  totalPoints @2 :UInt8;          # rounded mean of the parts
  grade @3 :UInt8;                # 1..6 from the chamber's grade table
  final @4 :Bool;                 # false: preliminary (vorläufig)
}

struct ExamResultsPublished {
  registrationIds @0 :List(Text);
}

struct ExamRegistrationWithdrawn {
  registrationId @0 :Text;
  reason @1 :Text;
}

struct ExamCancelled {
  reason @0 :Text;
}

# ---------------------------------------------------------------------------------------------
# Examiner / Prüfer (stream examiner-<accountId>, partition key examiner-<accountId>)
# ---------------------------------------------------------------------------------------------

enum MemberRole {
  employer @0;
  employee @1;
  teacher @2;
}

struct ExaminerEvent {
  union {
    appointed @0 :ExaminerAppointed;
    assigned @1 :ExaminerAssigned;
    unassigned @2 :ExaminerUnassigned;
    appointmentEnded @3 :ExaminerAppointmentEnded;
  }
}

struct ExaminerAppointed {
  appointmentId @0 :Text;
  accountId @1 :Text;
  committee @2 :Text;             # Prüfungsausschuss
  occupation @3 :Text;
  memberRole @4 :MemberRole;
  termStart @5 :Text;
  termEnd @6 :Text;               # at most five years after termStart
}

struct ExaminerAssigned {
  appointmentId @0 :Text;
  examId @1 :Text;
}

struct ExaminerUnassigned {
  appointmentId @0 :Text;
  examId @1 :Text;
}

struct ExaminerAppointmentEnded {
  appointmentId @0 :Text;
  date @1 :Text;
}

# ---------------------------------------------------------------------------------------------
# Project proposal / Projektantrag (stream proposal-<id>, partition key company-<companyId>)
# ---------------------------------------------------------------------------------------------

enum ProposalOutcome {
  approved @0;
  approvedWithNotes @1;
  changesRequired @2;
  rejected @3;
}

struct Phase {
  name @0 :Text;
  minutes @1 :UInt32;
}

struct ProposalEvent {
  union {
    submitted @0 :ProposalSubmitted;
    decided @1 :ProposalDecided;
    withdrawn @2 :ProposalWithdrawn;
  }
}

struct ProposalSubmitted {
  contractId @0 :Text;
  examId @1 :Text;
  title @2 :Text;
  phases @3 :List(Phase);
  description @4 :Text;
  companyConsent @5 :Bool;
  revision @6 :UInt16;            # 1 for the first submission, +1 per resubmission
  traineeAccountId @7 :Text;      # the submitting trainee (only they may withdraw or resubmit)
  companyId @8 :Text;             # the contract's company (the stream's partition key)
}

struct ProposalDecided {
  outcome @0 :ProposalOutcome;
  remarks @1 :Text;
  committee @2 :Text;
}

struct ProposalWithdrawn {
  reason @0 :Text;
}

# ---------------------------------------------------------------------------------------------
# Examiner seminar (stream seminar-<id>, partition key seminar-<id>)
# ---------------------------------------------------------------------------------------------

struct SeminarEvent {
  union {
    scheduled @0 :SeminarScheduled;
    registrationRequested @1 :SeminarRegistrationRequested;
    registrationConfirmed @2 :SeminarRegistrationConfirmed;
    registrationCancelled @3 :SeminarRegistrationCancelled;
  }
}

struct SeminarScheduled {
  title @0 :Text;
  date @1 :Text;
  location @2 :Text;
  capacity @3 :UInt16;
}

struct SeminarRegistrationRequested {
  registrationId @0 :Text;
  accountId @1 :Text;
}

struct SeminarRegistrationConfirmed {
  registrationId @0 :Text;
}

struct SeminarRegistrationCancelled {
  registrationId @0 :Text;
  reason @1 :Text;
}

# ---------------------------------------------------------------------------------------------
# Reminders (stream reminders-<contractId or accountId>, partition key of that root)
# ---------------------------------------------------------------------------------------------

enum ReminderKind {
  missingRecord @0;       # a past period has no record
  unsentRecord @1;        # a past period's record is still a draft or rejected
  pendingApproval @2;     # a submitted record waits for the approver
}

struct ReminderEvent {
  union {
    sent @0 :ReminderSent;          # level 1
    escalated @1 :ReminderSent;     # level 2: a week later, the trainer receives it as well
  }
}

struct ReminderSent {
  kind @0 :ReminderKind;
  day @1 :Text;                   # the day the reminder belongs to (never twice a day)
  recipientEmail @2 :Text;
  recipientAccountId @3 :Text;
  contractId @4 :Text;
  reportIds @5 :List(Text);
  periods @6 :List(Period);
  level @7 :UInt8;                # 1 = first reminder, 2 = escalation (trainer in copy)
  ccEmails @8 :List(Text);        # in copy (the trainer on an escalation); empty on level 1
}

# ---------------------------------------------------------------------------------------------
# Chamber settings (stream chamber, partition key chamber)
# ---------------------------------------------------------------------------------------------

struct GradeStep {
  minPoints @0 :UInt8;            # lowest points of the grade
  grade @1 :UInt8;
}

struct ChamberEvent {
  union {
    settingsChanged @0 :ChamberSettingsChanged;
    occupationConfigured @1 :OccupationConfigured;
  }
}

struct ChamberSettingsChanged {
  maxFailedLogins @0 :UInt8;      # default 5
  lockMinutes @1 :UInt32;         # default 24 h = 1440
  gradeTable @2 :List(GradeStep);
  periodKind @3 :PeriodKind;      # default period of new contracts
}

struct OccupationConfigured {
  occupation @0 :Text;
  periodKind @1 :PeriodKind;      # records of this occupation cover a week or a day
  durationMonths @2 :UInt8;       # regular training duration
}

# ---------------------------------------------------------------------------------------------
# Mail deliveries (stream mail-<entry key>, partition key of the event that caused the mail;
# entry key = <eventId in hex>-<index of the mail among that event's mails, two digits>)
# ---------------------------------------------------------------------------------------------

struct MailEvent {
  union {
    sent @0 :MailSent;              # the SMTP server accepted the mail
    failed @1 :MailFailed;          # refused for good, out of attempts, or not renderable
  }
}

struct MailSent {
  sourceEventId @0 :Data $Json.hex; # eventId of the event that caused the mail
  index @1 :UInt16;                 # the mail's index among that event's mails
  kind @2 :Text;                    # outbox kind, e.g. "invitation" (no address: the log keeps no mail data)
  messageId @3 :Text;               # the Message-ID the mail carried (the same on every attempt and instance)
  attempts @4 :UInt32;              # SMTP attempts of the recording instance, the successful one included
}

struct MailFailed {
  sourceEventId @0 :Data $Json.hex;
  index @1 :UInt16;
  kind @2 :Text;
  messageId @3 :Text;
  attempts @4 :UInt32;
  reason @5 :Text;                  # the last error (server answer, or why it cannot be rendered)
}
