#include <autotask_sync/model/entities.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <set>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

// Reads fields of one JSON object, remembering the first error so a decoder reads as a list.
class Reader {
 public:
  Reader(const bj::value& v, std::string_view entity) : entity_(entity) {
    if (!v.is_object()) {
      error_ = Error(ErrorCode::kProtocol, std::string(entity) + ": expected a JSON object");
      return;
    }
    obj_ = &v.get_object();
    if (const bj::value* id = json::find_ci(*obj_, "id"); id && id->is_int64()) {
      what_ = std::string(entity) + " " + std::to_string(id->get_int64());
    } else {
      what_ = std::string(entity);
    }
  }

  bool ok() const { return !error_.has_value(); }
  Error take_error() { return std::move(*error_); }

  template <class T, class Fn>
  void read(std::string_view key, Field<T>& out, Fn reader) {
    if (!ok()) return;
    auto r = reader(*obj_, key, what_);
    if (!r) {
      error_ = std::move(r).error();
      return;
    }
    out = std::move(*r);
  }
  void field(std::string_view key, Field<std::int64_t>& out) { read(key, out, json::read_int); }
  void field(std::string_view key, Field<bool>& out) { read(key, out, json::read_bool); }
  void field(std::string_view key, Field<std::string>& out) { read(key, out, json::read_string); }
  void field(std::string_view key, Field<Decimal>& out) { read(key, out, json::read_decimal); }
  void field(std::string_view key, Field<Date>& out) { read(key, out, json::read_date_of); }
  void field(std::string_view key, Field<DateTime>& out) { read(key, out, json::read_date_time); }

  // A field the integration cannot work without.
  template <class T>
  void required(std::string_view key, T& out) {
    Field<T> f;
    field(key, f);
    if (!ok()) return;
    if (!f.has_value()) {
      error_ = Error(ErrorCode::kProtocol,
                     what_ + ": field '" + std::string(key) + "' is missing or null");
      return;
    }
    out = std::move(f.value());
  }

 private:
  std::string entity_;
  std::string what_;
  const bj::object* obj_ = nullptr;
  std::optional<Error> error_;
};

void put_id(bj::object& o, std::string_view key, Id id) {
  o[key] = id;
}

}  // namespace

Result<Company> Company::from_json(const bj::value& v) {
  Reader r(v, "Company");
  Company c;
  r.required("id", c.id);
  r.required("companyName", c.companyName);
  r.field("companyType", c.companyType);
  r.field("isActive", c.isActive);
  r.field("parentCompanyID", c.parentCompanyID);
  r.field("companyNumber", c.companyNumber);
  r.field("currencyID", c.currencyID);
  if (!r.ok()) return r.take_error();
  return c;
}

bj::object Company::to_json() const {
  bj::object o;
  put_id(o, "id", id);
  o["companyName"] = companyName;
  json::put(o, "companyType", companyType);
  json::put(o, "isActive", isActive);
  json::put(o, "parentCompanyID", parentCompanyID);
  json::put(o, "companyNumber", companyNumber);
  json::put(o, "currencyID", currencyID);
  return o;
}

Result<Contract> Contract::from_json(const bj::value& v) {
  Reader r(v, "Contract");
  Contract c;
  r.required("id", c.id);
  r.required("companyID", c.companyID);
  Field<std::string> name;
  r.field("contractName", name);
  c.contractName = name.value_or("");
  r.field("contractNumber", c.contractNumber);
  r.field("contractType", c.contractType);
  r.field("status", c.status);
  r.field("contractPeriodType", c.contractPeriodType);
  r.field("startDate", c.startDate);
  r.field("endDate", c.endDate);
  r.field("isDefaultContract", c.isDefaultContract);
  if (!r.ok()) return r.take_error();
  return c;
}

bj::object Contract::to_json() const {
  bj::object o;
  put_id(o, "id", id);
  put_id(o, "companyID", companyID);
  o["contractName"] = contractName;
  json::put(o, "contractNumber", contractNumber);
  json::put(o, "contractType", contractType);
  json::put(o, "status", status);
  json::put(o, "contractPeriodType", contractPeriodType);
  json::put_date(o, "startDate", startDate);
  json::put_date(o, "endDate", endDate);
  json::put(o, "isDefaultContract", isDefaultContract);
  return o;
}

