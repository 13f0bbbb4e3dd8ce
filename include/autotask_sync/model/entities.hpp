// The Autotask entities autotask_sync reads and writes, as value types.
//
// Each type carries the fields the integration uses, named as Autotask spells them on the wire,
// and converts from and to Autotask's JSON with Boost.JSON. Decoding ignores unknown fields (the
// API keeps growing), matches field names case-insensitively (Autotask accepts and has returned
// both camelCase and PascalCase), and fails with kProtocol naming the entity, the field and what
// was wrong when a known field has the wrong type. Ids are int64 everywhere. Money is Decimal.
// Fields Autotask stores as dates are Date; the time Autotask appends to them is dropped.
//
// `kEntity` is the root entity name used for queries and get-by-id; `kParent` / `kChildPath` name
// the parent path through which a child entity is created ("Contracts/{id}/ServiceAdjustments").
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/field.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autotask_sync {

using Id = std::int64_t;

// Contract.contractType for a Recurring Service contract, fixed by Autotask's documentation.
inline constexpr std::int64_t kContractTypeRecurringService = 7;

struct Company {
  static constexpr std::string_view kEntity = "Companies";
  Id id = 0;
  std::string companyName;
  Field<std::int64_t> companyType;
  Field<bool> isActive;
  Field<Id> parentCompanyID;
  Field<std::string> companyNumber;
  Field<std::int64_t> currencyID;

  static Result<Company> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

struct Contract {
  static constexpr std::string_view kEntity = "Contracts";
  Id id = 0;
  Id companyID = 0;
  std::string contractName;
  Field<std::string> contractNumber;
  Field<std::int64_t> contractType;
  Field<std::int64_t> status;  // a tenant picklist; 1 is Active in every tenant seen
  Field<std::int64_t> contractPeriodType;
  Field<Date> startDate;
  Field<Date> endDate;
  Field<bool> isDefaultContract;

  static Result<Contract> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

struct Service {
  static constexpr std::string_view kEntity = "Services";
  Id id = 0;
  std::string name;
  Field<std::string> description;
  Field<Decimal> unitCost;  // null when the security level cannot read costs
  Field<Decimal> unitPrice;
  Field<std::int64_t> periodType;
  Field<bool> isActive;
  Field<Id> billingCodeID;

  static Result<Service> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

// A service attached to a Recurring Service contract. It does not hold the unit count.
struct ContractService {
  static constexpr std::string_view kEntity = "ContractServices";
  static constexpr std::string_view kParent = "Contracts";
  static constexpr std::string_view kChildPath = "Services";
  Id id = 0;
  Id contractID = 0;
  Id serviceID = 0;
  Field<Decimal> unitCost;
  Field<Decimal> unitPrice;
  Field<Decimal> adjustedPrice;
  Field<std::string> invoiceDescription;
  Field<std::string> internalDescription;
  Field<Id> quoteItemID;

  static Result<ContractService> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

// The units of one contract service over one date range (a billing period, or the part of one
// that follows an adjustment). Read-only in Autotask.
struct ContractServiceUnit {
  static constexpr std::string_view kEntity = "ContractServiceUnits";
  Id id = 0;
  Id contractID = 0;
  Id contractServiceID = 0;
  Id serviceID = 0;
  Date startDate{};
  Date endDate{};
  std::int64_t units = 0;
  Field<Decimal> cost;
  Field<Decimal> price;
  Field<DateTime> approveAndPostDate;  // set once the period has been approved and posted

  bool covers(Date d) const { return startDate <= d && d <= endDate; }

  static Result<ContractServiceUnit> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

// A change to a contract service's units and prices from an effective date. Create-only.
struct ContractServiceAdjustment {
  static constexpr std::string_view kEntity = "ContractServiceAdjustments";
  static constexpr std::string_view kParent = "Contracts";
  static constexpr std::string_view kChildPath = "ServiceAdjustments";
  Field<Id> id;
  Id contractID = 0;
  Id contractServiceID = 0;
  Id serviceID = 0;
  std::int64_t unitChange = 0;  // a delta: positive adds units, negative removes them
  Date effectiveDate{};
  Field<Decimal> adjustedUnitCost;
  Field<Decimal> adjustedUnitPrice;
  Field<bool> allowRepeatService;

  static Result<ContractServiceAdjustment> from_json(const boost::json::value& v);
  // effective_time is appended to the date on the wire ("12:00:00" -> "2026-03-01T12:00:00").
  boost::json::object to_json(std::string_view effective_time = "00:00:00") const;
};

// One portal client org and where its usage is billed in Autotask.
struct Mapping {
  std::string org_id;
  std::string org_name;
  Id company_id = 0;
  Id contract_id = 0;
  Id service_id = 0;
  std::optional<Id> contract_service_id;  // known once the mapping has been resolved
  // The company's name in Autotask when the mapping was made. When set, a company renamed since
  // is drift: the sync skips the mapping until someone confirms it and records the new name.
  std::optional<std::string> company_name;
  // The contract line the org was billed on before a remap. While it still holds units in the
  // effective period, the sync zeroes it through an adjustment and reports that it should be
  // removed by hand. previous_contract_id defaults to contract_id.
  std::optional<Id> previous_contract_service_id;
  std::optional<Id> previous_contract_id;

  // Config shape: {"org_id","org_name","company_id","contract_id","service_id",
  // "contract_service_id"?, "company_name"?, "previous_contract_service_id"?,
  // "previous_contract_id"?}. Unknown keys are an error naming the key.
  static Result<Mapping> from_json(const boost::json::value& v);
  boost::json::object to_json() const;
};

}  // namespace autotask_sync
