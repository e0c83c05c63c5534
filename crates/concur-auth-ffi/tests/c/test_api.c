/* The C API's own tests (scripts/test-c.sh runs them under valgrind and
 * ASan): versions and names, NULL and invalid UTF-8 for every argument,
 * options checks, the happy path, bad credentials, and one handle shared by
 * four threads. main.c runs them; the cross-language scenarios are tests/conformance. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char BAD_UTF8[] = "\xff\xfe not utf-8";

/* A status, the matching code name and a message naming the argument. */
#define CHECK_ARG_ERROR(call, want, arg)                                                           \
    do {                                                                                           \
        CHECK_STATUS(call, want);                                                                  \
        CHECK(concur_last_error_status() == (want));                                               \
        CHECK(streq(concur_last_error_code_name(), concur_status_name((int)(want))));        \
        CHECK(strstr(last_message(t), "`" arg "`") != NULL);                                       \
    } while (0)

#define CHECK_NULL_ARG(call, arg) CHECK_ARG_ERROR(call, CONCUR_STATUS_NULL_ARGUMENT, arg)
#define CHECK_BAD_UTF8(call, arg) CHECK_ARG_ERROR(call, CONCUR_STATUS_INVALID_UTF8, arg)

static void version_and_names(test_ctx *t)
{
    CHECK(concur_version() != NULL);
    CHECK(strchr(concur_version(), '.') != NULL);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_OK), "ok") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_NULL_ARGUMENT), "null_argument") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_INVALID_UTF8), "invalid_utf8") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_PANIC), "panic") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_REFRESH_TOKEN_EXPIRED), "refresh_token_expired") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_HOST_NOT_ALLOWED), "host_not_allowed") == 0);
    CHECK(strcmp(concur_status_name(CONCUR_STATUS_API), "api") == 0);
    CHECK(concur_status_name(5) == NULL);
    CHECK(concur_status_name(-1) == NULL);
    /* No error yet on this thread's fresh state after a successful call. */
    concur_options *options = concur_options_new();
    CHECK(options != NULL);
    concur_status status = concur_options_set_leeway_secs(options, 60);
    concur_options_free(options);
    CHECK(status == CONCUR_STATUS_OK);
    CHECK(concur_last_error_status() == CONCUR_STATUS_OK);
    CHECK(concur_last_error_message() == NULL);
    CHECK(concur_last_error_code_name() == NULL);
    CHECK(concur_last_error_correlation_id() == NULL);
    CHECK(concur_last_error_concur_code() == 0);
    CHECK(concur_last_error_http_status() == 0);
}

