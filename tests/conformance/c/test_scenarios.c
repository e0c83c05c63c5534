/* tests/conformance/SCENARIOS.md, S1-S14, through the C API. Each scenario gets
 * a fresh fake-concur and a fresh folder with credentials.json. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness.h"

/* A token file naming `refresh_token` (as the tutorials' script writes it). */
static bool write_token_file(test_ctx *t, const char *refresh_token)
{
    char *text = arena_printf(t,
                              "{\"refresh_token\":\"%s\",\"refresh_expires_in\":%lld,"
                              "\"geolocation\":\"%s\",\"companyUUID\":\"" FAKE_COMPANY_UUID "\"}\n",
                              refresh_token, (long long)time(NULL) + 90 * 86400, t->fake.url);
    return write_file(t->token_path, text);
}

static void s01_exchange_then_access_token(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    struct stat st;
    CHECK(stat(t->token_path, &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    char *file = read_file(t, t->token_path, NULL);
    CHECK(file != NULL);
    CHECK(strstr(file, "\"refresh_token\"") != NULL);
    CHECK(strstr(file, "\"refresh_expires_in\"") != NULL);
    CHECK(strstr(file, "\"companyUUID\"") != NULL);
    CHECK(counter(t, "password_grants") == 1);
    char *token = NULL;
    CHECK_OK(concur_manager_access_token(t->manager, &token));
    token = take(t, token);
    CHECK(token != NULL && token[0] != '\0');
    CHECK(counter(t, "token_requests") == 1);
}

static void s02_cached_token(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    char *first = NULL, *second = NULL;
    CHECK_OK(concur_manager_access_token(t->manager, &first));
    first = take(t, first);
    long before = counter(t, "token_requests");
    CHECK_OK(concur_manager_access_token(t->manager, &second));
    second = take(t, second);
    CHECK(streq(first, second));
    CHECK(counter(t, "token_requests") == before);
}

static void s03_fifty_concurrent_callers(test_ctx *t)
{
    threads_share_one_refresh(t, 50);
}

static void s04_wrong_client_secret(test_ctx *t)
{
    static const char wrong[] = "not-the-secret-Pw93-keep-out";
    CHECK(fake_start(t, NULL));
    CHECK(make_dir(t, wrong));
    CHECK(make_manager(t));
    CHECK_STATUS(concur_manager_exchange(t->manager, NULL), CONCUR_STATUS_AUTH);
    CHECK(streq(concur_last_error_code_name(), "auth"));
    CHECK(concur_last_error_concur_code() == 19);
    char *correlation_id = take(t, concur_last_error_correlation_id());
    CHECK(correlation_id != NULL && correlation_id[0] != '\0');
    char *message = last_message(t);
    CHECK(strstr(message, wrong) == NULL);
    CHECK(no_secret_in(t, message, "the error message"));
}

static void s05_request_token_used_twice(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    size_t len_before = 0, len_after = 0;
    char *before = read_file(t, t->token_path, &len_before);
    CHECK(before != NULL);
    CHECK_STATUS(concur_manager_exchange(t->manager, NULL), CONCUR_STATUS_AUTH);
    CHECK(concur_last_error_concur_code() == 5);
    CHECK(no_secret_in(t, last_message(t), "the error message"));
    char *after = read_file(t, t->token_path, &len_after);
    CHECK(after != NULL && len_before == len_after && memcmp(before, after, len_before) == 0);
}

static void s06_unknown_refresh_token(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK(write_token_file(t, "unknown-refresh-token-0000-1111"));
    size_t len_before = 0, len_after = 0;
    char *before = read_file(t, t->token_path, &len_before);
    char *token = NULL;
    CHECK_STATUS(concur_manager_access_token(t->manager, &token), CONCUR_STATUS_REFRESH_TOKEN_EXPIRED);
    CHECK(token == NULL);
    CHECK(streq(concur_last_error_code_name(), "refresh_token_expired"));
    char *message = last_message(t);
    CHECK(strstr(message, "company request token") != NULL);
    CHECK(strstr(message, "unknown-refresh-token-0000-1111") == NULL);
    char *after = read_file(t, t->token_path, &len_after);
    CHECK(after != NULL && len_before == len_after && memcmp(before, after, len_before) == 0);
}

static void s07_no_token_file(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    char *token = NULL;
    CHECK_STATUS(concur_manager_access_token(t->manager, &token), CONCUR_STATUS_NOT_INITIALIZED);
    CHECK(token == NULL);
    CHECK(streq(concur_last_error_code_name(), "not_initialized"));
    CHECK(counter(t, "token_requests") == 0);
}

static void s08_garbage_token_file(test_ctx *t)
{
    static const char garbage[] = "this is { not a token file";
    CHECK(standard_setup(t, NULL));
    CHECK(write_file(t->token_path, garbage));
    char *token = NULL;
    CHECK_STATUS(concur_manager_access_token(t->manager, &token), CONCUR_STATUS_CORRUPT_STORE);
    CHECK(streq(concur_last_error_code_name(), "corrupt_store"));
    /* The original bytes are kept in refreshTokenObjectFile.json.corrupt-*. */
    DIR *d = opendir(t->dir);
    CHECK(d != NULL);
    char *aside = NULL;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strncmp(entry->d_name, "refreshTokenObjectFile.json.corrupt-", 36) == 0) {
            aside = arena_printf(t, "%s/%s", t->dir, entry->d_name);
        }
    }
    closedir(d);
    CHECK(aside != NULL);
    char *kept = read_file(t, aside, NULL);
    CHECK(streq(kept, garbage));
}