Result<Service> Service::from_json(const bj::value& v) {
  Reader r(v, "Service");
  Service s;
  r.required("id", s.id);
  Field<std::string> name;
  r.field("name", name);
  s.name = name.value_or("");
  r.field("description", s.description);
  r.field("unitCost", s.unitCost);
  r.field("unitPrice", s.unitPrice);
  r.field("periodType", s.periodType);
  r.field("isActive", s.isActive);
  r.field("billingCodeID", s.billingCodeID);
  if (!r.ok()) return r.take_error();
  return s;
}

bj::object Service::to_json() const {
  bj::object o;
  put_id(o, "id", id);
  o["name"] = name;
  json::put(o, "description", description);
  json::put(o, "unitCost", unitCost);
  json::put(o, "unitPrice", unitPrice);
  json::put(o, "periodType", periodType);
  json::put(o, "isActive", isActive);
  json::put(o, "billingCodeID", billingCodeID);
  return o;
}

Result<ContractService> ContractService::from_json(const bj::value& v) {
  Reader r(v, "ContractService");
  ContractService s;
  r.required("id", s.id);
  r.required("contractID", s.contractID);
  r.required("serviceID", s.serviceID);
  r.field("unitCost", s.unitCost);
  r.field("unitPrice", s.unitPrice);
  r.field("adjustedPrice", s.adjustedPrice);
  r.field("invoiceDescription", s.invoiceDescription);
  r.field("internalDescription", s.internalDescription);
  r.field("quoteItemID", s.quoteItemID);
  if (!r.ok()) return r.take_error();
  return s;
}

bj::object ContractService::to_json() const {
  bj::object o;
  put_id(o, "id", id);
  put_id(o, "contractID", contractID);
  put_id(o, "serviceID", serviceID);
  json::put(o, "unitCost", unitCost);
  json::put(o, "unitPrice", unitPrice);
  json::put(o, "adjustedPrice", adjustedPrice);
  json::put(o, "invoiceDescription", invoiceDescription);
  json::put(o, "internalDescription", internalDescription);
  json::put(o, "quoteItemID", quoteItemID);
  return o;
}

Result<ContractServiceUnit> ContractServiceUnit::from_json(const bj::value& v) {
  Reader r(v, "ContractServiceUnit");
  ContractServiceUnit u;
  r.required("id", u.id);
  r.required("contractID", u.contractID);
  r.required("contractServiceID", u.contractServiceID);
  Field<std::int64_t> service;
  r.field("serviceID", service);
  u.serviceID = service.value_or(0);
  r.required("startDate", u.startDate);
  r.required("endDate", u.endDate);
  r.required("units", u.units);
  r.field("cost", u.cost);
  r.field("price", u.price);
  r.field("approveAndPostDate", u.approveAndPostDate);
  if (!r.ok()) return r.take_error();
  return u;
}

bj::object ContractServiceUnit::to_json() const {
  bj::object o;
  put_id(o, "id", id);
  put_id(o, "contractID", contractID);
  put_id(o, "contractServiceID", contractServiceID);
  put_id(o, "serviceID", serviceID);
  json::put_date(o, "startDate", Field<Date>(startDate));
  json::put_date(o, "endDate", Field<Date>(endDate));
  o["units"] = units;
  json::put(o, "cost", cost);
  json::put(o, "price", price);
  if (approveAndPostDate.has_value()) {
    o["approveAndPostDate"] = format_date_time(*approveAndPostDate);
  } else if (approveAndPostDate.is_null()) {
    o["approveAndPostDate"] = nullptr;
  }
  return o;
}

Result<ContractServiceAdjustment> ContractServiceAdjustment::from_json(const bj::value& v) {
  Reader r(v, "ContractServiceAdjustment");
  ContractServiceAdjustment a;
  r.field("id", a.id);
  r.required("contractID", a.contractID);
  r.required("contractServiceID", a.contractServiceID);
  r.required("serviceID", a.serviceID);
  r.required("unitChange", a.unitChange);
  r.required("effectiveDate", a.effectiveDate);
  r.field("adjustedUnitCost", a.adjustedUnitCost);
  r.field("adjustedUnitPrice", a.adjustedUnitPrice);
  r.field("allowRepeatService", a.allowRepeatService);
  if (!r.ok()) return r.take_error();
  return a;
}

