/* The C driver of the conformance table (tests/conformance/scenarios.json):
 * each scenario runs against a fresh fake-concur and a fresh folder (the C
 * API tests' harness, crates/concur-auth-ffi/tests/c) and yields one outcome
 * line; "not ok" when it differs from the table. The lines go to
 * $CONCUR_CONFORMANCE_OUT/c.txt for the cross-language comparison
 * (scripts/test-conformance.sh). Usage: driver TABLE. The step vocabulary is
 * in tests/conformance/SCENARIOS.md. scripts/test-c.sh runs it under valgrind
 * and ASan. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_CALLERS 128
/* How long access_token_until_renewed asks, and how often. */
#define RENEWAL_WAIT_MS 30000
#define RENEWAL_POLL_MS 20

/* What one scenario has seen so far (strings are arena copies). */
typedef struct run {
    test_ctx *t;
    char *tokens[MAX_CALLERS];
    size_t n_tokens;
    bool has_status;
    bool status_initialized;
    bool status_expiries;
    concur_token_state status_state;
    char *status_geolocation; /* NULL when the status named none */
    char *status_strings;     /* every string the status handed out, for the secret scan */
    char *response_body;
    char *error_message;
    char *correlation_id;
    int64_t concur_code;
    bool has_error;
    char *snapshot;
    size_t snapshot_len;
    const char *written;
} run;

static const cJSON *current_scenario;
static char current_line[4096];

static void append(const char *outcome)
{
    size_t used = strlen(current_line);
    snprintf(current_line + used, sizeof current_line - used, " %s", outcome);
}

static cJSON *parse(const char *text)
{
    return text != NULL ? cJSON_Parse(text) : NULL;
}

/* Records the calling thread's last error. */
static const char *failed_with(run *r, concur_status status)
{
    r->has_error = true;
    r->error_message = last_message(r->t);
    r->correlation_id = take(r->t, concur_last_error_correlation_id());
    r->concur_code = concur_last_error_concur_code();
    return concur_status_name((int)status);
}

static bool prepare(run *r, const cJSON *step)
{
    test_ctx *t = r->t;
    const cJSON *fixture = cJSON_GetObjectItemCaseSensitive(step, "fixture");
    const cJSON *admin_method = cJSON_GetObjectItemCaseSensitive(step, "admin");
    const cJSON *write = cJSON_GetObjectItemCaseSensitive(step, "write");
    const cJSON *snapshot = cJSON_GetObjectItemCaseSensitive(step, "snapshot");
    if (cJSON_IsString(fixture)) {
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(step, "spec");
        char *spec_text = spec != NULL ? cJSON_PrintUnformatted(spec) : NULL;
        char *path = arena_printf(t, "/_admin/fixtures/%s", fixture->valuestring);
        char *body = NULL;
        int http = admin(t, "POST", path, spec_text, &body);
        free(spec_text);
        bool creds = strcmp(fixture->valuestring, "credentials") == 0;
        if (http != 200 || !write_file(creds ? t->creds_path : t->token_path, body)) {
            check_failed(t, __FILE__, __LINE__, "the fixture is written");
        }
    } else if (cJSON_IsString(admin_method)) {
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(step, "body");
        char *body_text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;
        const char *path = cJSON_GetObjectItemCaseSensitive(step, "path")->valuestring;
        int http = admin(t, admin_method->valuestring, path, body_text, NULL);
        free(body_text);
        if (http < 200 || http > 299) {
            check_failed(t, __FILE__, __LINE__, "the admin call succeeds");
        }
    } else if (cJSON_IsString(write)) {
        r->written = cJSON_GetObjectItemCaseSensitive(step, "text")->valuestring;
        write_file(t->token_path, r->written);
    } else if (cJSON_IsString(snapshot)) {
        r->snapshot = read_file(t, t->token_path, &r->snapshot_len);
    } else {
        return false;
    }
    return true;
}

typedef struct caller {
    const concur_manager *manager;
    pthread_barrier_t *barrier;
    concur_status status;
    char *token;
} caller;

static void *call_access_token(void *arg)
{
    caller *c = arg;
    pthread_barrier_wait(c->barrier);
    c->status = concur_manager_access_token(c->manager, &c->token);
    return NULL;
}