static void null_for_every_pointer_argument(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    concur_manager *m = t->manager;
    concur_manager *out = NULL;
    char *text = NULL;
    uint16_t http = 42;
    const char *c = t->creds_path, *tok = t->token_path;

    /* Freeing NULL is fine. */
    concur_string_free(NULL);
    concur_manager_free(NULL);
    concur_options_free(NULL);

    /* Options. */
    concur_options *o = concur_options_new();
    CHECK(o != NULL);
    CHECK_NULL_ARG(concur_options_set_base_url(NULL, "https://x.api.concursolutions.com"), "options");
    CHECK_NULL_ARG(concur_options_set_base_url(o, NULL), "base_url");
    CHECK_NULL_ARG(concur_options_add_allowed_host(NULL, "h"), "options");
    CHECK_NULL_ARG(concur_options_add_allowed_host(o, NULL), "host");
    CHECK_NULL_ARG(concur_options_set_scope(NULL, "s"), "options");
    CHECK_OK(concur_options_set_scope(o, NULL)); /* nullable: clears the scope */
    CHECK_NULL_ARG(concur_options_set_leeway_secs(NULL, 1), "options");
    CHECK_NULL_ARG(concur_options_set_request_timeout_ms(NULL, 1), "options");
    CHECK_NULL_ARG(concur_options_set_connect_timeout_ms(NULL, 1), "options");
    CHECK_NULL_ARG(concur_options_set_lock_wait_ms(NULL, 1), "options");
    CHECK_NULL_ARG(concur_options_set_max_attempts(NULL, 1), "options");
    concur_options_free(o);

    /* Constructors. */
    CHECK_NULL_ARG(concur_manager_from_files(NULL, tok, NULL, &out), "credentials_path");
    CHECK_NULL_ARG(concur_manager_from_files(c, NULL, NULL, &out), "token_path");
    CHECK_NULL_ARG(concur_manager_from_files(c, tok, NULL, NULL), "out");
    CHECK_NULL_ARG(concur_manager_new(NULL, "s", NULL, NULL, tok, NULL, &out), "client_id");
    CHECK_NULL_ARG(concur_manager_new("i", NULL, NULL, NULL, tok, NULL, &out), "client_secret");
    CHECK_NULL_ARG(concur_manager_new("i", "s", NULL, NULL, NULL, NULL, &out), "token_path");
    CHECK_NULL_ARG(concur_manager_new("i", "s", NULL, NULL, tok, NULL, NULL), "out");
    CHECK(out == NULL);

    /* Methods. */
    concur_token_status *status_out = NULL;
    CHECK_NULL_ARG(concur_manager_exchange(NULL, &status_out), "manager");
    CHECK_NULL_ARG(concur_manager_exchange_with(NULL, CONCUR_EXCHANGE_FORCE, &status_out), "manager");
    CHECK_NULL_ARG(concur_manager_access_token(NULL, &text), "manager");
    CHECK_NULL_ARG(concur_manager_access_token(m, NULL), "token_out");
    CHECK_NULL_ARG(concur_manager_force_refresh(NULL, &text), "manager");
    CHECK_NULL_ARG(concur_manager_status(NULL, &status_out), "manager");
    CHECK_NULL_ARG(concur_manager_status(m, NULL), "status_out");
    CHECK(status_out == NULL);
    CHECK_NULL_ARG(concur_manager_revoke(NULL), "manager");
    CHECK_NULL_ARG(concur_manager_request(NULL, "GET", USERS_PATH, NULL, &http, &text), "manager");
    CHECK_NULL_ARG(concur_manager_request(m, NULL, USERS_PATH, NULL, &http, &text), "method");
    CHECK_NULL_ARG(concur_manager_request(m, "GET", NULL, NULL, &http, &text), "path");
    CHECK_NULL_ARG(concur_manager_request(m, "GET", USERS_PATH, NULL, NULL, &text), "http_status_out");
    CHECK_NULL_ARG(concur_manager_request(m, "GET", USERS_PATH, NULL, &http, NULL), "body_out");
    CHECK(text == NULL);
    CHECK(http == 0); /* out-parameters are reset when a call fails */

    /* The nullable ones work with NULL. */
    char *secret = fake_config(t, "client_secret");
    CHECK(secret != NULL);
    CHECK_OK(concur_manager_new(FAKE_CLIENT_ID, secret, NULL, NULL, tok, NULL, &out));
    concur_manager_free(out);
    CHECK_OK(concur_manager_exchange(m, NULL));
    CHECK_OK(concur_manager_force_refresh(m, NULL));
    CHECK_OK(concur_manager_request(m, "GET", USERS_PATH, NULL, &http, &text));
    CHECK(http == 200);
    concur_string_free(text);
}

static void invalid_utf8_in_every_string_argument(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    concur_manager *m = t->manager, *out = NULL;
    const char *c = t->creds_path, *tok = t->token_path;
    char *text = NULL;
    uint16_t http = 0;

    concur_options *o = concur_options_new();
    CHECK(o != NULL);
    concur_status s1 = concur_options_set_base_url(o, BAD_UTF8);
    concur_status s2 = concur_options_add_allowed_host(o, BAD_UTF8);
    concur_status s3 = concur_options_set_scope(o, BAD_UTF8);
    concur_options_free(o);
    CHECK(s1 == CONCUR_STATUS_INVALID_UTF8);
    CHECK(s2 == CONCUR_STATUS_INVALID_UTF8);
    CHECK(s3 == CONCUR_STATUS_INVALID_UTF8);

    CHECK_BAD_UTF8(concur_manager_from_files(BAD_UTF8, tok, NULL, &out), "credentials_path");
    CHECK_BAD_UTF8(concur_manager_from_files(c, BAD_UTF8, NULL, &out), "token_path");
    CHECK_BAD_UTF8(concur_manager_new(BAD_UTF8, "s", NULL, NULL, tok, NULL, &out), "client_id");
    CHECK_BAD_UTF8(concur_manager_new("i", BAD_UTF8, NULL, NULL, tok, NULL, &out), "client_secret");
    CHECK_BAD_UTF8(concur_manager_new("i", "s", BAD_UTF8, NULL, tok, NULL, &out), "company_uuid");
    CHECK_BAD_UTF8(concur_manager_new("i", "s", NULL, BAD_UTF8, tok, NULL, &out), "request_token");
    CHECK_BAD_UTF8(concur_manager_new("i", "s", NULL, NULL, BAD_UTF8, NULL, &out), "token_path");
    CHECK(out == NULL);
    CHECK_BAD_UTF8(concur_manager_request(m, BAD_UTF8, USERS_PATH, NULL, &http, &text), "method");
    CHECK_BAD_UTF8(concur_manager_request(m, "GET", BAD_UTF8, NULL, &http, &text), "path");
    CHECK_BAD_UTF8(concur_manager_request(m, "GET", USERS_PATH, BAD_UTF8, &http, &text), "body_json");
    /* The bytes of a bad argument are never quoted (it may be a secret). */
    CHECK(strstr(last_message(t), "not utf-8") == NULL);
    CHECK(text == NULL);
}

