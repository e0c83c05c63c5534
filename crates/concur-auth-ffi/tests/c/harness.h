/*
 * A tiny test harness for the concur-auth C API (test_api.c here, and the C
 * driver of the conformance table, tests/conformance/c): a test table, CHECK macros,
 * the fake-concur server started per test (FAKE_CONCUR_BIN), its /_admin API
 * over a plain socket, a temporary folder with the tutorials' files, and an
 * arena that owns copies of every string the library returned (each library
 * string is freed with concur_string_free() as soon as it is copied).
 */
#ifndef CONCUR_TEST_HARNESS_H
#define CONCUR_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "concur_auth.h"

#define FAKE_CLIENT_ID "fake-client-id"
#define FAKE_COMPANY_UUID "11111111-2222-3333-4444-555555555555"
#define USERS_PATH "/profile/identity/v4/Users/"

typedef struct fake_server {
    pid_t pid;
    int stdin_fd;   /* closing it stops the server (--exit-on-stdin-eof) */
    int port;
    char url[64];
} fake_server;

/* Everything one test owns; the runner releases it after the test, pass or fail. */
typedef struct test_ctx {
    fake_server fake;
    bool has_fake;
    char dir[64];
    char creds_path[128];
    char token_path[128];
    concur_manager *manager;
    char *arena[512];
    size_t arena_len;
    bool failed;
} test_ctx;

typedef void (*test_fn)(test_ctx *t);

typedef struct test_case {
    const char *name;
    test_fn run;
} test_case;

void check_failed(test_ctx *t, const char *file, int line, const char *what);
void status_failed(test_ctx *t, const char *file, int line, const char *call, concur_status got,
                   concur_status want);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            check_failed(t, __FILE__, __LINE__, #cond);                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(call, want)                                                                   \
    do {                                                                                           \
        concur_status got_ = (call);                                                               \
        if (got_ != (want)) {                                                                      \
            status_failed(t, __FILE__, __LINE__, #call, got_, (want));                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, CONCUR_STATUS_OK)

/* Copies a library string into the test's arena and frees the original with
 * concur_string_free(); NULL stays NULL. */
char *take(test_ctx *t, char *library_string);
/* Frees a token status and returns every string it handed out, joined (an arena
 * copy, for secret scans). */
char *take_status_strings(test_ctx *t, concur_token_status *status);
/* A number a token status accessor reads, or -1 when it is unknown. */
static inline long long status_int(const concur_token_status *status,
                                   bool (*read)(const concur_token_status *, int64_t *))
{
    int64_t value = 0;
    return read(status, &value) ? (long long)value : -1;
}
/* The last error's message (arena copy, "" when none). */
char *last_message(test_ctx *t);
/* strdup into the arena. */
char *arena_dup(test_ctx *t, const char *text);
/* printf into the arena. */
char *arena_printf(test_ctx *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Starts fake-concur with extra command-line arguments (NULL-terminated list). */
bool fake_start(test_ctx *t, const char *const *extra_args);
/* An admin call: returns the HTTP status (0 on a transport error); body in the arena. */
int admin(test_ctx *t, const char *method, const char *path, const char *json_body, char **body_out);
/* One counter from GET /_admin/counters, -1 on error. */
long counter(test_ctx *t, const char *name);
/* Fails the test (returns false) if `text` contains any secret the fake server knows. */
bool no_secret_in(test_ctx *t, const char *text, const char *what);

/* A string field of GET /_admin/config (arena copy), NULL on error: the fake's
 * own secrets are read from it, never typed into a test. */
char *fake_config(test_ctx *t, const char *field);
/* A temporary folder with the fake server's credentials.json (its own fixture,
 * POST /_admin/fixtures/credentials), with client secret `other_secret` when it
 * is not NULL; sets the paths. */
bool make_dir(test_ctx *t, const char *other_secret);
/* Builds t->manager from the files, base URL = the fake server. */
bool make_manager(test_ctx *t);
/* fake_start + make_dir + make_manager with the right secret. */
bool standard_setup(test_ctx *t, const char *const *fake_args);

/* Whole-file helpers (arena-owned text; NULL when the file does not exist). */
char *read_file(test_ctx *t, const char *path, size_t *len_out);
bool write_file(const char *path, const char *text);

/* A number or bool after "key": in a flat JSON object; -1 when absent. */
long long json_int(const char *json, const char *key);

/* strcmp that treats NULL as different from everything. */
static inline bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && __builtin_strcmp(a, b) == 0;
}

/* Runs `tc` in a fresh context and releases what it owned; true when it passed. */
bool run_one(const test_case *tc);

/* The C API tests' lists, run by main.c. */
extern const test_case api_tests[];
extern const size_t api_tests_len;
extern const test_case token_destination_tests[];
extern const size_t token_destination_tests_len;
extern const test_case pager_tests[];
extern const size_t pager_tests_len;

#endif