/* `n` threads ask one handle at once; the first failure (or "ok") is the outcome. */
static const char *access_token(run *r, size_t n)
{
    if (n == 1) {
        char *token = NULL;
        concur_status status = concur_manager_access_token(r->t->manager, &token);
        r->n_tokens = 0;
        if (status != CONCUR_STATUS_OK) {
            return failed_with(r, status);
        }
        r->tokens[r->n_tokens++] = take(r->t, token);
        return "ok";
    }
    caller callers[MAX_CALLERS];
    pthread_t threads[MAX_CALLERS];
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        callers[i] = (caller){.manager = r->t->manager, .barrier = &barrier};
        pthread_create(&threads[i], NULL, call_access_token, &callers[i]);
    }
    const char *outcome = "ok";
    r->n_tokens = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        if (callers[i].status == CONCUR_STATUS_OK) {
            r->tokens[r->n_tokens++] = take(r->t, callers[i].token);
        } else if (strcmp(outcome, "ok") == 0) {
            outcome = concur_status_name((int)callers[i].status);
        }
    }
    pthread_barrier_destroy(&barrier);
    return outcome;
}

/* The access token in the last snapshot of the token file, or NULL. */
static char *snapshot_access_token(run *r)
{
    cJSON *stored = parse(r->snapshot);
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(stored, "access_token");
    char *copy = cJSON_IsString(token) ? arena_dup(r->t, token->valuestring) : NULL;
    cJSON_Delete(stored);
    return copy;
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Asks until the token differs from the snapshot's; each new value kept once. */
static const char *access_token_until_renewed(run *r)
{
    const char *old = snapshot_access_token(r);
    int64_t deadline = monotonic_ms() + RENEWAL_WAIT_MS;
    r->n_tokens = 0;
    for (;;) {
        char *token = NULL;
        concur_status status = concur_manager_access_token(r->t->manager, &token);
        if (status != CONCUR_STATUS_OK) {
            return failed_with(r, status);
        }
        char *kept = take(r->t, token);
        if (r->n_tokens == 0 || !streq(r->tokens[r->n_tokens - 1], kept)) {
            if (r->n_tokens == MAX_CALLERS) {
                return "too_many_tokens";
            }
            r->tokens[r->n_tokens++] = kept;
        }
        if (!streq(kept, old)) {
            return "ok";
        }
        if (monotonic_ms() >= deadline) {
            return "unchanged";
        }
        usleep(RENEWAL_POLL_MS * 1000);
    }
}

static const char *state_name(concur_token_state state)
{
    switch (state) {
    case CONCUR_TOKEN_STATE_FRESH:
        return "fresh";
    case CONCUR_TOKEN_STATE_STALE:
        return "stale";
    case CONCUR_TOKEN_STATE_EXPIRED:
        return "expired";
    default:
        return "none";
    }
}

static void act(run *r, const cJSON *step)
{
    test_ctx *t = r->t;
    const char *action = cJSON_GetObjectItemCaseSensitive(step, "do")->valuestring;
    if (t->manager == NULL && !make_manager(t)) {
        return;
    }
    const char *value = "ok";
    concur_status status = CONCUR_STATUS_OK;
    concur_token_status *token_status = NULL;
    if (strcmp(action, "exchange") == 0 || strcmp(action, "status") == 0) {
        uint32_t flags = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "force")) ? CONCUR_EXCHANGE_FORCE : 0;
        status = action[0] == 'e' ? concur_manager_exchange_with(t->manager, flags, &token_status)
                                  : concur_manager_status(t->manager, &token_status);
        if (status == CONCUR_STATUS_OK) {
            const char *geo = concur_token_status_geolocation(token_status);
            r->has_status = true;
            r->status_initialized = concur_token_status_initialized(token_status);
            r->status_expiries = status_int(token_status, concur_token_status_access_token_expires_at) >= 0 &&
                                 status_int(token_status, concur_token_status_refresh_token_expires_at) >= 0;
            r->status_state = concur_token_status_state(token_status);
            r->status_geolocation = geo == NULL ? NULL : arena_dup(t, geo);
            r->status_strings = take_status_strings(t, token_status);
        }
    } else if (strcmp(action, "access_token") == 0) {
        const cJSON *callers = cJSON_GetObjectItemCaseSensitive(step, "callers");
        size_t n = cJSON_IsNumber(callers) ? (size_t)callers->valuedouble : 1;
        if (n < 1 || n > MAX_CALLERS) {
            check_failed(t, __FILE__, __LINE__, "1 <= callers <= MAX_CALLERS");
            return;
        }
        value = access_token(r, n);
    } else if (strcmp(action, "access_token_until_renewed") == 0) {
        value = access_token_until_renewed(r);
    } else if (strcmp(action, "api_get") == 0) {
        const char *path = cJSON_GetObjectItemCaseSensitive(step, "path")->valuestring;
        uint16_t http = 0;
        char *body = NULL;
        status = concur_manager_request(t->manager, "GET", path, NULL, &http, &body);
        if (status == CONCUR_STATUS_OK) {
            r->response_body = take(t, body);
            value = arena_printf(t, "%u", (unsigned)http);
        }
    } else if (strcmp(action, "revoke") == 0) {
        status = concur_manager_revoke(t->manager);
    } else {
        check_failed(t, __FILE__, __LINE__, "a known action");
        return;
    }
    if (status != CONCUR_STATUS_OK) {
        value = failed_with(r, status);
    }
    append(arena_printf(t, "%s=%s", action, value));
}

