/* Drives the C API end to end: starts the autotask-sim program on an ephemeral loopback port with
 * a tenant this program writes, then syncs two mappings over TLS through the C functions only.
 *
 * usage: capi_test PATH-TO-autotask-sim */
#define _POSIX_C_SOURCE 200809L
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

#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (cond) {                                                             \
      ++passes;                                                             \
    } else {                                                                \
      ++failures;                                                           \
      fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                       \
    }                                                                       \
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
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return -1;
}

static long count_of(const char* json, const char* key) {
  const char* p = strstr(json, key);
  if (!p) return -1;
  p += strlen(key);
  return strtol(p, NULL, 10);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: capi_test PATH-TO-autotask-sim\n");
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
  const char* input = "{\"mappings\":[],\"usage\":[{\"org_id\":\"x\",\"high_water_mark\":-3,"
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
  const char* one = "{\"mappings\":[{\"org_id\":\"org-a\",\"company_id\":101,\"contract_id\":300,"
                    "\"service_id\":77}],\"usage\":[{\"org_id\":\"org-a\",\"high_water_mark\":1,"
                    "\"unit_cost\":1}]}";
  report = NULL;
  EXPECT(atsync_sync_run(client, one, strlen(one), 0, &report, &len) == ATSYNC_E_AUTHENTICATION);
  EXPECT(strstr(atsync_last_error_message(), "not-the-secret") == NULL);
  atsync_client_destroy(client);

  kill(sim, SIGTERM);
  int status = 0;
  waitpid(sim, &status, 0);
  remove(tenant);
  remove(port_file);
  remove(ca_file);
  rmdir(dir);

  printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