static void s09_profile_v4(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    uint16_t http = 0;
    char *body = NULL;
    CHECK_OK(concur_manager_request(t->manager, "GET", USERS_PATH, NULL, &http, &body));
    body = take(t, body);
    CHECK(http == 200);
    CHECK(strstr(body, "\"Resources\"") != NULL);
}

static void s10_api_503_503_200(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    CHECK(admin(t, "POST", "/_admin/faults",
                "{\"endpoint\":\"api\",\"count\":2,\"fault\":{\"kind\":\"status\",\"status\":503}}", NULL) == 204);
    CHECK(admin(t, "POST", "/_admin/reset-counters", NULL, NULL) == 204);
    uint16_t http = 0;
    char *body = NULL;
    CHECK_OK(concur_manager_request(t->manager, "GET", USERS_PATH, NULL, &http, &body));
    body = take(t, body);
    CHECK(http == 200);
    CHECK(counter(t, "user_requests") == 3);
}

static void s11_status(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    CHECK(admin(t, "POST", "/_admin/reset-counters", NULL, NULL) == 204);
    char *json = NULL;
    CHECK_OK(concur_manager_status(t->manager, &json));
    json = take(t, json);
    CHECK(json_int(json, "initialized") == 1);
    CHECK(json_int(json, "access_token_expires_at") > (long long)time(NULL));
    CHECK(json_int(json, "refresh_token_expires_at") > (long long)time(NULL));
    CHECK(json_int(json, "refresh_token_days_left") >= 179);
    char *geolocation = arena_printf(t, "\"geolocation\":\"%s\"", t->fake.url);
    CHECK(strstr(json, geolocation) != NULL);
    CHECK(no_secret_in(t, json, "the status"));
    char *counters = NULL;
    CHECK(admin(t, "GET", "/_admin/counters", NULL, &counters) == 200);
    CHECK(json_int(counters, "token_requests") == 0);
    CHECK(json_int(counters, "user_requests") == 0);
    CHECK(json_int(counters, "other_requests") == 0);
}

/* C has no Debug/toString: what the library hands out is status JSON, error
 * messages, code names and correlation ids. None may hold a secret. */