/* The bytes of the one refreshTokenObjectFile.json.corrupt-* file, or NULL. */
static char *kept_aside(test_ctx *t)
{
    DIR *d = opendir(t->dir);
    if (d == NULL) {
        return NULL;
    }
    char *found = NULL;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strncmp(entry->d_name, "refreshTokenObjectFile.json.corrupt-", 36) == 0) {
            count++;
            found = read_file(t, arena_printf(t, "%s/%s", t->dir, entry->d_name), NULL);
        }
    }
    closedir(d);
    return count == 1 ? found : NULL;
}

/* Whether any of the texts contains any secret the fake server knows. */
static bool secrets_shown(run *r)
{
    char *body = NULL;
    if (admin(r->t, "GET", "/_admin/secrets", NULL, &body) != 200) {
        return true;
    }
    cJSON *secrets = parse(body);
    const char *texts[] = {r->status_strings, r->error_message, r->correlation_id};
    bool shown = secrets == NULL;
    const cJSON *secret;
    cJSON_ArrayForEach(secret, secrets)
    {
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            if (texts[i] != NULL && cJSON_IsString(secret) && strstr(texts[i], secret->valuestring) != NULL) {
                shown = true;
            }
        }
    }
    cJSON_Delete(secrets);
    return shown;
}

static bool tokens_known(run *r)
{
    char *body = NULL;
    if (r->n_tokens == 0 || admin(r->t, "GET", "/_admin/secrets", NULL, &body) != 200) {
        return false;
    }
    cJSON *secrets = parse(body);
    size_t known = 0;
    for (size_t i = 0; i < r->n_tokens; i++) {
        const cJSON *secret;
        cJSON_ArrayForEach(secret, secrets)
        {
            if (cJSON_IsString(secret) && streq(secret->valuestring, r->tokens[i])) {
                known++;
                break;
            }
        }
    }
    cJSON_Delete(secrets);
    return known == r->n_tokens;
}

static const char *yes(bool b)
{
    return b ? "yes" : "no";
}

static void check(run *r, const cJSON *step)
{
    test_ctx *t = r->t;
    const char *name = cJSON_GetObjectItemCaseSensitive(step, "check")->valuestring;
    const cJSON *arg_name = cJSON_GetObjectItemCaseSensitive(step, "name");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(step, "text");
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(step, "field");
    struct stat st;
    bool exists = stat(t->token_path, &st) == 0;
    const char *value = NULL;
    if (strcmp(name, "counter") == 0) {
        append(arena_printf(t, "%s=%ld", arg_name->valuestring, counter(t, arg_name->valuestring)));
        return;
    } else if (strcmp(name, "concur_code") == 0) {
        value = r->has_error && r->concur_code != 0 ? arena_printf(t, "%lld", (long long)r->concur_code) : "none";
    } else if (strcmp(name, "correlation_id") == 0) {
        value = yes(r->correlation_id != NULL && r->correlation_id[0] != '\0');
    } else if (strcmp(name, "error_mentions") == 0) {
        value = yes(r->error_message != NULL && strstr(r->error_message, text->valuestring) != NULL);
    } else if (strcmp(name, "token_file") == 0) {
        value = exists ? "present" : "absent";
    } else if (strcmp(name, "token_file_mode") == 0) {
        value = exists ? arena_printf(t, "%o", (unsigned)(st.st_mode & 0777)) : "absent";
    } else if (strcmp(name, "token_file_fields") == 0) {
        cJSON *stored = parse(read_file(t, t->token_path, NULL));
        bool all = stored != NULL;
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(step, "fields"))
        {
            all = all && cJSON_GetObjectItemCaseSensitive(stored, f->valuestring) != NULL;
        }
        cJSON_Delete(stored);
        value = yes(all);
    } else if (strcmp(name, "token_file_unchanged") == 0) {
        size_t len = 0;
        char *now = read_file(t, t->token_path, &len);
        value = yes(r->snapshot != NULL && now != NULL && len == r->snapshot_len &&
                    memcmp(now, r->snapshot, len) == 0);
    } else if (strcmp(name, "kept_aside") == 0) {
        value = yes(r->written != NULL && streq(kept_aside(t), r->written));
    } else if (strcmp(name, "distinct_tokens") == 0) {
        size_t distinct = 0;
        for (size_t i = 0; i < r->n_tokens; i++) {
            bool seen = false;
            for (size_t j = 0; j < i; j++) {
                seen = seen || streq(r->tokens[i], r->tokens[j]);
            }
            distinct += seen ? 0 : 1;
        }
        value = arena_printf(t, "%zu", distinct);
    } else if (strcmp(name, "tokens_from_snapshot") == 0) {
        const char *old = snapshot_access_token(r);
        bool all = r->n_tokens > 0 && old != NULL;
        for (size_t i = 0; i < r->n_tokens; i++) {
            all = all && streq(r->tokens[i], old);
        }
        value = yes(all);
    } else if (strcmp(name, "response_has_list") == 0) {
        cJSON *reply = parse(r->response_body);
        value = yes(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(reply, field->valuestring)));
        cJSON_Delete(reply);
    } else if (strncmp(name, "status_", 7) == 0) {
        /* Read from the status accessors when the action ran (data, not JSON). */
        const char *geo = r->status_geolocation;
        if (strcmp(name, "status_state") == 0) {
            value = r->has_status ? state_name(r->status_state) : "none";
        } else if (strcmp(name, "status_initialized") == 0) {
            value = yes(r->has_status && r->status_initialized);
        } else if (strcmp(name, "status_expiries") == 0) {
            value = yes(r->has_status && r->status_expiries);
        } else if (strcmp(name, "status_geolocation") == 0) {
            value = geo == NULL ? "none" : streq(geo, t->fake.url) ? "server" : arena_dup(t, geo);
        }
    } else if (strcmp(name, "revoked") == 0) {
        char *body = NULL;
        value = yes(admin(t, "GET", "/_admin/revoked", NULL, &body) == 200 && body != NULL &&
                    strstr(body, "true") != NULL);
    } else if (strcmp(name, "token_is_known_secret") == 0) {
        value = yes(tokens_known(r));
    } else if (strcmp(name, "secrets_shown") == 0) {
        value = yes(secrets_shown(r));
    }
    if (value == NULL) {
        check_failed(t, __FILE__, __LINE__, "a known check");
        return;
    }
    append(arena_printf(t, "%s=%s", name, value));
}