bj::object ContractServiceAdjustment::to_json(std::string_view effective_time) const {
  bj::object o;
  if (id.has_value()) put_id(o, "id", *id);
  put_id(o, "contractID", contractID);
  put_id(o, "contractServiceID", contractServiceID);
  put_id(o, "serviceID", serviceID);
  o["unitChange"] = unitChange;
  o["effectiveDate"] = format_date(effectiveDate) + "T" + std::string(effective_time);
  json::put(o, "adjustedUnitCost", adjustedUnitCost);
  json::put(o, "adjustedUnitPrice", adjustedUnitPrice);
  json::put(o, "allowRepeatService", allowRepeatService);
  return o;
}

Result<Mapping> Mapping::from_json(const bj::value& v) {
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "a mapping must be a JSON object");
  const bj::object& o = v.get_object();
  static const std::set<std::string_view> kKeys = {"org_id",
                                                   "org_name",
                                                   "company_id",
                                                   "contract_id",
                                                   "service_id",
                                                   "contract_service_id",
                                                   "company_name",
                                                   "previous_contract_service_id",
                                                   "previous_contract_id"};
  std::string where = "mapping";
  if (const bj::value* org = json::find_ci(o, "org_id"); org && org->is_string()) {
    where += " '" + std::string(org->get_string()) + "'";
  }
  for (const auto& kv : o) {
    if (!kKeys.count(kv.key())) {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
  auto text = [&](std::string_view key, std::string& out, bool required) -> std::optional<Error> {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) {
      if (!required) return std::nullopt;
      return Error(ErrorCode::kInvalidArgument, where + ": '" + std::string(key) + "' is required");
    }
    if (!it->value().is_string() || it->value().get_string().empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": '" + std::string(key) + "' must be a non-empty string");
    }
    out = std::string(it->value().get_string());
    return std::nullopt;
  };
  auto id = [&](std::string_view key, std::optional<Id>& out,
                bool required) -> std::optional<Error> {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) {
      if (!required) return std::nullopt;
      return Error(ErrorCode::kInvalidArgument, where + ": '" + std::string(key) + "' is required");
    }
    const bj::value& x = it->value();
    if (x.is_int64() && x.get_int64() > 0) {
      out = x.get_int64();
      return std::nullopt;
    }
    if (x.is_uint64() && x.get_uint64() > 0 &&
        x.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      out = static_cast<Id>(x.get_uint64());
      return std::nullopt;
    }
    return Error(ErrorCode::kInvalidArgument,
                 where + ": '" + std::string(key) + "' must be a positive integer id");
  };

  Mapping m;
  std::optional<Id> company, contract, service;
  std::string company_name;
  for (auto e : {text("org_id", m.org_id, true), text("org_name", m.org_name, false),
                 text("company_name", company_name, false), id("company_id", company, true),
                 id("contract_id", contract, true), id("service_id", service, true),
                 id("contract_service_id", m.contract_service_id, false),
                 id("previous_contract_service_id", m.previous_contract_service_id, false),
                 id("previous_contract_id", m.previous_contract_id, false)}) {
    if (e) return std::move(*e);
  }
  m.company_id = *company;
  m.contract_id = *contract;
  m.service_id = *service;
  if (!company_name.empty()) m.company_name = std::move(company_name);
  return m;
}

bj::object Mapping::to_json() const {
  bj::object o;
  o["org_id"] = org_id;
  // Optional, and from_json refuses an empty one: a mapping without a name encodes without it.
  if (!org_name.empty()) o["org_name"] = org_name;
  o["company_id"] = company_id;
  o["contract_id"] = contract_id;
  o["service_id"] = service_id;
  if (contract_service_id) o["contract_service_id"] = *contract_service_id;
  if (company_name) o["company_name"] = *company_name;
  if (previous_contract_service_id)
    o["previous_contract_service_id"] = *previous_contract_service_id;
  if (previous_contract_id) o["previous_contract_id"] = *previous_contract_id;
  return o;
}

}  // namespace autotask_sync