static void s12_secrets_never_shown(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    char *shown[16];
    size_t n = 0;
    char *json = NULL, *token = NULL, *access_token = NULL;
    CHECK_OK(concur_manager_exchange(t->manager, &json));
    shown[n++] = take(t, json);
    CHECK_OK(concur_manager_access_token(t->manager, &access_token));
    access_token = take(t, access_token);
    CHECK_OK(concur_manager_status(t->manager, &json));
    shown[n++] = take(t, json);
    /* Errors: a used request token, a wrong secret, an unknown refresh token. */
    CHECK_STATUS(concur_manager_exchange(t->manager, NULL), CONCUR_STATUS_AUTH);
    shown[n++] = last_message(t);
    shown[n++] = take(t, concur_last_error_correlation_id());
    concur_manager *wrong = NULL;
    concur_options *o = concur_options_new();
    concur_options_set_base_url(o, t->fake.url);
    concur_status built = concur_manager_new(FAKE_CLIENT_ID, "a-wrong-secret-1234", FAKE_COMPANY_UUID,
                                             FAKE_REQUEST_TOKEN, t->token_path, o, &wrong);
    concur_options_free(o);
    CHECK(built == CONCUR_STATUS_OK);
    concur_status refreshed = concur_manager_force_refresh(wrong, NULL);
    shown[n++] = last_message(t);
    concur_manager_free(wrong);
    CHECK(refreshed == CONCUR_STATUS_AUTH);
    CHECK(strstr(shown[n - 1], "a-wrong-secret-1234") == NULL);
    CHECK(admin(t, "POST", "/_admin/expire-access-tokens", NULL, NULL) == 204);
    CHECK(write_token_file(t, "rt-unknown-4242-abcdef"));
    concur_manager_free(t->manager);
    t->manager = NULL;
    CHECK(make_manager(t));
    CHECK_STATUS(concur_manager_access_token(t->manager, &token), CONCUR_STATUS_REFRESH_TOKEN_EXPIRED);
    shown[n++] = last_message(t);
    CHECK(strstr(shown[n - 1], "rt-unknown-4242-abcdef") == NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(shown[i] == NULL || strstr(shown[i], access_token) == NULL);
        CHECK(no_secret_in(t, shown[i], "a string the library returned"));
    }
}

static void s13_evil_geolocation(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK(admin(t, "POST", "/_admin/config", "{\"geolocation\":\"https://evil.example.com\"}", NULL) == 200);
    CHECK_STATUS(concur_manager_exchange(t->manager, NULL), CONCUR_STATUS_HOST_NOT_ALLOWED);
    CHECK(strstr(last_message(t), "evil.example.com") != NULL);
    char *token = NULL;
    uint16_t http = 0;
    char *body = NULL;
    concur_status got = concur_manager_access_token(t->manager, &token);
    CHECK(got != CONCUR_STATUS_OK && token == NULL);
    got = concur_manager_request(t->manager, "GET", USERS_PATH, NULL, &http, &body);
    CHECK(got != CONCUR_STATUS_OK && body == NULL);
    /* Nothing after the exchange reached the server with a token. */
    CHECK(counter(t, "token_requests") == 1);
    CHECK(counter(t, "user_requests") == 0);
    CHECK(counter(t, "revoke_requests") == 0);
}

static void s14_revoke(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    CHECK_OK(concur_manager_revoke(t->manager));
    char *revoked = NULL;
    CHECK(admin(t, "GET", "/_admin/revoked", NULL, &revoked) == 200);
    CHECK(json_int(revoked, "revoked") == 1);
    struct stat st;
    CHECK(stat(t->token_path, &st) != 0);
    char *token = NULL;
    CHECK_STATUS(concur_manager_access_token(t->manager, &token), CONCUR_STATUS_NOT_INITIALIZED);
    CHECK(token == NULL);
}

const test_case scenario_tests[] = {
    {"S1_exchange_then_access_token", s01_exchange_then_access_token},
    {"S2_cached_token", s02_cached_token},
    {"S3_fifty_concurrent_callers_one_refresh", s03_fifty_concurrent_callers},
    {"S4_wrong_client_secret", s04_wrong_client_secret},
    {"S5_request_token_used_twice", s05_request_token_used_twice},
    {"S6_unknown_refresh_token", s06_unknown_refresh_token},
    {"S7_no_token_file", s07_no_token_file},
    {"S8_garbage_token_file", s08_garbage_token_file},
    {"S9_profile_v4", s09_profile_v4},
    {"S10_api_503_503_200", s10_api_503_503_200},
    {"S11_status_without_network", s11_status},
    {"S12_secrets_never_shown", s12_secrets_never_shown},
    {"S13_evil_geolocation", s13_evil_geolocation},
    {"S14_revoke", s14_revoke},
};
const size_t scenario_tests_len = sizeof scenario_tests / sizeof scenario_tests[0];
