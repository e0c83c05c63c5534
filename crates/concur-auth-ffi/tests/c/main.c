/* The runner of the C API tests (test_*.c here): runs the tests whose names
 * contain any argument (all without arguments), printing "ok N - name" /
 * "not ok N - name" and a final "# N passed, M failed" (scripts/test-c.sh
 * counts them). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static bool selected(int argc, char **argv, const char *name)
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strstr(name, argv[i]) != NULL) {
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    const struct {
        const test_case *cases;
        size_t len;
    } groups[] = {{api_tests, api_tests_len},
                  {token_destination_tests, token_destination_tests_len},
                  {pager_tests, pager_tests_len}};
    int passed = 0, failed = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        for (size_t i = 0; i < groups[g].len; i++) {
            const test_case *tc = &groups[g].cases[i];
            if (!selected(argc, argv, tc->name)) {
                continue;
            }
            struct timespec start, end;
            clock_gettime(CLOCK_MONOTONIC, &start);
            bool ok = run_one(tc);
            clock_gettime(CLOCK_MONOTONIC, &end);
            double secs = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
            printf("%s %d - %s (%.2fs)\n", ok ? "ok" : "not ok", passed + failed + 1, tc->name, secs);
            if (ok) {
                passed++;
            } else {
                failed++;
            }
        }
    }
    printf("# %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
