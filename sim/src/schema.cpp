#include "schema.hpp"

#include "text.hpp"

#include <array>

namespace autotask_sim::detail {

namespace {

constexpr FieldType kInt = FieldType::kInteger;
constexpr FieldType kStr = FieldType::kString;
constexpr FieldType kBool = FieldType::kBoolean;
constexpr FieldType kDec = FieldType::kDecimal;
constexpr FieldType kDt = FieldType::kDateTime;

// Field names follow the camelCase Swagger models (CompanyModel, ContractModel, ServiceModel,
// ContractServiceModel, ContractServiceUnitModel, ContractServiceAdjustmentModel, TicketModel,
// TicketNoteModel). Integer covers Autotask's int32 and int64 alike.
constexpr std::array kCompanyFields{
    FieldSpec{"id", kInt},
    FieldSpec{"companyName", kStr},
    FieldSpec{"companyNumber", kStr},
    FieldSpec{"companyType", kInt},
    FieldSpec{"companyCategoryID", kInt},
    FieldSpec{"classification", kInt},
    FieldSpec{"isActive", kBool},
    FieldSpec{"isTaxExempt", kBool},
    FieldSpec{"parentCompanyID", kInt},
    FieldSpec{"ownerResourceID", kInt},
    FieldSpec{"phone", kStr},
    FieldSpec{"alternatePhone1", kStr},
    FieldSpec{"alternatePhone2", kStr},
    FieldSpec{"fax", kStr},
    FieldSpec{"webAddress", kStr},
    FieldSpec{"address1", kStr},
    FieldSpec{"address2", kStr},
    FieldSpec{"city", kStr},
    FieldSpec{"state", kStr},
    FieldSpec{"postalCode", kStr},
    FieldSpec{"countryID", kInt},
    FieldSpec{"currencyID", kInt},
    FieldSpec{"taxRegionID", kInt},
    FieldSpec{"invoiceTemplateID", kInt},
    FieldSpec{"marketSegmentID", kInt},
    FieldSpec{"territoryID", kInt},
    FieldSpec{"apiVendorID", kInt},
    FieldSpec{"createDate", kDt},
    FieldSpec{"lastActivityDate", kDt},
    FieldSpec{"lastTrackedModifiedDateTime", kDt},
};

constexpr std::array kContractFields{
    FieldSpec{"id", kInt},
    FieldSpec{"companyID", kInt},
    FieldSpec{"contractName", kStr},
    FieldSpec{"contractNumber", kStr},
    FieldSpec{"contractType", kInt},
    FieldSpec{"contractCategory", kInt},
    FieldSpec{"contractPeriodType", kInt},
    FieldSpec{"status", kInt},
    FieldSpec{"startDate", kDt},
    FieldSpec{"endDate", kDt},
    FieldSpec{"isDefaultContract", kBool},
    FieldSpec{"billingPreference", kInt},
    FieldSpec{"billToCompanyID", kInt},
    FieldSpec{"billToCompanyContactID", kInt},
    FieldSpec{"contactID", kInt},
    FieldSpec{"contactName", kStr},
    FieldSpec{"description", kStr},
    FieldSpec{"estimatedCost", kDec},
    FieldSpec{"estimatedHours", kDec},
    FieldSpec{"estimatedRevenue", kDec},
    FieldSpec{"setupFee", kDec},
    FieldSpec{"setupFeeBillingCodeID", kInt},
    FieldSpec{"overageBillingRate", kDec},
    FieldSpec{"internalCurrencyOverageBillingRate", kDec},
    FieldSpec{"internalCurrencySetupFee", kDec},
    FieldSpec{"exclusionContractID", kInt},
    FieldSpec{"contractExclusionSetID", kInt},
    FieldSpec{"isCompliant", kBool},
    FieldSpec{"opportunityID", kInt},
    FieldSpec{"organizationalLevelAssociationID", kInt},
    FieldSpec{"purchaseOrderNumber", kStr},
    FieldSpec{"renewedContractID", kInt},
    FieldSpec{"serviceLevelAgreementID", kInt},
    FieldSpec{"timeReportingRequiresStartAndStopTimes", kBool},
    FieldSpec{"lastModifiedDateTime", kDt},
};

constexpr std::array kServiceFields{
    FieldSpec{"id", kInt},
    FieldSpec{"name", kStr},
    FieldSpec{"description", kStr},
    FieldSpec{"invoiceDescription", kStr},
    FieldSpec{"unitCost", kDec},
    FieldSpec{"unitPrice", kDec},
    FieldSpec{"periodType", kInt},
    FieldSpec{"isActive", kBool},
    FieldSpec{"billingCodeID", kInt},
    FieldSpec{"markupRate", kDec},
    FieldSpec{"serviceLevelAgreementID", kInt},
    FieldSpec{"vendorCompanyID", kInt},
    FieldSpec{"manufacturerServiceProviderProductNumber", kStr},
    FieldSpec{"createDate", kDt},
    FieldSpec{"creatorResourceID", kInt},
    FieldSpec{"lastModifiedDate", kDt},
    FieldSpec{"updateResourceID", kInt},
};

constexpr std::array kContractServiceFields{
    FieldSpec{"id", kInt},
    FieldSpec{"contractID", kInt},
    FieldSpec{"serviceID", kInt},
    FieldSpec{"unitCost", kDec},
    FieldSpec{"unitPrice", kDec},
    FieldSpec{"adjustedPrice", kDec},
    FieldSpec{"internalCurrencyUnitPrice", kDec},
    FieldSpec{"internalCurrencyAdjustedPrice", kDec},
    FieldSpec{"internalDescription", kStr},
    FieldSpec{"invoiceDescription", kStr},
    FieldSpec{"quoteItemID", kInt},
};

constexpr std::array kContractServiceUnitFields{
    FieldSpec{"id", kInt},
    FieldSpec{"contractID", kInt},
    FieldSpec{"contractServiceID", kInt},
    FieldSpec{"serviceID", kInt},
    FieldSpec{"startDate", kDt},
    FieldSpec{"endDate", kDt},
    FieldSpec{"units", kInt},
    FieldSpec{"cost", kDec},
    FieldSpec{"price", kDec},
    FieldSpec{"internalCurrencyPrice", kDec},
    FieldSpec{"approveAndPostDate", kDt},
    FieldSpec{"organizationalLevelAssociationID", kInt},
    FieldSpec{"vendorCompanyID", kInt},
};

constexpr std::array kContractServiceAdjustmentFields{
    FieldSpec{"id", kInt},
    FieldSpec{"contractID", kInt},
    FieldSpec{"contractServiceID", kInt},
    FieldSpec{"serviceID", kInt},
    FieldSpec{"unitChange", kInt},
    FieldSpec{"effectiveDate", kDt},
    FieldSpec{"adjustedUnitCost", kDec},
    FieldSpec{"adjustedUnitPrice", kDec},
    FieldSpec{"allowRepeatService", kBool},
    FieldSpec{"quoteItemID", kInt},
};

constexpr std::array kTicketFields{
    FieldSpec{"id", kInt},
    FieldSpec{"ticketNumber", kStr},
    FieldSpec{"title", kStr},
    FieldSpec{"description", kStr},
    FieldSpec{"status", kInt},
    FieldSpec{"priority", kInt},
    FieldSpec{"queueID", kInt},
    FieldSpec{"companyID", kInt},
    FieldSpec{"companyLocationID", kInt},
    FieldSpec{"contactID", kInt},
    FieldSpec{"contractID", kInt},
    FieldSpec{"contractServiceID", kInt},
    FieldSpec{"configurationItemID", kInt},
    FieldSpec{"dueDateTime", kDt},
    FieldSpec{"createDate", kDt},
    FieldSpec{"completedDate", kDt},
    FieldSpec{"externalID", kStr},
    FieldSpec{"issueType", kInt},
    FieldSpec{"subIssueType", kInt},
    FieldSpec{"ticketType", kInt},
    FieldSpec{"ticketCategory", kInt},
    FieldSpec{"source", kInt},
    FieldSpec{"assignedResourceID", kInt},
    FieldSpec{"assignedResourceRoleID", kInt},
    FieldSpec{"billingCodeID", kInt},
    FieldSpec{"lastActivityDate", kDt},
    FieldSpec{"lastTrackedModificationDateTime", kDt},
};

constexpr std::array kTicketNoteFields{
    FieldSpec{"id", kInt},
    FieldSpec{"ticketID", kInt},
    FieldSpec{"title", kStr},
    FieldSpec{"description", kStr},
    FieldSpec{"noteType", kInt},
    FieldSpec{"publish", kInt},
    FieldSpec{"createDateTime", kDt},
    FieldSpec{"creatorResourceID", kInt},
    FieldSpec{"createdByContactID", kInt},
    FieldSpec{"lastActivityDate", kDt},
};

constexpr std::array kEntities{
    EntitySchema{"Companies", "Company", kCompanyFields, true, true, "", "", ""},
    EntitySchema{"Contracts", "Contract", kContractFields, true, true, "", "", ""},
    EntitySchema{"Services", "Service", kServiceFields, true, true, "", "", ""},
    EntitySchema{"ContractServices", "ContractService", kContractServiceFields, false, true,
                 "Contracts", "Services", "contractID"},
    EntitySchema{"ContractServiceUnits", "ContractServiceUnit", kContractServiceUnitFields, false,
                 true, "Contracts", "ServiceUnits", "contractID"},
    EntitySchema{"ContractServiceAdjustments", "ContractServiceAdjustment",
                 kContractServiceAdjustmentFields, false, false, "Contracts", "ServiceAdjustments",
                 "contractID"},
    EntitySchema{"Tickets", "Ticket", kTicketFields, true, true, "", "", ""},
    EntitySchema{"TicketNotes", "TicketNote", kTicketNoteFields, false, true, "Tickets", "Notes",
                 "ticketID"},
};

}  // namespace

std::span<const EntitySchema> all_entities() { return kEntities; }

const EntitySchema* find_entity(std::string_view name) {
  for (const auto& e : kEntities) {
    if (iequals(e.name, name)) return &e;
  }
  return nullptr;
}

const FieldSpec* find_field(const EntitySchema& entity, std::string_view name) {
  for (const auto& f : entity.fields) {
    if (iequals(f.name, name)) return &f;
  }
  return nullptr;
}

const EntitySchema* find_child(const EntitySchema& parent, std::string_view child_path) {
  for (const auto& e : kEntities) {
    if (e.parent == parent.name && iequals(e.child_path, child_path)) return &e;
  }
  return nullptr;
}

}  // namespace autotask_sim::detail
