/*
 * status_and_profile.c: the SAP tutorials' flow through the concur-auth C API.
 * Prints the token status (no secrets), runs the one-time exchange when nothing
 * is stored yet, and calls Profile Identity v4 (GET /profile/identity/v4/Users/).
 *
 *   status_and_profile [credentials.json [refreshTokenObjectFile.json [base-url]]]
 *
 * Each argument falls back to CONCUR_CREDENTIALS_FILE, CONCUR_TOKEN_FILE and
 * CONCUR_BASE_URL, then to the tutorials' file names and Concur's default host.
 * Build lines: docs/c-and-dotnet.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "concur_auth.h"

static const char *arg_or_env(int argc, char **argv, int index, const char *env, const char *fallback)
{
    if (argc > index && argv[index][0] != '\0') {
        return argv[index];
    }
    const char *value = getenv(env);
    return (value != NULL && value[0] != '\0') ? value : fallback;
}

/* Prints the last error of this thread (never a secret) and returns 1. */
static int fail(const char *what, concur_status status)
{
    char *message = concur_last_error_message();
    char *correlation_id = concur_last_error_correlation_id();
    fprintf(stderr, "%s failed: %s (%s)\n", what, message != NULL ? message : "?",
            concur_status_name((int)status));
    if (correlation_id != NULL) {
        fprintf(stderr, "  quote this correlation id to SAP support: %s\n", correlation_id);
    }
    concur_string_free(correlation_id);
    concur_string_free(message);
    return 1;
}

/* Prints a status: data read through accessors; its strings belong to it. */
static void print_status(const concur_token_status *token_status)
{
    static const char *const states[] = {"none", "fresh", "stale", "expired"};
    int64_t expires_at = 0;
    int64_t days_left = 0;
    printf("status: initialized %s, access token %s", concur_token_status_initialized(token_status) ? "yes" : "no",
           states[concur_token_status_state(token_status)]);
    if (concur_token_status_access_token_expires_at(token_status, &expires_at)) {
        printf(" (expires at %lld)", (long long)expires_at);
    }
    if (concur_token_status_refresh_token_days_left(token_status, &days_left)) {
        printf(", refresh token: %lld days left", (long long)days_left);
    }
    printf(", store %s\n", concur_token_status_store(token_status));
}

int main(int argc, char **argv)
{
    const char *credentials = arg_or_env(argc, argv, 1, "CONCUR_CREDENTIALS_FILE", "credentials.json");
    const char *token_file = arg_or_env(argc, argv, 2, "CONCUR_TOKEN_FILE", "refreshTokenObjectFile.json");
    const char *base_url = arg_or_env(argc, argv, 3, "CONCUR_BASE_URL", NULL);
    int exit_code = 1;
    concur_manager *manager = NULL;
    concur_token_status *token_status = NULL;
    char *body = NULL;

    printf("concur-auth %s (header %s)\n", concur_version(), CONCUR_AUTH_VERSION);

    concur_options *options = concur_options_new();
    if (options == NULL) {
        return fail("concur_options_new", CONCUR_STATUS_PANIC);
    }
    concur_status status = CONCUR_STATUS_OK;
    if (base_url != NULL) {
        status = concur_options_set_base_url(options, base_url);
    }
    if (status == CONCUR_STATUS_OK) {
        status = concur_manager_from_files(credentials, token_file, options, &manager);
    }
    concur_options_free(options); /* the manager keeps its own copy */
    if (status != CONCUR_STATUS_OK) {
        return fail("creating the manager", status);
    }

    status = concur_manager_status(manager, &token_status);
    if (status != CONCUR_STATUS_OK) {
        exit_code = fail("status", status);
        goto done;
    }
    print_status(token_status);

    if (!concur_token_status_initialized(token_status)) {
        printf("no refresh token stored yet: exchanging the company request token (once)\n");
        concur_token_status_free(token_status);
        token_status = NULL;
        status = concur_manager_exchange(manager, &token_status);
        if (status != CONCUR_STATUS_OK) {
            exit_code = fail("the exchange", status);
            goto done;
        }
        print_status(token_status);
    }

    uint16_t http_status = 0;
    status = concur_manager_request(manager, "GET", "/profile/identity/v4/Users/", NULL, &http_status, &body);
    if (status != CONCUR_STATUS_OK) {
        exit_code = fail("GET /profile/identity/v4/Users/", status);
        goto done;
    }
    printf("GET /profile/identity/v4/Users/ -> HTTP %u\n%s\n", (unsigned)http_status, body);
    exit_code = (http_status >= 200 && http_status < 300) ? 0 : 1;

done:
    concur_string_free(body);
    concur_token_status_free(token_status);
    concur_manager_free(manager);
    return exit_code;
}
