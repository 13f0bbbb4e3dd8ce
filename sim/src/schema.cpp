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

constexpr unsigned kId = kRequired | kReadOnly | kLong;
constexpr unsigned kNone = 0;

// Field names follow the camelCase Swagger models (CompanyModel, ContractModel, ServiceModel,
// ContractServiceModel, ContractServiceUnitModel, ContractServiceAdjustmentModel, TicketModel,
// TicketNoteModel). Integer covers Autotask's int32 and int64 alike for filters and loading;
// kLong and kDouble only change what the metadata calls the type. Required fields are those
// Autotask's entity pages name for a create; lengths are the limits its field pages list, and
// references name the entity in Autotask's singular form.
constexpr std::array kCompanyFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"companyName", kStr, kRequired, 100},
    FieldSpec{"companyNumber", kStr, kNone, 50},
    FieldSpec{"companyType", kInt, kRequired | kPicklist},
    FieldSpec{"companyCategoryID", kInt, kNone, 0, "CompanyCategory"},
    FieldSpec{"classification", kInt, kPicklist},
    FieldSpec{"isActive", kBool},
    FieldSpec{"isTaxExempt", kBool},
    FieldSpec{"parentCompanyID", kInt, kNone, 0, "Company"},
    FieldSpec{"ownerResourceID", kInt, kRequired, 0, "Resource"},
    FieldSpec{"phone", kStr, kRequired, 25},
    FieldSpec{"alternatePhone1", kStr, kNone, 25},
    FieldSpec{"alternatePhone2", kStr, kNone, 25},
    FieldSpec{"fax", kStr, kNone, 25},
    FieldSpec{"webAddress", kStr, kNone, 255},
    FieldSpec{"address1", kStr, kNone, 128},
    FieldSpec{"address2", kStr, kNone, 128},
    FieldSpec{"city", kStr, kNone, 50},
    FieldSpec{"state", kStr, kNone, 25},
    FieldSpec{"postalCode", kStr, kNone, 20},
    FieldSpec{"countryID", kInt, kNone, 0, "Country"},
    FieldSpec{"currencyID", kInt, kNone, 0, "Currency"},
    FieldSpec{"taxRegionID", kInt, kNone, 0, "TaxRegion"},
    FieldSpec{"invoiceTemplateID", kInt, kNone, 0, "InvoiceTemplate"},
    FieldSpec{"marketSegmentID", kInt, kPicklist},
    FieldSpec{"territoryID", kInt, kPicklist},
    FieldSpec{"apiVendorID", kInt, kPicklist},
    FieldSpec{"createDate", kDt, kReadOnly},
    FieldSpec{"lastActivityDate", kDt, kReadOnly},
    FieldSpec{"lastTrackedModifiedDateTime", kDt, kReadOnly},
};

constexpr std::array kContractFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"companyID", kInt, kRequired, 0, "Company"},
    FieldSpec{"contractName", kStr, kRequired, 100},
    FieldSpec{"contractNumber", kStr, kNone, 50},
    FieldSpec{"contractType", kInt, kRequired | kPicklist},
    FieldSpec{"contractCategory", kInt, kPicklist},
    FieldSpec{"contractPeriodType", kInt, kPicklist},
    FieldSpec{"status", kInt, kRequired | kPicklist},
    FieldSpec{"startDate", kDt, kRequired},
    FieldSpec{"endDate", kDt, kRequired},
    FieldSpec{"isDefaultContract", kBool},
    FieldSpec{"billingPreference", kInt, kPicklist},
    FieldSpec{"billToCompanyID", kInt, kNone, 0, "Company"},
    FieldSpec{"billToCompanyContactID", kInt, kNone, 0, "Contact"},
    FieldSpec{"contactID", kInt, kNone, 0, "Contact"},
    FieldSpec{"contactName", kStr, kNone, 250},
    FieldSpec{"description", kStr, kNone, 2000},
    FieldSpec{"estimatedCost", kDec, kDouble},
    FieldSpec{"estimatedHours", kDec, kDouble},
    FieldSpec{"estimatedRevenue", kDec, kDouble},
    FieldSpec{"setupFee", kDec},
    FieldSpec{"setupFeeBillingCodeID", kInt, kNone, 0, "BillingCode"},
    FieldSpec{"overageBillingRate", kDec},
    FieldSpec{"internalCurrencyOverageBillingRate", kDec},
    FieldSpec{"internalCurrencySetupFee", kDec},
    FieldSpec{"exclusionContractID", kInt, kNone, 0, "Contract"},
    FieldSpec{"contractExclusionSetID", kInt, kNone, 0, "ContractExclusionSet"},
    FieldSpec{"isCompliant", kBool},
    FieldSpec{"opportunityID", kInt, kNone, 0, "Opportunity"},
    FieldSpec{"organizationalLevelAssociationID", kInt, kNone, 0, "OrganizationalLevelAssociation"},
    FieldSpec{"purchaseOrderNumber", kStr, kNone, 50},
    FieldSpec{"renewedContractID", kInt, kNone, 0, "Contract"},
    FieldSpec{"serviceLevelAgreementID", kInt, kPicklist},
    FieldSpec{"timeReportingRequiresStartAndStopTimes", kBool},
    FieldSpec{"lastModifiedDateTime", kDt, kReadOnly},
};