static void options_are_checked(test_ctx *t)
{
    CHECK(fake_start(t, NULL));
    CHECK(make_dir(t, NULL));
    concur_options *o = concur_options_new();
    CHECK(o != NULL);
    concur_status zero_timeout = concur_options_set_request_timeout_ms(o, 0);
    concur_status zero_connect = concur_options_set_connect_timeout_ms(o, 0);
    concur_status zero_attempts = concur_options_set_max_attempts(o, 0);
    concur_status plain_http = concur_options_set_base_url(o, "http://example.com");
    concur_status build = concur_manager_from_files(t->creds_path, t->token_path, o, &t->manager);
    char *build_message = last_message(t);
    concur_status not_url = concur_options_set_base_url(o, "not a url");
    concur_status build2 = concur_manager_from_files(t->creds_path, t->token_path, o, &t->manager);
    concur_options_free(o);
    CHECK(zero_timeout == CONCUR_STATUS_CONFIG);
    CHECK(zero_connect == CONCUR_STATUS_CONFIG);
    CHECK(zero_attempts == CONCUR_STATUS_CONFIG);
    CHECK(plain_http == CONCUR_STATUS_OK); /* checked when the manager is built */
    CHECK(build == CONCUR_STATUS_HOST_NOT_ALLOWED);
    CHECK(strstr(build_message, "HTTPS") != NULL);
    CHECK(not_url == CONCUR_STATUS_OK);
    CHECK(build2 == CONCUR_STATUS_CONFIG);
    CHECK(t->manager == NULL);
    /* A missing credentials file. */
    CHECK_STATUS(concur_manager_from_files("/nonexistent/credentials.json", t->token_path, NULL, &t->manager),
                 CONCUR_STATUS_CONFIG);
    CHECK(strstr(last_message(t), "not found") != NULL);
    /* Empty client id / secret. */
    CHECK_STATUS(concur_manager_new("", "", NULL, NULL, t->token_path, NULL, &t->manager), CONCUR_STATUS_CONFIG);
    CHECK(t->manager == NULL);
}

