/*
 * autotask_sync C API: the billing sync of autotask_sync for C and any language with a C FFI.
 *
 * Conventions
 *  - Every function that can fail returns an atsync_status; ATSYNC_OK (0) is success. The
 *    message of the last failure on the calling thread is atsync_last_error_message().
 *  - Objects are opaque handles created by *_create and released by *_destroy. Strings the
 *    library returns are released with atsync_string_free. Strings passed in are borrowed for
 *    the duration of the call only and are given as pointer + length (not NUL-terminated).
 *  - A client may be used from several threads. It runs one sync or readiness check at a time: a
 *    second atsync_sync_run or atsync_check_run on the same client waits for the first.
 *  - The library never prints. Messages go to the logger set with atsync_client_set_logger.
 *    No credential ever reaches a log line, a report or an error message.
 *  - No function throws, aborts or exits; an internal defect is reported as ATSYNC_E_INTERNAL.
 *
 * Not supported through this API yet: supplying a transport through callbacks, plans and
 * ticketing. The embedded simulator is not part of the library; the autotask-sim program serves
 * the same purpose for C hosts.
 */
#ifndef AUTOTASK_SYNC_H
#define AUTOTASK_SYNC_H

#include <stddef.h> /* NOLINT(modernize-deprecated-headers): this header is C too */

#ifdef __cplusplus
extern "C" {
#endif

#define ATSYNC_VERSION_MAJOR 0
#define ATSYNC_VERSION_MINOR 1
#define ATSYNC_VERSION_PATCH 0

/* Pinned values: they never change meaning. */
typedef enum atsync_status {
  ATSYNC_OK = 0,
  ATSYNC_E_INVALID_ARGUMENT = 1, /* bad config, mapping, usage or argument */
  ATSYNC_E_TRANSPORT = 2,        /* no HTTP response: resolve, connect, TLS, I/O */
  ATSYNC_E_TIMEOUT = 3,
  ATSYNC_E_AUTHENTICATION = 4, /* wrong secret, unknown username, invalid integration code */
  ATSYNC_E_PERMISSION = 5,
  ATSYNC_E_NOT_FOUND = 6,
  ATSYNC_E_VALIDATION = 7,
  ATSYNC_E_RATE_LIMITED = 8,
  ATSYNC_E_THREAD_LIMIT = 9,
  ATSYNC_E_OUTAGE = 10,
  ATSYNC_E_SECURITY = 11,
  ATSYNC_E_PROTOCOL = 12,
  ATSYNC_E_CONFLICT = 13,
  ATSYNC_E_UNSUPPORTED = 14,
  ATSYNC_E_INTERNAL = 15
} atsync_status;

typedef enum atsync_log_level {
  ATSYNC_LOG_DEBUG = 0,
  ATSYNC_LOG_INFO = 1,
  ATSYNC_LOG_WARN = 2,
  ATSYNC_LOG_ERROR = 3,
  ATSYNC_LOG_OFF = 4
} atsync_log_level;

typedef struct atsync_client atsync_client;

/* Receives one log line (not NUL-terminated: use len). Called from the thread running the call
 * that logs. user_data is the pointer given to atsync_client_set_logger. */
typedef void (*atsync_log_fn)(void* user_data, atsync_log_level level, const char* line,
                              size_t len);

/* "0.1.0". A static string. */
const char* atsync_version(void);

/* The message of the last failed call on this thread, or "" if none failed. Valid until the next
 * call into the library on this thread. */
const char* atsync_last_error_message(void);

/* Creates a client from a config document (the same JSON as the CLI's --config file; its
 * "autotask" object is required here). On success *out receives the client. */
atsync_status atsync_client_create(const char* config_json, size_t config_len, atsync_client** out);

/* Sets (or, with fn == NULL, removes) the logger. Lines below min_level are not built. */
atsync_status atsync_client_set_logger(atsync_client* client, atsync_log_fn fn, void* user_data,
                                       atsync_log_level min_level);

/* Runs the billing sync and returns the JSON report (schema autotask_sync.sync_report.v1) in
 * *report_json, NUL-terminated, with its length in *report_len (may be NULL). Release it with
 * atsync_string_free.
 * input_json: {"mappings": [...], "usage": [...]} to sync those, or NULL to use the mappings and
 * usage of the config the client was created with. dry_run != 0 writes nothing.
 * A run in which some mappings failed still returns ATSYNC_OK: read "totals.failed". */
atsync_status atsync_sync_run(atsync_client* client, const char* input_json, size_t input_len,
                              int dry_run, char** report_json, size_t* report_len);

/* Runs the readiness check: is the Autotask tenant prepared for the integration, and would the
 * sync bill every mapping? It only reads from Autotask (a bounded number of requests whatever the
 * number of mappings) and never writes. It returns the JSON report (schema
 * autotask_sync.readiness_report.v1) in *report_json, NUL-terminated, with its length in
 * *report_len (may be NULL). Release it with atsync_string_free.
 * input_json: {"mappings": [...], "usage": [...], "portal": {"orgs": [...]}} (the config
 * document's keys, each optional: a missing list is empty, and without portal.orgs the mappings of
 * orgs the portal no longer has are not looked for) to check those, or NULL to use the mappings,
 * usage and portal.orgs of the config the client was created with. The billing options (time
 * zone, effective-date policy, active contract status, allowed company types) are always the
 * config's.
 * A report with findings, blocking ones included, is still ATSYNC_OK: the caller reads "ready"
 * (false when any finding blocks the sync), "totals.blocking" and "findings[]" (each with code,
 * severity, message and remediation). Refused credentials and missing permissions are findings
 * ("credentials.*", "permissions.missing"), not errors.
 * Errors: ATSYNC_E_INVALID_ARGUMENT when client or report_json is NULL, or input_json is not valid
 * JSON, holds a key other than mappings, usage and portal.orgs, or has a bad entry (the message
 * names it); ATSYNC_E_TRANSPORT, ATSYNC_E_TIMEOUT, ATSYNC_E_OUTAGE and the other codes when
 * Autotask cannot be reached. On every error *report_json is NULL (when report_json is not).
 * Neither the report nor an error message ever holds the secret. */
atsync_status atsync_check_run(atsync_client* client, const char* input_json, size_t input_len,
                               char** report_json, size_t* report_len);

/* The number of Autotask requests this client has sent. */
unsigned long long atsync_client_request_count(const atsync_client* client);

void atsync_string_free(char* s);

/* Destroys the client; NULL is allowed. */
void atsync_client_destroy(atsync_client* client);

#ifdef __cplusplus
}
#endif

#endif /* AUTOTASK_SYNC_H */