constexpr std::array kServiceFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"name", kStr, kRequired, 150},
    FieldSpec{"description", kStr, kNone, 400},
    FieldSpec{"invoiceDescription", kStr, kNone, 1000},
    FieldSpec{"unitCost", kDec, kCost},
    FieldSpec{"unitPrice", kDec, kRequired},
    FieldSpec{"periodType", kInt, kRequired | kPicklist},
    FieldSpec{"isActive", kBool},
    FieldSpec{"billingCodeID", kInt, kRequired, 0, "BillingCode"},
    FieldSpec{"markupRate", kDec},
    FieldSpec{"serviceLevelAgreementID", kInt, kPicklist},
    FieldSpec{"vendorCompanyID", kInt, kNone, 0, "Company"},
    FieldSpec{"manufacturerServiceProviderProductNumber", kStr, kNone, 50},
    FieldSpec{"createDate", kDt, kReadOnly},
    FieldSpec{"creatorResourceID", kInt, kReadOnly, 0, "Resource"},
    FieldSpec{"lastModifiedDate", kDt, kReadOnly},
    FieldSpec{"updateResourceID", kInt, kReadOnly, 0, "Resource"},
};

constexpr std::array kContractServiceFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"contractID", kInt, kRequired, 0, "Contract"},
    FieldSpec{"serviceID", kInt, kRequired, 0, "Service"},
    FieldSpec{"unitCost", kDec, kDouble | kCost},
    FieldSpec{"unitPrice", kDec, kDouble},
    FieldSpec{"adjustedPrice", kDec, kDouble},
    FieldSpec{"internalCurrencyUnitPrice", kDec, kDouble | kReadOnly},
    FieldSpec{"internalCurrencyAdjustedPrice", kDec, kDouble | kReadOnly},
    FieldSpec{"internalDescription", kStr, kNone, 100},
    FieldSpec{"invoiceDescription", kStr, kNone, 1000},
    FieldSpec{"quoteItemID", kInt, kLong, 0, "QuoteItem"},
};

// Units rows are written only through adjustments: every field is read-only.
constexpr std::array kContractServiceUnitFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"contractID", kInt, kReadOnly, 0, "Contract"},
    FieldSpec{"contractServiceID", kInt, kReadOnly, 0, "ContractService"},
    FieldSpec{"serviceID", kInt, kReadOnly, 0, "Service"},
    FieldSpec{"startDate", kDt, kReadOnly},
    FieldSpec{"endDate", kDt, kReadOnly},
    FieldSpec{"units", kInt, kReadOnly},
    FieldSpec{"cost", kDec, kDouble | kReadOnly},
    FieldSpec{"price", kDec, kDouble | kReadOnly},
    FieldSpec{"internalCurrencyPrice", kDec, kDouble | kReadOnly},
    FieldSpec{"approveAndPostDate", kDt, kReadOnly},
    FieldSpec{"organizationalLevelAssociationID", kInt, kReadOnly, 0,
              "OrganizationalLevelAssociation"},
    FieldSpec{"vendorCompanyID", kInt, kReadOnly, 0, "Company"},
};

// Required: what the simulator's adjustments refuse to go without (contractID on the root path).
constexpr std::array kContractServiceAdjustmentFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"contractID", kInt, kRequired, 0, "Contract"},
    FieldSpec{"contractServiceID", kInt, kNone, 0, "ContractService"},
    FieldSpec{"serviceID", kInt, kNone, 0, "Service"},
    FieldSpec{"unitChange", kInt, kRequired},
    FieldSpec{"effectiveDate", kDt, kRequired},
    FieldSpec{"adjustedUnitCost", kDec, kDouble},
    FieldSpec{"adjustedUnitPrice", kDec, kDouble},
    FieldSpec{"allowRepeatService", kBool},
    FieldSpec{"quoteItemID", kInt, kNone, 0, "QuoteItem"},
};

// A service bundle: several services sold as one catalogue item, billed through
// ContractServiceBundles rather than contract services.
constexpr std::array kServiceBundleFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"name", kStr, kRequired, 100},
    FieldSpec{"description", kStr, kNone, 200},
    FieldSpec{"invoiceDescription", kStr, kNone, 1000},
    FieldSpec{"unitCost", kDec, kDouble | kCost},
    FieldSpec{"unitPrice", kDec, kDouble},
    FieldSpec{"periodType", kInt, kRequired | kPicklist},
    FieldSpec{"isActive", kBool},
    FieldSpec{"billingCodeID", kInt, kNone, 0, "BillingCode"},
};