static void happy_path(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    concur_manager *m = t->manager;
    concur_token_status *status = NULL;
    char *token = NULL, *body = NULL;
    uint16_t http = 0;

    CHECK_OK(concur_manager_exchange(m, &status));
    CHECK(concur_token_status_initialized(status));
    CHECK(no_secret_in(t, take_status_strings(t, status), "the exchange status"));

    CHECK_OK(concur_manager_access_token(m, &token));
    token = take(t, token);
    CHECK(token != NULL && strlen(token) > 10);
    /* The same token into a buffer of ours: too small says how much it needs. */
    char small[4] = "xyz";
    size_t len = 0;
    CHECK_STATUS(concur_manager_access_token_into(m, small, sizeof small, &len), CONCUR_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == strlen(token) && strcmp(small, "xyz") == 0);
    char buffer[4096];
    CHECK_OK(concur_manager_access_token_into(m, buffer, sizeof buffer, &len));
    CHECK(len == strlen(token) && strcmp(buffer, token) == 0);
    memset(buffer, 0, sizeof buffer);

    CHECK_OK(concur_manager_status(m, &status));
    CHECK(concur_token_status_access_token_valid(status));
    CHECK(concur_token_status_state(status) == CONCUR_TOKEN_STATE_FRESH);
    CHECK(streq(concur_token_status_geolocation(status), t->fake.url));
    concur_token_status_free(status);

    /* The header and the loaded library are the same version. */
    CHECK(streq(concur_version(), CONCUR_AUTH_VERSION));
    CHECK(CONCUR_AUTH_VERSION_NUMBER == CONCUR_AUTH_VERSION_MAJOR * 10000 + CONCUR_AUTH_VERSION_MINOR * 100 +
                                           CONCUR_AUTH_VERSION_PATCH);

    CHECK_OK(concur_manager_request(m, "GET", USERS_PATH, NULL, &http, &body));
    body = take(t, body);
    CHECK(http == 200);
    CHECK(strstr(body, "\"userName\"") != NULL);

    /* Any final status is a successful call; the caller reads it. */
    CHECK_OK(concur_manager_request(m, "get", "/no/such/endpoint", NULL, &http, &body));
    body = take(t, body);
    CHECK(http == 404);
    CHECK_OK(concur_manager_request(m, "POST", "/no/such/endpoint", "{\"a\":[1,2]}", &http, &body));
    concur_string_free(body);
    CHECK(http == 404);
    CHECK_STATUS(concur_manager_request(m, "GET", USERS_PATH, "{not json", &http, &body), CONCUR_STATUS_CONFIG);
    CHECK_STATUS(concur_manager_request(m, "NOT A METHOD", USERS_PATH, NULL, &http, &body), CONCUR_STATUS_CONFIG);
    CHECK_STATUS(concur_manager_request(m, "GET", "https://evil.example.com/x", NULL, &http, &body),
                 CONCUR_STATUS_HOST_NOT_ALLOWED);
    CHECK(body == NULL);

    char *fresh = NULL;
    CHECK_OK(concur_manager_force_refresh(m, &fresh));
    fresh = take(t, fresh);
    CHECK(strcmp(fresh, token) != 0);
    CHECK(counter(t, "refresh_grants") == 1);
}

/* A second exchange over a live refresh token is refused before anything is
 * sent (the request token stays usable, the file unchanged); with
 * CONCUR_EXCHANGE_FORCE it replaces the record; unknown flag bits are refused. */
static void exchange_refuses_a_live_refresh_token_without_force(test_ctx *t)
{
    static const char *const reusable[] = {"--reusable-request-token", NULL};
    CHECK(standard_setup(t, reusable));
    concur_manager *m = t->manager;
    CHECK_OK(concur_manager_exchange(m, NULL));
    size_t len = 0;
    char *before = read_file(t, t->token_path, &len);
    CHECK(before != NULL);

    concur_token_status *status = NULL;
    CHECK_STATUS(concur_manager_exchange(m, &status), CONCUR_STATUS_CONFIG);
    CHECK(status == NULL);
    char *message = last_message(t);
    CHECK(strstr(message, "live refresh token") != NULL);
    CHECK(strstr(message, "days left") != NULL);
    CHECK(strstr(message, "--force") != NULL);
    CHECK(no_secret_in(t, message, "the refusal"));
    CHECK_STATUS(concur_manager_exchange_with(m, 0, NULL), CONCUR_STATUS_CONFIG);
    CHECK_STATUS(concur_manager_exchange_with(m, 2, NULL), CONCUR_STATUS_CONFIG);
    CHECK(strstr(last_message(t), "unknown exchange flag") != NULL);
    CHECK(streq(read_file(t, t->token_path, &len), before));
    CHECK(counter(t, "password_grants") == 1);

    CHECK_OK(concur_manager_exchange_with(m, CONCUR_EXCHANGE_FORCE, &status));
    CHECK(concur_token_status_initialized(status));
    CHECK(no_secret_in(t, take_status_strings(t, status), "the forced exchange's status"));
    CHECK(counter(t, "password_grants") == 2);
    CHECK(!streq(read_file(t, t->token_path, &len), before));
}

