/*
 * Whole lists through the C cursor (concur_list_*): every page, an empty list,
 * a page retried, a page failing for good, a list changing size while read,
 * NULL arguments. Run under valgrind and ASan like every C test.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define LIST_PATH "/profile/identity/v4/Users"

/* A fake with `users` users (as text) and a manager whose exchange ran. */
static bool ready(test_ctx *t, const char *users)
{
    const char *const args[] = {"--users", users, NULL};
    if (!standard_setup(t, args)) {
        return false;
    }
    return concur_manager_exchange(t->manager, NULL) == CONCUR_STATUS_OK;
}

/* Reads records until the end or a failure; the status of the last call.
 * The first and last records are kept (arena copies) when asked for. */
static concur_status read_all(test_ctx *t, concur_list *list, size_t *count, char **first, char **last)
{
    concur_status status;
    for (;;) {
        char *record = NULL;
        status = concur_list_next(list, &record);
        if (status != CONCUR_STATUS_OK || record == NULL) {
            return status;
        }
        record = take(t, record);
        if (first != NULL && *count == 0) {
            *first = record;
        }
        if (last != NULL) {
            *last = record;
        }
        (*count)++;
    }
}

/* Opens `path`, reads it to the end or a failure, frees the cursor. */
static concur_status read_list(test_ctx *t, const char *path, size_t *count)
{
    concur_list *list = NULL;
    concur_status status = concur_list_open(t->manager, path, 0, &list);
    if (status == CONCUR_STATUS_OK) {
        status = read_all(t, list, count, NULL, NULL);
    }
    concur_list_free(list);
    return status;
}

static void first_middle_and_last_page(test_ctx *t)
{
    CHECK(ready(t, "250"));
    concur_list *list = NULL;
    CHECK_OK(concur_list_open(t->manager, NULL, 0, &list));
    size_t count = 0;
    char *first = NULL, *last = NULL;
    concur_status status = read_all(t, list, &count, &first, &last);
    uint64_t read = concur_list_records_read(list);
    concur_list_free(list);
    CHECK(status == CONCUR_STATUS_OK);
    CHECK(count == 250 && read == 250);
    CHECK(strstr(first, "\"jane.doe@example.com\"") != NULL);
    CHECK(strstr(last, "\"user250@example.com\"") != NULL);

    /* Page size and other query parameters pass through. */
    CHECK_OK(concur_list_open(t->manager, LIST_PATH "?attributes=userName&startIndex=241", 4, &list));
    count = 0;
    status = read_all(t, list, &count, &first, NULL);
    concur_list_free(list);
    CHECK(status == CONCUR_STATUS_OK && count == 10);
    CHECK(strstr(first, "\"user241@example.com\"") != NULL);
    CHECK(strstr(first, "emails") == NULL);
}

static void an_empty_list(test_ctx *t)
{
    CHECK(ready(t, "0"));
    size_t count = 0;
    CHECK_OK(read_list(t, LIST_PATH, &count));
    CHECK(count == 0);
}

static void a_failing_page_is_retried(test_ctx *t)
{
    CHECK(ready(t, "150"));
    CHECK(admin(t, "POST", "/_admin/page-faults",
                "{\"start_index\":101,\"count\":2,\"fault\":{\"kind\":\"status\",\"status\":503}}", NULL) == 204);
    size_t count = 0;
    CHECK_OK(read_list(t, LIST_PATH, &count));
    CHECK(count == 150);
}

static void a_page_failing_for_good_keeps_what_was_read(test_ctx *t)
{
    CHECK(ready(t, "250"));
    CHECK(admin(t, "POST", "/_admin/page-faults",
                "{\"start_index\":101,\"count\":100,\"fault\":{\"kind\":\"status\",\"status\":503}}", NULL) == 204);
    concur_list *list = NULL;
    CHECK_OK(concur_list_open(t->manager, LIST_PATH, 0, &list));
    size_t count = 0;
    concur_status status = read_all(t, list, &count, NULL, NULL);
    uint64_t read = concur_list_records_read(list);
    uint64_t resume = concur_list_next_start_index(list);
    char *message = last_message(t);
    if (status == CONCUR_STATUS_SERVER && count == 100 && read == 100 && resume == 101) {
        /* The cursor stayed on the failed page: once the server heals, it reads on. */
        admin(t, "DELETE", "/_admin/faults", NULL, NULL);
        status = read_all(t, list, &count, NULL, NULL);
    }
    concur_list_free(list);
    CHECK(count == 250 && status == CONCUR_STATUS_OK);
    CHECK(read == 100 && resume == 101);
    CHECK(strstr(message, "503") != NULL);
    CHECK(no_secret_in(t, message, "the list error"));
}

static void a_list_that_changes_size_while_read(test_ctx *t)
{
    CHECK(ready(t, "250"));
    concur_list *list = NULL;
    CHECK_OK(concur_list_open(t->manager, LIST_PATH, 0, &list));
    char *record = NULL;
    concur_status status = concur_list_next(list, &record); /* fetches the first page */
    concur_string_free(record);
    size_t count = 1;
    if (status == CONCUR_STATUS_OK && admin(t, "POST", "/_admin/config", "{\"users\":150}", NULL) == 200) {
        status = read_all(t, list, &count, NULL, NULL);
    }
    concur_list_free(list);
    CHECK(status == CONCUR_STATUS_OK);
    CHECK(count == 150); /* shrunk: the read ends at the new end */
}

static void null_arguments(test_ctx *t)
{
    concur_list *list = (concur_list *)1;
    char *record = (char *)"unset";
    CHECK_STATUS(concur_list_open(NULL, LIST_PATH, 0, &list), CONCUR_STATUS_NULL_ARGUMENT);
    CHECK(list == NULL);
    CHECK_STATUS(concur_list_next(NULL, &record), CONCUR_STATUS_NULL_ARGUMENT);
    CHECK(record == NULL);
    CHECK(concur_list_records_read(NULL) == 0);
    CHECK(concur_list_next_start_index(NULL) == 0);
    concur_list_free(NULL);
    CHECK(ready(t, "1"));
    CHECK_STATUS(concur_list_open(t->manager, LIST_PATH, 0, NULL), CONCUR_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(concur_list_open(t->manager, LIST_PATH "?count=lots", 0, &list), CONCUR_STATUS_CONFIG);
    CHECK(list == NULL);
    CHECK_STATUS(concur_list_open(t->manager, "\xff\xfe", 0, &list), CONCUR_STATUS_INVALID_UTF8);
    CHECK_OK(concur_list_open(t->manager, LIST_PATH, 0, &list));
    concur_status status = concur_list_next(list, NULL);
    concur_list_free(list);
    CHECK(status == CONCUR_STATUS_NULL_ARGUMENT);
}

const test_case pager_tests[] = {
    {"list_first_middle_and_last_page", first_middle_and_last_page},
    {"list_an_empty_list", an_empty_list},
    {"list_a_failing_page_is_retried", a_failing_page_is_retried},
    {"list_a_page_failing_for_good_keeps_what_was_read", a_page_failing_for_good_keeps_what_was_read},
    {"list_a_list_that_changes_size_while_read", a_list_that_changes_size_while_read},
    {"list_null_arguments", null_arguments},
};
const size_t pager_tests_len = sizeof pager_tests / sizeof pager_tests[0];