constexpr std::array kTicketFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"ticketNumber", kStr, kReadOnly, 50},
    FieldSpec{"title", kStr, kRequired, 255},
    FieldSpec{"description", kStr, kNone, 8000},
    FieldSpec{"status", kInt, kRequired | kPicklist},
    FieldSpec{"priority", kInt, kRequired | kPicklist},
    FieldSpec{"queueID", kInt, kPicklist},
    FieldSpec{"companyID", kInt, kRequired, 0, "Company"},
    FieldSpec{"companyLocationID", kInt, kNone, 0, "CompanyLocation"},
    FieldSpec{"contactID", kInt, kNone, 0, "Contact"},
    FieldSpec{"contractID", kInt, kNone, 0, "Contract"},
    FieldSpec{"contractServiceID", kInt, kLong, 0, "ContractService"},
    FieldSpec{"configurationItemID", kInt, kNone, 0, "ConfigurationItem"},
    FieldSpec{"dueDateTime", kDt},
    FieldSpec{"createDate", kDt, kReadOnly},
    FieldSpec{"completedDate", kDt, kReadOnly},
    FieldSpec{"externalID", kStr, kNone, 50},
    FieldSpec{"issueType", kInt, kPicklist},
    FieldSpec{"subIssueType", kInt, kPicklist, 0, {}, "issueType"},
    FieldSpec{"ticketType", kInt, kPicklist},
    FieldSpec{"ticketCategory", kInt, kPicklist},
    FieldSpec{"source", kInt, kPicklist},
    FieldSpec{"assignedResourceID", kInt, kNone, 0, "Resource"},
    FieldSpec{"assignedResourceRoleID", kInt, kNone, 0, "Role"},
    FieldSpec{"billingCodeID", kInt, kNone, 0, "BillingCode"},
    FieldSpec{"lastActivityDate", kDt, kReadOnly},
    FieldSpec{"lastTrackedModificationDateTime", kDt, kReadOnly},
};

constexpr std::array kTicketNoteFields{
    FieldSpec{"id", kInt, kId},
    FieldSpec{"ticketID", kInt, kRequired, 0, "Ticket"},
    FieldSpec{"title", kStr, kRequired, 250},
    FieldSpec{"description", kStr, kRequired, 32000},
    FieldSpec{"noteType", kInt, kRequired | kPicklist},
    FieldSpec{"publish", kInt, kRequired | kPicklist},
    FieldSpec{"createDateTime", kDt, kReadOnly},
    FieldSpec{"creatorResourceID", kInt, kReadOnly, 0, "Resource"},
    FieldSpec{"createdByContactID", kInt, kReadOnly, 0, "Contact"},
    FieldSpec{"lastActivityDate", kDt, kReadOnly},
};

// Capabilities per Autotask's entity pages: contract services are created and updated through
// their contract, units rows only read, adjustments only created, notes created but not updated.
constexpr std::array kEntities{
    EntitySchema{"Companies", "Company", kCompanyFields, true, true, "", "", "", true, true},
    EntitySchema{"Contracts", "Contract", kContractFields, true, true, "", "", "", true, true},
    EntitySchema{"Services", "Service", kServiceFields, true, true, "", "", "", true, true},
    EntitySchema{"ServiceBundles", "ServiceBundle", kServiceBundleFields, true, true, "", "", "",
                 true, true},
    EntitySchema{"ContractServices", "ContractService", kContractServiceFields, false, true,
                 "Contracts", "Services", "contractID", true, true},
    EntitySchema{"ContractServiceUnits", "ContractServiceUnit", kContractServiceUnitFields, false,
                 true, "Contracts", "ServiceUnits", "contractID", false, false},
    EntitySchema{"ContractServiceAdjustments", "ContractServiceAdjustment",
                 kContractServiceAdjustmentFields, false, false, "Contracts", "ServiceAdjustments",
                 "contractID", true, false},
    EntitySchema{"Tickets", "Ticket", kTicketFields, true, true, "", "", "", true, true},
    EntitySchema{"TicketNotes", "TicketNote", kTicketNoteFields, false, true, "Tickets", "Notes",
                 "ticketID", true, false},
};

}  // namespace

std::span<const EntitySchema> all_entities() {
  return kEntities;
}

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

std::string_view data_type_name(const FieldSpec& field) {
  switch (field.type) {
    case FieldType::kInteger:
      return (field.flags & kLong) != 0 ? "long" : "integer";
    case FieldType::kString:
      return "string";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDecimal:
      return (field.flags & kDouble) != 0 ? "double" : "decimal";
    case FieldType::kDateTime:
      return "datetime";
  }
  return "string";
}

}  // namespace autotask_sim::detail
