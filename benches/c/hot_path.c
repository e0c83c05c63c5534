/*
 * Row 1 of `bash scripts/bench.sh` for C: concur_manager_access_token() on a
 * valid cached token, timed with clock_gettime(CLOCK_MONOTONIC) over a loop.
 * Each call includes the concur_string_free() a C caller must make (it zeroes
 * the token). The token file is seeded with an access token that has an hour
 * left, so no call does I/O after the first. Prints one JSON line; never the token.
 *
 *   hot_path CREDENTIALS TOKEN_FILE BASE_URL [CALLS_PER_ROUND] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "concur_auth.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what, concur_status status) {
    char *message = concur_last_error_message();
    fprintf(stderr, "hot_path: %s: %s: %s\n", what, concur_status_name(status),
            message ? message : "");
    concur_string_free(message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: hot_path CREDENTIALS TOKEN_FILE BASE_URL [CALLS] [ROUNDS]\n");
        return 2;
    }
    long calls = argc > 4 ? atol(argv[4]) : 2000000;
    int rounds = argc > 5 ? atoi(argv[5]) : 5;
    if (calls < 1 || calls > 100000000 || rounds < 1 || rounds > 50) {
        fprintf(stderr, "hot_path: CALLS must be 1..1e8 and ROUNDS 1..50\n");
        return 2;
    }

    concur_options *options = concur_options_new();
    concur_options_set_base_url(options, argv[3]);
    concur_manager *manager = NULL;
    concur_status status = concur_manager_from_files(argv[1], argv[2], options, &manager);
    concur_options_free(options);
    if (status != CONCUR_STATUS_OK) return fail("concur_manager_from_files", status);

    char *token = NULL;
    /* The first call adopts the stored record (reads the file). */
    status = concur_manager_access_token(manager, &token);
    if (status != CONCUR_STATUS_OK) return fail("first access token", status);
    concur_string_free(token);

    double per_call[50];
    for (int r = 0; r < rounds; r++) {
        double started = now_ns();
        for (long i = 0; i < calls; i++) {
            status = concur_manager_access_token(manager, &token);
            if (status != CONCUR_STATUS_OK) return fail("access token", status);
            concur_string_free(token);
        }
        per_call[r] = (now_ns() - started) / (double)calls;
    }
    qsort(per_call, (size_t)rounds, sizeof per_call[0], cmp_double);
    printf("{\"row\": \"hot_path\", \"impl\": \"ours-c\", \"ns_per_call\": %.1f, "
           "\"best_ns\": %.1f, \"calls_per_round\": %ld, \"rounds\": %d}\n",
           per_call[rounds / 2], per_call[0], calls, rounds);

    /* The same, copying into a buffer of the caller's: no allocation, no free. */
    char buffer[4096];
    size_t len = 0;
    for (int r = 0; r < rounds; r++) {
        double started = now_ns();
        for (long i = 0; i < calls; i++) {
            status = concur_manager_access_token_into(manager, buffer, sizeof buffer, &len);
            if (status != CONCUR_STATUS_OK) return fail("access token into a buffer", status);
        }
        per_call[r] = (now_ns() - started) / (double)calls;
    }
    memset(buffer, 0, sizeof buffer);
    concur_manager_free(manager);
    qsort(per_call, (size_t)rounds, sizeof per_call[0], cmp_double);
    printf("{\"row\": \"hot_path\", \"impl\": \"ours-c-buffer\", \"ns_per_call\": %.1f, "
           "\"best_ns\": %.1f, \"calls_per_round\": %ld, \"rounds\": %d}\n",
           per_call[rounds / 2], per_call[0], calls, rounds);
    return 0;
}
