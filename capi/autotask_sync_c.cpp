// The C ABI over the C++ API. Every entry point catches everything: nothing may unwind into C.
#include "autotask_sync.h"

#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/config.hpp>
#include <autotask_sync/sync/readiness.hpp>

#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

struct atsync_client {
  autotask_sync::Config config;
  std::shared_ptr<autotask_sync::Client> client;
  std::mutex run_mutex;  // one run (sync or readiness check) at a time per client

  // The logger target, swapped under its own lock so a running sync sees a consistent pair.
  std::mutex log_mutex;
  atsync_log_fn log_fn = nullptr;
  void* log_user_data = nullptr;
  atsync_log_level log_level = ATSYNC_LOG_OFF;
};

namespace {

namespace at = autotask_sync;

thread_local std::string last_error;

atsync_status fail(atsync_status status, std::string message) {
  last_error = std::move(message);
  return status;
}

atsync_status fail(const at::Error& e) {
  // Caller mistakes read best as the message alone; failures from Autotask carry code and status.
  return fail(static_cast<atsync_status>(static_cast<int>(e.code)),
              e.code == at::ErrorCode::kInvalidArgument ? e.message : e.describe());
}

// Defence in depth on what leaves the library for the caller: the library never puts the secret
// in a message or a report, and this makes sure of it.
void redact(std::string& text, const std::string& secret) {
  constexpr std::string_view kRedacted = "[redacted]";
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

void redact(boost::json::value& v, const std::string& secret) {
  if (secret.empty()) return;
  if (v.is_string()) {
    if (v.get_string().subview().find(secret) == std::string_view::npos) return;
    std::string text(v.get_string());
    redact(text, secret);
    v = text;
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) redact(x, secret);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) redact(kv.value(), secret);
  }
}

const std::string& secret_of(const atsync_client* client) {
  static const std::string none;
  return client->config.autotask ? client->config.autotask->credentials.secret : none;
}

// A run's failure, with the secret kept out of the message.
atsync_status fail_run(const atsync_client* client, const at::Error& e) {
  const atsync_status status = fail(e);
  redact(last_error, secret_of(client));
  return status;
}

atsync_status ok() {
  last_error.clear();
  return ATSYNC_OK;
}

char* copy_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

template <class Fn>
atsync_status guarded(Fn fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return fail(ATSYNC_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(ATSYNC_E_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(ATSYNC_E_INTERNAL, "internal error");
  }
}

}  // namespace