static void bad_credentials(test_ctx *t)
{
    static const char wrong[] = "wrong-secret-Xy12-very-private";
    CHECK(fake_start(t, NULL));
    CHECK(make_dir(t, wrong));
    CHECK(make_manager(t));
    concur_token_status *status = NULL;
    CHECK_STATUS(concur_manager_exchange(t->manager, &status), CONCUR_STATUS_AUTH);
    CHECK(status == NULL);
    char *message = last_message(t);
    CHECK(strlen(message) > 0);
    CHECK(strstr(message, wrong) == NULL);
    CHECK(no_secret_in(t, message, "the error message"));
    CHECK(streq(concur_last_error_code_name(), "auth"));
    CHECK(concur_last_error_concur_code() == 19);
    CHECK(concur_last_error_http_status() == 401);
    char *correlation_id = take(t, concur_last_error_correlation_id());
    CHECK(correlation_id != NULL && strlen(correlation_id) > 0);
    CHECK(strstr(message, correlation_id) != NULL);

    /* The same through concur_manager_new. */
    concur_manager *m2 = NULL;
    concur_options *o = concur_options_new();
    concur_options_set_base_url(o, t->fake.url);
    char *request_token = fake_config(t, "request_token");
    CHECK(request_token != NULL);
    concur_status built = concur_manager_new(FAKE_CLIENT_ID, wrong, FAKE_COMPANY_UUID, request_token,
                                             t->token_path, o, &m2);
    concur_options_free(o);
    CHECK(built == CONCUR_STATUS_OK);
    concur_status exchanged = concur_manager_exchange(m2, NULL);
    concur_manager_free(m2);
    CHECK(exchanged == CONCUR_STATUS_AUTH);
    CHECK(strstr(last_message(t), wrong) == NULL);
}

/* ---- threads ----------------------------------------------------------- */

typedef struct worker {
    const concur_manager *manager;
    pthread_barrier_t *barrier;
    concur_status status;
    char token[512];
} worker;

static void *get_token(void *arg)
{
    worker *w = arg;
    char *token = NULL;
    pthread_barrier_wait(w->barrier);
    w->status = concur_manager_access_token(w->manager, &token);
    if (token != NULL) {
        snprintf(w->token, sizeof w->token, "%s", token);
    }
    concur_string_free(token);
    return NULL;
}

/* `n` threads share one handle whose access token has expired: they all get the
 * same new token, and the fake server sees exactly one refresh. */
static void threads_share_one_refresh(test_ctx *t, size_t n)
{
    static const char *const short_tokens[] = {"--access-token-ttl", "1", NULL};
    CHECK(standard_setup(t, short_tokens));
    char *old = NULL;
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    CHECK_OK(concur_manager_access_token(t->manager, &old));
    old = take(t, old);
    sleep(2); /* the 1-second token is now expired */
    CHECK(admin(t, "POST", "/_admin/config", "{\"access_token_ttl_secs\":3600}", NULL) == 200);
    CHECK(admin(t, "POST", "/_admin/reset-counters", NULL, NULL) == 204);

    worker workers[64];
    pthread_t threads[64];
    pthread_barrier_t barrier;
    CHECK(n <= 64);
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        workers[i] = (worker){.manager = t->manager, .barrier = &barrier};
        pthread_create(&threads[i], NULL, get_token, &workers[i]);
    }
    for (size_t i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_barrier_destroy(&barrier);

    for (size_t i = 0; i < n; i++) {
        CHECK(workers[i].status == CONCUR_STATUS_OK);
        CHECK(strcmp(workers[i].token, workers[0].token) == 0);
    }
    CHECK(strcmp(workers[0].token, old) != 0);
    CHECK(counter(t, "refresh_grants") == 1);
    CHECK(counter(t, "token_requests") == 1);
}

static void four_threads_one_refresh(test_ctx *t)
{
    threads_share_one_refresh(t, 4);
}

const test_case api_tests[] = {
    {"api_version_and_names", version_and_names},
    {"api_null_for_every_pointer_argument", null_for_every_pointer_argument},
    {"api_invalid_utf8_in_every_string_argument", invalid_utf8_in_every_string_argument},
    {"api_options_are_checked", options_are_checked},
    {"api_happy_path", happy_path},
    {"api_exchange_refuses_a_live_refresh_token_without_force", exchange_refuses_a_live_refresh_token_without_force},
    {"api_bad_credentials", bad_credentials},
    {"api_four_threads_one_refresh", four_threads_one_refresh},
};
const size_t api_tests_len = sizeof api_tests / sizeof api_tests[0];