static void run_scenario(test_ctx *t)
{
    const cJSON *scenario = current_scenario;
    snprintf(current_line, sizeof current_line, "%s", cJSON_GetObjectItemCaseSensitive(scenario, "id")->valuestring);
    run r = {.t = t};
    CHECK(fake_start(t, NULL));
    CHECK(make_dir(t, NULL));
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(scenario, "steps"))
    {
        if (prepare(&r, step)) {
            continue;
        }
        if (cJSON_GetObjectItemCaseSensitive(step, "do") != NULL) {
            act(&r, step);
        } else {
            check(&r, step);
        }
        CHECK(!t->failed);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc(1, (size_t)len + 1);
    if (text != NULL && fread(text, 1, (size_t)len, f) != (size_t)len) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char *table_text = argc > 1 ? slurp(argv[1]) : NULL;
    cJSON *table = parse(table_text);
    free(table_text);
    if (table == NULL) {
        fprintf(stderr, "usage: driver tests/conformance/scenarios.json (a readable JSON table)\n");
        return 2;
    }
    const char *out_dir = getenv("CONCUR_CONFORMANCE_OUT");
    char out_path[1024];
    snprintf(out_path, sizeof out_path, "%s/c.txt", out_dir != NULL ? out_dir : "target/conformance");
    FILE *out = fopen(out_path, "w");
    if (out == NULL) {
        fprintf(stderr, "cannot write %s (create the folder first)\n", out_path);
        cJSON_Delete(table);
        return 2;
    }
    int passed = 0, failed = 0;
    const cJSON *scenario;
    cJSON_ArrayForEach(scenario, cJSON_GetObjectItemCaseSensitive(table, "scenarios"))
    {
        current_scenario = scenario;
        const char *id = cJSON_GetObjectItemCaseSensitive(scenario, "id")->valuestring;
        const test_case tc = {id, run_scenario};
        bool ran = run_one(&tc);
        char expected[4096];
        snprintf(expected, sizeof expected, "%s", id);
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(scenario, "expect"))
        {
            size_t used = strlen(expected);
            snprintf(expected + used, sizeof expected - used, " %s", e->valuestring);
        }
        bool ok = ran && strcmp(current_line, expected) == 0;
        fprintf(out, "%s\n", current_line);
        printf("%s\n%s %d - %s\n", current_line, ok ? "ok" : "not ok", passed + failed + 1, id);
        if (!ok) {
            printf("#   expected %s\n", expected);
            failed++;
        } else {
            passed++;
        }
    }
    fclose(out);
    cJSON_Delete(table);
    printf("# %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
