/* Drives the C API end to end: starts the autotask-sim program on an ephemeral loopback port with
 * a tenant this program writes, then syncs two mappings over TLS through the C functions only;
 * then runs the readiness check against autotask-sim seeded with the prepared and the unprepared
 * tenant fixtures (fixtures/generate_readiness_tenants.py) and their configs (examples/check/).
 *
 * usage: capi_test PATH-TO-autotask-sim SOURCE-DIR */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier): POSIX names it */
#include "autotask_sync.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
static int passes = 0;

#define EXPECT(cond)                                                                 \
  do {                                                                               \
    if (cond) {                                                                      \
      ++passes;                                                                      \
    } else {                                                                         \
      ++failures;                                                                    \
      fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                                \
  } while (0)

static const char* kSecret = "CANARY-C-SECRET-91c2";

/* Everything the library logged, to look for the secret afterwards. */
static char log_buffer[1 << 16];
static size_t log_used = 0;
static int log_lines = 0;

static void collect_log(void* user_data, atsync_log_level level, const char* line, size_t len) {
  (void)level;
  (void)user_data;
  if (log_used + len + 1 < sizeof log_buffer) {
    memcpy(log_buffer + log_used, line, len);
    log_used += len;
    log_buffer[log_used++] = '\n';
  }
  ++log_lines;
}

static int write_text(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* A tenant with two Recurring Service contracts whose units rows cover last, this and next
 * month (UTC). Line 5001 holds 40 units at 3.0000, line 5002 holds 12 units at 2.5000. */
static void write_tenant(const char* path) {
  time_t now = time(NULL);
  struct tm utc;
  gmtime_r(&now, &utc);
  int year = utc.tm_year + 1900, month = utc.tm_mon + 1;
  int py = month == 1 ? year - 1 : year, pm = month == 1 ? 12 : month - 1;
  int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int ym[3][2] = {{py, pm}, {year, month}, {ny, nm}};
  char rows[4096] = "";
  int id = 1;
  for (int line = 0; line < 2; ++line) {
    for (int k = 0; k < 3; ++k) {
      int y = ym[k][0], m = ym[k][1];
      int last = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
      char row[400];
      snprintf(row, sizeof row,
               "%s{\"id\":%d,\"contractID\":%d,\"contractServiceID\":%d,\"serviceID\":77,"
               "\"startDate\":\"%04d-%02d-01T00:00:00\",\"endDate\":\"%04d-%02d-%02dT00:00:00\","
               "\"units\":%d,\"cost\":%s,\"price\":5.0,\"approveAndPostDate\":null}",
               id == 1 ? "" : ",", id, 300 + line, 5001 + line, y, m, y, m, last,
               line == 0 ? 40 : 12, line == 0 ? "3.0" : "2.5");
      strcat(rows, row);
      ++id;
    }
  }
  char doc[8192];
  snprintf(doc, sizeof doc,
           "{\"zone\":{\"zoneName\":\"C test zone\",\"webUrl\":\"https://ww5.autotask.net/\","
           "\"ci\":77},"
           "\"api_users\":[{\"username\":\"c-api@example.com\",\"secret\":\"%s\","
           "\"integration_code\":\"C-INTEGRATION\"}],"
           "\"entities\":{"
           "\"Companies\":[{\"id\":101,\"companyName\":\"Acme Inc\",\"companyType\":1,"
           "\"isActive\":true},{\"id\":102,\"companyName\":\"Zoë Müller GmbH\",\"companyType\":1,"
           "\"isActive\":true}],"
           "\"Contracts\":[{\"id\":300,\"companyID\":101,\"contractName\":\"Acme Recurring\","
           "\"contractType\":7,\"status\":1,\"startDate\":\"2000-01-01T00:00:00\","
           "\"endDate\":\"2099-12-31T00:00:00\"},{\"id\":301,\"companyID\":102,"
           "\"contractName\":\"Müller Recurring\",\"contractType\":7,\"status\":1,"
           "\"startDate\":\"2000-01-01T00:00:00\",\"endDate\":\"2099-12-31T00:00:00\"}],"
           "\"Services\":[{\"id\":77,\"name\":\"Directory - per user\",\"isActive\":true,"
           "\"unitPrice\":5.0,\"unitCost\":3.0,\"periodType\":3,\"billingCodeID\":1}],"
           "\"ContractServices\":[{\"id\":5001,\"contractID\":300,\"serviceID\":77,"
           "\"unitCost\":3.0,\"unitPrice\":5.0},{\"id\":5002,\"contractID\":301,"
           "\"serviceID\":77,\"unitCost\":2.5,\"unitPrice\":5.0}],"
           "\"ContractServiceUnits\":[%s]}}",
           kSecret, rows);
  if (write_text(path, doc) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

static int read_port(const char* path) {
  for (int i = 0; i < 200; ++i) { /* up to 20 s */
    FILE* f = fopen(path, "r");
    if (f) {
      int port = 0;
      int n = fscanf(f, "%d", &port);
      fclose(f);
      if (n == 1 && port > 0) return port;
    }
    struct timespec ts = {0, 100L * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return -1;
}

/* autotask-sim serving `tenant`, its port and the certificate to trust. */
typedef struct sim_process {
  pid_t pid;
  int port;
  char port_file[256];
  char ca_file[256];
} sim_process;

static void stop_sim(sim_process* sim) {
  if (sim->pid > 0) {
    kill(sim->pid, SIGTERM);
    int status = 0;
    waitpid(sim->pid, &status, 0);
    sim->pid = 0;
  }
  remove(sim->port_file);
  remove(sim->ca_file);
}

static int read_port(const char* path);

static int start_sim(const char* exe, const char* tenant, const char* dir, const char* tag,
                     sim_process* sim) {
  snprintf(sim->port_file, sizeof sim->port_file, "%s/%s.port", dir, tag);
  snprintf(sim->ca_file, sizeof sim->ca_file, "%s/%s.pem", dir, tag);
  sim->port = -1;
  sim->pid = fork();
  if (sim->pid < 0) return -1;
  if (sim->pid == 0) {
    execl(exe, exe, "--tenant", tenant, "--address", "127.0.0.1", "--port", "0", "--port-file",
          sim->port_file, "--write-cert", sim->ca_file, (char*)NULL);
    _exit(127);
  }
  sim->port = read_port(sim->port_file);
  if (sim->port < 0) {
    fprintf(stderr, "autotask-sim did not start with %s\n", tenant);
    stop_sim(sim);
    return -1;
  }
  return 0;
}

static long count_of(const char* json, const char* key) {
  const char* p = strstr(json, key);
  if (!p) return -1;
  p += strlen(key);
  return strtol(p, NULL, 10);
}

/* How many times `needle` occurs in `haystack`. */
static int occurrences(const char* haystack, const char* needle) {
  int n = 0;
  for (const char* p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) ++n;
  return n;
}

/* The whole file in a malloc'd NUL-terminated buffer, or NULL. */
static char* read_text(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, used = 0;
  char* text = malloc(cap);
  for (size_t n; text && (n = fread(text + used, 1, cap - used - 1, f)) > 0;) {
    used += n;
    if (cap - used < 2) {
      char* bigger = realloc(text, cap * 2);
      if (!bigger) {
        free(text);
        text = NULL;
        break;
      }
      text = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (text) text[used] = '\0';
  return text;
}

/* The API user of both readiness fixtures (USER in fixtures/generate_readiness_tenants.py). */
static const char* kCheckUser = "readiness-api@check-msp.example";
static const char* kCheckSecret = "check-secret-Vn4q8RtZ2w";
static const char* kCheckCode = "CHECKINTEGRATIONCODE2026Q9";

/* A client for `sim` whose config is the example check config `example` with an "autotask"
 * object added in front, so its mappings, usage, portal.orgs and billing are the example's. */
static atsync_client* check_client(const char* source_dir, const char* example,
                                   const sim_process* sim, const char* secret) {
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/check/%s", source_dir, example);
  char* body = read_text(path);
  if (!body || !strchr(body, '{')) {
    fprintf(stderr, "cannot read %s\n", path);
    free(body);
    return NULL;
  }
  char head[1024];
  snprintf(head, sizeof head,
           "{\"autotask\":{\"username\":\"%s\",\"secret\":\"%s\",\"integration_code\":\"%s\","
           "\"zone_lookup_url\":\"https://127.0.0.1:%d/ATServicesRest/V1.0/zoneInformation\","
           "\"ca_file\":\"%s\"},",
           kCheckUser, secret, kCheckCode, sim->port, sim->ca_file);
  const char* rest = strchr(body, '{') + 1;
  size_t len = strlen(head) + strlen(rest);
  char* config = malloc(len + 1);
  atsync_client* client = NULL;
  if (config) {
    strcpy(config, head);
    strcat(config, rest);
    if (atsync_client_create(config, len, &client) != ATSYNC_OK) {
      fprintf(stderr, "create for %s failed: %s\n", example, atsync_last_error_message());
    }
  }
  free(config);
  free(body);
  return client;
}

/* Every finding code the unprepared fixture produces once, with the config's mappings. */
static const char* const kUnpreparedCodes[] = {"costs.unreadable",
                                               "company.not_found",
                                               "company.inactive",
                                               "company.type_not_allowed",
                                               "drift.company_renamed",
                                               "contract.not_found",
                                               "contract.other_company",
                                               "contract.not_recurring_service",
                                               "contract.inactive",
                                               "contract.ended",
                                               "contract.not_started",
                                               "contract.period_not_monthly",
                                               "service.not_found",
                                               "service.is_bundle",
                                               "service.inactive",
                                               "line.service_not_on_contract",
                                               "line.service_twice",
                                               "line.not_on_contract",
                                               "line.other_service",
                                               "units.no_row",
                                               "line.shared",
                                               "portal.unmapped_usage",
                                               "portal.org_gone"};

static int has_code(const char* report, const char* code, int times) {
  char needle[128];
  snprintf(needle, sizeof needle, "\"code\":\"%s\"", code);
  const int n = occurrences(report, needle);
  if (n != times) fprintf(stderr, "  %s: %d times, expected %d\n", code, n, times);
  return n == times;
}

static void readiness_checks(const char* sim_exe, const char* source_dir, const char* dir) {
  char tenant[1024];
  sim_process prepared_sim, unprepared_sim;
  snprintf(tenant, sizeof tenant, "%s/fixtures/prepared_tenant.json", source_dir);
  EXPECT(start_sim(sim_exe, tenant, dir, "prepared", &prepared_sim) == 0);
  snprintf(tenant, sizeof tenant, "%s/fixtures/unprepared_tenant.json", source_dir);
  EXPECT(start_sim(sim_exe, tenant, dir, "unprepared", &unprepared_sim) == 0);
  if (prepared_sim.port < 0 || unprepared_sim.port < 0) {
    stop_sim(&prepared_sim);
    stop_sim(&unprepared_sim);
    return;
  }

  /* The prepared tenant: ready, no findings. */
  atsync_client* client = check_client(source_dir, "prepared.json", &prepared_sim, kCheckSecret);
  EXPECT(client != NULL);
  char* report = NULL;
  size_t len = 0;
  if (client) {
    EXPECT(atsync_check_run(client, NULL, 0, &report, &len) == ATSYNC_OK);
    EXPECT(report != NULL && len == strlen(report));
    if (report) {
      EXPECT(strstr(report, "\"schema\":\"autotask_sync.readiness_report.v1\"") != NULL);
      EXPECT(strstr(report, "\"ready\":true") != NULL);
      EXPECT(strstr(report, "\"findings\":[]") != NULL);
      EXPECT(count_of(report, "\"blocking\":") == 0);
      EXPECT(count_of(report, "\"warning\":") == 0);
      EXPECT(count_of(report, "\"mappings_ready\":") == 6);
      EXPECT(strstr(report, kCheckSecret) == NULL);
    }
    atsync_string_free(report);
    EXPECT(strcmp(atsync_last_error_message(), "") == 0);
    atsync_client_destroy(client);
  }

  /* The unprepared tenant: not ready, every fault found once; still ATSYNC_OK. */
  client = check_client(source_dir, "unprepared.json", &unprepared_sim, kCheckSecret);
  EXPECT(client != NULL);
  if (client) {
    report = NULL;
    EXPECT(atsync_check_run(client, NULL, 0, &report, NULL) == ATSYNC_OK);
    EXPECT(report != NULL);
    if (report) {
      /* The check reckons with the real clock: the fixtures' faults hold for effective dates
       * from 2026-07 (the rowless line has rows until 2026-06) to 2028-12 (the last rows). */
      const char* date = strstr(report, "\"effective_date\":\"");
      char effective[11] = "";
      if (date) snprintf(effective, sizeof effective, "%s", date + strlen("\"effective_date\":\""));
      if (strcmp(effective, "2026-07-01") < 0 || strcmp(effective, "2028-12-31") > 0) {
        fprintf(stderr,
                "effective date %s is outside the readiness fixtures' span: regenerate "
                "them with fixtures/generate_readiness_tenants.py\n",
                effective);
        EXPECT(0);
      }
      EXPECT(strstr(report, "\"ready\":false") != NULL);
      EXPECT(count_of(report, "\"blocking\":") == 22);
      EXPECT(count_of(report, "\"warning\":") == 3);
      EXPECT(occurrences(report, "\"severity\":\"blocking\"") == 22);
      EXPECT(occurrences(report, "\"severity\":\"warning\"") == 3);
      EXPECT(count_of(report, "\"mappings_checked\":") == 28);
      EXPECT(count_of(report, "\"mappings_ready\":") == 7);
      EXPECT(has_code(report, "permissions.missing", 2));
      EXPECT(strstr(report, "\"entity\":\"ContractServiceAdjustments\"") != NULL);
      EXPECT(strstr(report, "\"entity\":\"TicketNotes\"") != NULL);
      for (size_t i = 0; i < sizeof kUnpreparedCodes / sizeof kUnpreparedCodes[0]; ++i) {
        EXPECT(has_code(report, kUnpreparedCodes[i], 1));
      }
      EXPECT(strstr(report, kCheckSecret) == NULL);
    }
    atsync_string_free(report);

    /* Input given per call replaces the config's: two faulty mappings, the portal still has
     * both orgs. Tenant-level findings stay: permissions (2), costs. */
    const char* two =
        "{\"mappings\":[{\"org_id\":\"org-contract-ended\",\"company_id\":208,"
        "\"contract_id\":4008,\"service_id\":401},{\"org_id\":\"org-service-bundle\","
        "\"company_id\":212,\"contract_id\":4012,\"service_id\":450}],"
        "\"usage\":[{\"org_id\":\"org-contract-ended\",\"high_water_mark\":3,\"unit_cost\":\"3.5\"}"
        ","
        "{\"org_id\":\"org-service-bundle\",\"high_water_mark\":4,\"unit_cost\":3.5}],"
        "\"portal\":{\"orgs\":[{\"org_id\":\"org-contract-ended\"},"
        "{\"org_id\":\"org-service-bundle\"}]}}";
    report = NULL;
    EXPECT(atsync_check_run(client, two, strlen(two), &report, &len) == ATSYNC_OK);
    if (report) {
      EXPECT(strstr(report, "\"ready\":false") != NULL);
      EXPECT(has_code(report, "contract.ended", 1));
      EXPECT(has_code(report, "service.is_bundle", 1));
      EXPECT(has_code(report, "permissions.missing", 2));
      EXPECT(has_code(report, "costs.unreadable", 1));
      EXPECT(has_code(report, "portal.org_gone", 0));
      EXPECT(has_code(report, "portal.unmapped_usage", 0));
      EXPECT(count_of(report, "\"blocking\":") == 4);
      EXPECT(count_of(report, "\"warning\":") == 1);
      EXPECT(count_of(report, "\"mappings_checked\":") == 2);
    }
    atsync_string_free(report);

    /* portal.orgs given as empty: every mapped org is gone from the portal. Left out: not
     * looked for. */
    const char* gone =
        "{\"mappings\":[{\"org_id\":\"org-ok-1\",\"company_id\":101,"
        "\"contract_id\":3001,\"service_id\":401}],\"usage\":[{\"org_id\":"
        "\"org-ok-1\",\"high_water_mark\":11,\"unit_cost\":\"3.5\"}],"
        "\"portal\":{\"orgs\":[]}}";
    report = NULL;
    EXPECT(atsync_check_run(client, gone, strlen(gone), &report, &len) == ATSYNC_OK);
    if (report) EXPECT(has_code(report, "portal.org_gone", 1));
    atsync_string_free(report);
    const char* kept =
        "{\"mappings\":[{\"org_id\":\"org-ok-1\",\"company_id\":101,"
        "\"contract_id\":3001,\"service_id\":401}],\"usage\":[{\"org_id\":"
        "\"org-ok-1\",\"high_water_mark\":11,\"unit_cost\":\"3.5\"}]}";
    report = NULL;
    EXPECT(atsync_check_run(client, kept, strlen(kept), &report, &len) == ATSYNC_OK);
    if (report) {
      EXPECT(has_code(report, "portal.org_gone", 0));
      EXPECT(count_of(report, "\"mappings_ready\":") == 1);
    }
    atsync_string_free(report);

    /* Bad input: refused with a message naming what is wrong, no report. */
    static const struct {
      const char* input;
      const char* named;
    } bad[] = {
        {"{\"mappings\": [", "input_json"},
        {"[1, 2]", "object"},
        {"{\"mapings\": []}", "mapings"},
        {"{\"autotask\": {\"username\": \"u\"}}", "autotask"},
        {"{\"billing\": {\"time_zone\": \"UTC\"}}", "billing"},
        {"{\"portal\": {\"product_name\": \"x\", \"orgs\": []}}", "orgs"},
        {"{\"portal\": {\"orgs\": [{\"org_name\": \"no id\"}]}}", "org_id"},
        {"{\"mappings\": [{\"org_id\": \"o\", \"company_id\": \"one\"}]}", "company_id"},
        {"{\"usage\": [{\"org_id\": \"x\", \"high_water_mark\": -3, \"unit_cost\": 1}]}",
         "high_water_mark"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
      report = (char*)"not touched";
      len = 99;
      const atsync_status st =
          atsync_check_run(client, bad[i].input, strlen(bad[i].input), &report, &len);
      EXPECT(st == ATSYNC_E_INVALID_ARGUMENT);
      EXPECT(report == NULL);
      EXPECT(len == 0);
      if (strstr(atsync_last_error_message(), bad[i].named) == NULL) {
        fprintf(stderr, "  input %zu: message '%s' does not name '%s'\n", i,
                atsync_last_error_message(), bad[i].named);
        EXPECT(0);
      }
      EXPECT(strstr(atsync_last_error_message(), kCheckSecret) == NULL);
    }

    /* NULL arguments: ATSYNC_E_INVALID_ARGUMENT, no crash. */
    EXPECT(atsync_check_run(NULL, NULL, 0, &report, &len) == ATSYNC_E_INVALID_ARGUMENT);
    EXPECT(strstr(atsync_last_error_message(), "client") != NULL);
    EXPECT(atsync_check_run(client, NULL, 0, NULL, &len) == ATSYNC_E_INVALID_ARGUMENT);
    EXPECT(strstr(atsync_last_error_message(), "report_json") != NULL);
    EXPECT(atsync_check_run(NULL, NULL, 0, NULL, NULL) == ATSYNC_E_INVALID_ARGUMENT);
    atsync_client_destroy(client);
  }

  /* A wrong secret is a finding, not an error; it reaches neither the report nor the log. */
  client = check_client(source_dir, "unprepared.json", &unprepared_sim, kSecret);
  EXPECT(client != NULL);
  if (client) {
    log_used = 0;
    EXPECT(atsync_client_set_logger(client, collect_log, NULL, ATSYNC_LOG_DEBUG) == ATSYNC_OK);
    report = NULL;
    EXPECT(atsync_check_run(client, NULL, 0, &report, &len) == ATSYNC_OK);
    if (report) {
      EXPECT(strstr(report, "\"ready\":false") != NULL);
      EXPECT(has_code(report, "credentials.secret_rejected", 1));
      EXPECT(strstr(report, kSecret) == NULL);
      EXPECT(strstr(report, kCheckSecret) == NULL);
    }
    atsync_string_free(report);
    log_buffer[log_used < sizeof log_buffer ? log_used : sizeof log_buffer - 1] = '\0';
    EXPECT(strstr(log_buffer, kSecret) == NULL);
    atsync_client_destroy(client);
  }

  /* Autotask out of reach: an error of its own, with no report and no secret. */
  sim_process gone_sim = unprepared_sim; /* its port, now closed; a CA file that still exists */
  stop_sim(&unprepared_sim);
  strcpy(gone_sim.ca_file, prepared_sim.ca_file);
  client = check_client(source_dir, "unprepared.json", &gone_sim, kCheckSecret);
  EXPECT(client != NULL);
  if (client) {
    report = NULL;
    const atsync_status st = atsync_check_run(client, NULL, 0, &report, &len);
    EXPECT(st == ATSYNC_E_TRANSPORT);
    EXPECT(report == NULL);
    EXPECT(strlen(atsync_last_error_message()) > 0);
    EXPECT(strstr(atsync_last_error_message(), kCheckSecret) == NULL);
    atsync_client_destroy(client);
  }
  stop_sim(&prepared_sim);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: capi_test PATH-TO-autotask-sim SOURCE-DIR\n");
    return 2;
  }
  char dir[] = "/tmp/atsync-capi-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  char tenant[256], port_file[256], ca_file[256];
  snprintf(tenant, sizeof tenant, "%s/tenant.json", dir);
  snprintf(port_file, sizeof port_file, "%s/port", dir);
  snprintf(ca_file, sizeof ca_file, "%s/ca.pem", dir);
  write_tenant(tenant);

  pid_t sim = fork();
  if (sim == 0) {
    execl(argv[1], argv[1], "--tenant", tenant, "--address", "127.0.0.1", "--port", "0",
          "--port-file", port_file, "--write-cert", ca_file, (char*)NULL);
    _exit(127);
  }
  int port = read_port(port_file);
  if (port < 0) {
    fprintf(stderr, "autotask-sim did not start\n");
    kill(sim, SIGTERM);
    return 1;
  }

  EXPECT(strcmp(atsync_version(), "0.1.0") == 0);

  /* Bad input: a clear error, no client. */
  atsync_client* client = NULL;
  const char* bad = "{\"autotask\":{\"username\":\"u\"},\"mapings\":[]}";
  EXPECT(atsync_client_create(bad, strlen(bad), &client) == ATSYNC_E_INVALID_ARGUMENT);
  EXPECT(client == NULL);
  EXPECT(strstr(atsync_last_error_message(), "mapings") != NULL);

  char config[2048];
  snprintf(config, sizeof config,
           "{\"autotask\":{\"username\":\"c-api@example.com\",\"secret\":\"%s\","
           "\"integration_code\":\"C-INTEGRATION\","
           "\"zone_lookup_url\":\"https://127.0.0.1:%d/ATServicesRest/V1.0/zoneInformation\","
           "\"ca_file\":\"%s\"},"
           "\"billing\":{\"time_zone\":\"UTC\",\"effective_date\":\"period\"},"
           "\"mappings\":[{\"org_id\":\"org-a\",\"org_name\":\"Acme\",\"company_id\":101,"
           "\"contract_id\":300,\"service_id\":77},{\"org_id\":\"org-b\",\"org_name\":\"Müller\","
           "\"company_id\":102,\"contract_id\":301,\"service_id\":77}],"
           "\"usage\":[{\"org_id\":\"org-a\",\"high_water_mark\":45,\"unit_cost\":\"3.5000\"},"
           "{\"org_id\":\"org-b\",\"high_water_mark\":12,\"unit_cost\":\"2.5\"}]}",
           kSecret, port, ca_file);
  EXPECT(atsync_client_create(config, strlen(config), &client) == ATSYNC_OK);
  if (!client) {
    fprintf(stderr, "create failed: %s\n", atsync_last_error_message());
    kill(sim, SIGTERM);
    return 1;
  }
  EXPECT(atsync_client_set_logger(client, collect_log, NULL, ATSYNC_LOG_DEBUG) == ATSYNC_OK);

  /* A dry run plans one update and writes nothing. */
  char* report = NULL;
  size_t len = 0;
  EXPECT(atsync_sync_run(client, NULL, 0, 1, &report, &len) == ATSYNC_OK);
  EXPECT(report != NULL && len == strlen(report));
  if (report) {
    EXPECT(count_of(report, "\"would_update\":") == 1);
    EXPECT(count_of(report, "\"unchanged\":") == 1);
    EXPECT(strstr(report, "\"dry_run\":true") != NULL);
  }
  atsync_string_free(report);

  /* The real run: org-a 40 -> 45 at 3.5000, org-b unchanged. */
  report = NULL;
  EXPECT(atsync_sync_run(client, NULL, 0, 0, &report, &len) == ATSYNC_OK);
  if (report) {
    EXPECT(count_of(report, "\"updated\":") == 1);
    EXPECT(count_of(report, "\"unchanged\":") == 1);
    EXPECT(count_of(report, "\"failed\":") == 0);
    EXPECT(strstr(report, "\"after\":45") != NULL);
    EXPECT(strstr(report, "\"after\":\"3.5000\"") != NULL);
    EXPECT(strstr(report, "Müller") != NULL);
    EXPECT(strstr(report, kSecret) == NULL);
  }
  atsync_string_free(report);

  /* A rerun writes nothing: both unchanged. */
  report = NULL;
  EXPECT(atsync_sync_run(client, NULL, 0, 0, &report, &len) == ATSYNC_OK);
  if (report) {
    EXPECT(count_of(report, "\"updated\":") == 0);
    EXPECT(count_of(report, "\"unchanged\":") == 2);
  }
  atsync_string_free(report);

  /* Input given per call, with a bad entry: refused, naming it. */
  const char* input =
      "{\"mappings\":[],\"usage\":[{\"org_id\":\"x\",\"high_water_mark\":-3,"
      "\"unit_cost\":1}]}";
  report = NULL;
  EXPECT(atsync_sync_run(client, input, strlen(input), 0, &report, &len) ==
         ATSYNC_E_INVALID_ARGUMENT);
  EXPECT(report == NULL);
  EXPECT(strstr(atsync_last_error_message(), "high_water_mark") != NULL);

  EXPECT(atsync_client_request_count(client) > 0);
  EXPECT(log_lines > 0);
  log_buffer[log_used < sizeof log_buffer ? log_used : sizeof log_buffer - 1] = '\0';
  EXPECT(strstr(log_buffer, kSecret) == NULL);
  EXPECT(strstr(log_buffer, "c-api@example.com") == NULL);

  atsync_client_destroy(client);
  atsync_client_destroy(NULL);

  /* A wrong secret is an authentication error. */
  char wrong[2048];
  snprintf(wrong, sizeof wrong,
           "{\"autotask\":{\"username\":\"c-api@example.com\",\"secret\":\"not-the-secret\","
           "\"integration_code\":\"C-INTEGRATION\","
           "\"zone_lookup_url\":\"https://127.0.0.1:%d/ATServicesRest/V1.0/zoneInformation\","
           "\"ca_file\":\"%s\"}}",
           port, ca_file);
  client = NULL;
  EXPECT(atsync_client_create(wrong, strlen(wrong), &client) == ATSYNC_OK);
  const char* one =
      "{\"mappings\":[{\"org_id\":\"org-a\",\"company_id\":101,\"contract_id\":300,"
      "\"service_id\":77}],\"usage\":[{\"org_id\":\"org-a\",\"high_water_mark\":1,"
      "\"unit_cost\":1}]}";
  report = NULL;
  EXPECT(atsync_sync_run(client, one, strlen(one), 0, &report, &len) == ATSYNC_E_AUTHENTICATION);
  EXPECT(strstr(atsync_last_error_message(), "not-the-secret") == NULL);
  atsync_client_destroy(client);

  kill(sim, SIGTERM);
  int status = 0;
  waitpid(sim, &status, 0);

  readiness_checks(argv[1], argv[2], dir);

  remove(tenant);
  remove(port_file);
  remove(ca_file);
  rmdir(dir);

  printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
