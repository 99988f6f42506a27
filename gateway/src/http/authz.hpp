#pragma once

/// Authorisation by relationship (DOMAIN.md, "Data protection"), in one
/// place. Every read route asks here whether the signed-in account may see
/// a thing; writes are decided by the aggregates (their `*.forbidden`
/// errors), which get the acting principal from `api::meta`.
///
/// Relationships are read from the committed state of the aggregates (the
/// command path's cached log), never from a read model that may lag:
/// - trainee of a contract: the contract's linked trainee account, or a
///   trainee role naming the contract;
/// - trainer of a contract: a trainer of the contract's company whose
///   linked account is the viewer and whose id the contract names;
/// - company of a contract or company: the viewer holds a company role for
///   it or for its central office, or is an active representative of it;
/// - supervisor of a record: the record was submitted to the viewer (the
///   approver account or e-mail of its last submission);
/// - chamber staff: the staff role (record contents only while the trainee's
///   access grant runs); auditors: the auditor role (histories, the event
///   stream).
/// A thing the viewer may not see answers 404 (`*.not_found`), so its
/// existence does not leak; a route a role may never use answers 403.
///
/// Thread safety: any thread.

#include "contract/contract.hpp"
#include "http/api.hpp"
#include "report/report.hpp"

#include <string_view>

namespace portal::gateway::authz {

/// How the viewer relates to a contract.
struct contract_relation
{
    bool trainee = false;
    bool trainer = false;
    bool company = false;
    bool staff = false;
    bool auditor = false;
    /// The trainee's access grant for chamber staff runs now.
    bool access_granted = false;
    /// The contract runs today (not ended, today within start..end).
    bool running = false;

    /// May read the contract's master data.
    bool sees_contract() const { return trainee || trainer || company || staff || auditor; }
    /// May read the contents of its training records.
    bool sees_records() const
    {
        return trainee || trainer || company || auditor || (staff && access_granted);
    }
    /// May read its exam results (the company only while it runs).
    bool sees_results() const { return trainee || staff || (company && running); }
};

/// Whether the viewer may act for (and read as) company `company_id`.
/// Errors: the log's.
result<bool> acts_for_company(api& a, const viewer& v, std::string_view company_id);

/// The viewer's relation to contract `contract_id` (all false when it does
/// not exist). Errors: the log's.
result<contract_relation> relation_to_contract(api& a,
                                               const viewer& v,
                                               std::string_view contract_id,
                                               timestamp now);

/// Whether the viewer may read record `report`: its contract's relation
/// `sees_records()`, or the record was submitted to the viewer. Errors: the
/// log's.
result<bool> sees_record(api& a,
                         const viewer& v,
                         const domain::report::state& report,
                         timestamp now);

/// 403 `auth.role` unless the viewer holds one of `roles`.
result<void> require_role(const viewer& v, std::initializer_list<events::role> roles);

} // namespace portal::gateway::authz