extern "C" {

const char* atsync_version(void) {
  return "0.1.0";
}

const char* atsync_last_error_message(void) {
  return last_error.c_str();
}

atsync_status atsync_client_create(const char* config_json, size_t config_len,
                                   atsync_client** out) {
  return guarded([&] {
    if (!out) return fail(ATSYNC_E_INVALID_ARGUMENT, "out must not be NULL");
    *out = nullptr;
    if (!config_json) return fail(ATSYNC_E_INVALID_ARGUMENT, "config_json must not be NULL");
    auto config = at::parse_config(std::string_view(config_json, config_len));
    if (!config) return fail(config.error());
    if (!config->autotask) {
      return fail(ATSYNC_E_INVALID_ARGUMENT, "config: the 'autotask' object is required");
    }
    auto handle = std::make_unique<atsync_client>();
    handle->config = std::move(*config);
    atsync_client* raw = handle.get();
    at::Logger logger(
        [raw](at::LogLevel level, std::string_view line) {
          std::lock_guard lock(raw->log_mutex);
          if (raw->log_fn && static_cast<int>(level) >= static_cast<int>(raw->log_level)) {
            raw->log_fn(raw->log_user_data, static_cast<atsync_log_level>(level), line.data(),
                        line.size());
          }
        },
        at::LogLevel::kDebug);
    auto client = at::make_client(*handle->config.autotask, std::move(logger));
    if (!client) return fail(client.error());
    handle->client = std::move(*client);
    *out = handle.release();
    return ok();
  });
}

atsync_status atsync_client_set_logger(atsync_client* client, atsync_log_fn fn, void* user_data,
                                       atsync_log_level min_level) {
  return guarded([&] {
    if (!client) return fail(ATSYNC_E_INVALID_ARGUMENT, "client must not be NULL");
    if (min_level < ATSYNC_LOG_DEBUG || min_level > ATSYNC_LOG_OFF) {
      return fail(ATSYNC_E_INVALID_ARGUMENT, "min_level must be an atsync_log_level");
    }
    std::lock_guard lock(client->log_mutex);
    client->log_fn = fn;
    client->log_user_data = user_data;
    client->log_level = fn ? min_level : ATSYNC_LOG_OFF;
    return ok();
  });
}

atsync_status atsync_sync_run(atsync_client* client, const char* input_json, size_t input_len,
                              int dry_run, char** report_json, size_t* report_len) {
  return guarded([&] {
    if (!client) return fail(ATSYNC_E_INVALID_ARGUMENT, "client must not be NULL");
    if (!report_json) return fail(ATSYNC_E_INVALID_ARGUMENT, "report_json must not be NULL");
    *report_json = nullptr;
    if (report_len) *report_len = 0;

    std::vector<at::Mapping> mappings = client->config.mappings;
    std::vector<at::Usage> usage = client->config.usage;
    if (input_json) {
      // The input takes the config's shape, restricted to mappings and usage.
      auto doc =
          at::json::parse(std::string_view(input_json, input_len), at::ErrorCode::kInvalidArgument);
      if (!doc) return fail(ATSYNC_E_INVALID_ARGUMENT, "input_json: " + doc.error().message);
      if (doc->is_object() &&
          (doc->get_object().contains("autotask") || doc->get_object().contains("billing"))) {
        return fail(ATSYNC_E_INVALID_ARGUMENT, "input_json may hold only 'mappings' and 'usage'");
      }
      auto input = at::parse_config(std::string_view(input_json, input_len));
      if (!input) {
        std::string message = input.error().message;
        if (message.rfind("config: ", 0) == 0) message.replace(0, 8, "input_json: ");
        return fail(ATSYNC_E_INVALID_ARGUMENT, message);
      }
      mappings = std::move(input->mappings);
      usage = std::move(input->usage);
    }

    std::lock_guard lock(client->run_mutex);
    at::BillingOptions options = client->config.billing;
    options.dry_run = dry_run != 0;
    auto report = at::run_billing_sync(*client->client, mappings, usage, options);
    if (!report) return fail_run(client, report.error());
    const std::string text = at::json::serialize(report->to_json());
    char* out = copy_string(text);
    if (!out) return fail(ATSYNC_E_INTERNAL, "out of memory");
    *report_json = out;
    if (report_len) *report_len = text.size();
    return ok();
  });
}

atsync_status atsync_check_run(atsync_client* client, const char* input_json, size_t input_len,
                               char** report_json, size_t* report_len) {
  return guarded([&] {
    if (!client) return fail(ATSYNC_E_INVALID_ARGUMENT, "client must not be NULL");
    if (!report_json) return fail(ATSYNC_E_INVALID_ARGUMENT, "report_json must not be NULL");
    *report_json = nullptr;
    if (report_len) *report_len = 0;

    at::ReadinessInput input;
    const at::PortalSettings* portal = &client->config.portal;
    at::Config given;
    if (input_json) {
      // The input takes the config's shape, restricted to mappings, usage and portal.orgs.
      auto doc =
          at::json::parse(std::string_view(input_json, input_len), at::ErrorCode::kInvalidArgument);
      if (!doc) return fail(ATSYNC_E_INVALID_ARGUMENT, "input_json: " + doc.error().message);
      if (doc->is_object()) {
        const auto& o = doc->get_object();
        for (const char* key : {"autotask", "billing"}) {
          if (o.contains(key)) {
            return fail(ATSYNC_E_INVALID_ARGUMENT,
                        std::string("input_json: '") + key +
                            "' is the client's own; input_json may hold only 'mappings', "
                            "'usage' and 'portal.orgs'");
          }
        }
        if (auto it = o.find("portal"); it != o.end() && it->value().is_object() &&
                                        it->value().get_object().contains("product_name")) {
          return fail(ATSYNC_E_INVALID_ARGUMENT,
                      "input_json: 'portal.product_name' is not used by the check; 'portal' may "
                      "hold only 'orgs'");
        }
      }
      auto parsed = at::parse_config(std::string_view(input_json, input_len));
      if (!parsed) {
        std::string message = parsed.error().message;
        if (message.rfind("config: ", 0) == 0) message.replace(0, 8, "input_json: ");
        return fail(ATSYNC_E_INVALID_ARGUMENT, message);
      }
      given = std::move(*parsed);
      input.mappings = std::move(given.mappings);
      input.usage = std::move(given.usage);
      portal = &given.portal;
    } else {
      input.mappings = client->config.mappings;
      input.usage = client->config.usage;
    }
    if (portal->orgs) {
      std::vector<std::string> ids;
      ids.reserve(portal->orgs->size());
      for (const auto& org : *portal->orgs) ids.push_back(org.org_id);
      input.portal_orgs = std::move(ids);
    }

    std::lock_guard lock(client->run_mutex);
    auto report = at::check_readiness(*client->client, input, client->config.billing);
    if (!report) return fail_run(client, report.error());
    boost::json::value doc = report->to_json();
    redact(doc, secret_of(client));
    const std::string text = at::json::serialize(doc);
    char* out = copy_string(text);
    if (!out) return fail(ATSYNC_E_INTERNAL, "out of memory");
    *report_json = out;
    if (report_len) *report_len = text.size();
    return ok();
  });
}

unsigned long long atsync_client_request_count(const atsync_client* client) {
  return client && client->client ? client->client->request_count() : 0;
}

void atsync_string_free(char* s) {
  std::free(s);
}

void atsync_client_destroy(atsync_client* client) {
  delete client;
}

}  // extern "C"
