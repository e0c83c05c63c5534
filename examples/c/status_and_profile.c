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
#include <string.h>

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

int main(int argc, char **argv)
{
    const char *credentials = arg_or_env(argc, argv, 1, "CONCUR_CREDENTIALS_FILE", "credentials.json");
    const char *token_file = arg_or_env(argc, argv, 2, "CONCUR_TOKEN_FILE", "refreshTokenObjectFile.json");
    const char *base_url = arg_or_env(argc, argv, 3, "CONCUR_BASE_URL", NULL);
    int exit_code = 1;
    concur_manager *manager = NULL;
    char *status_json = NULL;
    char *body = NULL;

    printf("concur-auth %s\n", concur_version());

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

    status = concur_manager_status(manager, &status_json);
    if (status != CONCUR_STATUS_OK) {
        exit_code = fail("status", status);
        goto done;
    }
    printf("status: %s\n", status_json);

    if (strstr(status_json, "\"initialized\":false") != NULL) {
        printf("no refresh token stored yet: exchanging the company request token (once)\n");
        concur_string_free(status_json);
        status_json = NULL;
        status = concur_manager_exchange(manager, &status_json);
        if (status != CONCUR_STATUS_OK) {
            exit_code = fail("the exchange", status);
            goto done;
        }
        printf("status: %s\n", status_json);
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
    concur_string_free(status_json);
    concur_manager_free(manager);
    return exit_code;
}
