/* The harness behind harness.h, and main(): runs every test (or those named on
 * the command line), prints "ok N - name" / "not ok N - name" lines and a final
 * "# N passed, M failed" line, and exits non-zero when a test failed. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- failures ---------------------------------------------------------- */

void check_failed(test_ctx *t, const char *file, int line, const char *what)
{
    t->failed = true;
    fprintf(stderr, "    %s:%d: check failed: %s\n", file, line, what);
}

void status_failed(test_ctx *t, const char *file, int line, const char *call, concur_status got,
                   concur_status want)
{
    char *message = concur_last_error_message();
    t->failed = true;
    fprintf(stderr, "    %s:%d: %s\n      returned %s, expected %s; last error: %s\n", file, line, call,
            concur_status_name((int)got), concur_status_name((int)want),
            message != NULL ? message : "(none)");
    concur_string_free(message);
}

/* ---- arena ------------------------------------------------------------- */

static char *arena_keep(test_ctx *t, char *owned)
{
    if (owned == NULL) {
        return NULL;
    }
    if (t->arena_len == sizeof t->arena / sizeof t->arena[0]) {
        fprintf(stderr, "    harness: arena full\n");
        abort();
    }
    t->arena[t->arena_len++] = owned;
    return owned;
}

char *arena_dup(test_ctx *t, const char *text)
{
    return text == NULL ? NULL : arena_keep(t, strdup(text));
}

char *arena_printf(test_ctx *t, const char *format, ...)
{
    va_list args;
    char *out = NULL;
    va_start(args, format);
    if (vasprintf(&out, format, args) < 0) {
        out = NULL;
    }
    va_end(args);
    return arena_keep(t, out);
}

char *take(test_ctx *t, char *library_string)
{
    if (library_string == NULL) {
        return NULL;
    }
    char *copy = arena_dup(t, library_string);
    concur_string_free(library_string);
    return copy;
}

char *take_status_strings(test_ctx *t, concur_token_status *status)
{
    if (status == NULL) {
        return NULL;
    }
    const char *geolocation = concur_token_status_geolocation(status);
    const char *company_uuid = concur_token_status_company_uuid(status);
    char *text = arena_printf(t, "%s %s %s", geolocation != NULL ? geolocation : "",
                              company_uuid != NULL ? company_uuid : "", concur_token_status_store(status));
    concur_token_status_free(status);
    return text;
}

char *last_message(test_ctx *t)
{
    char *message = take(t, concur_last_error_message());
    return message != NULL ? message : arena_dup(t, "");
}

/* ---- files ------------------------------------------------------------- */

char *read_file(test_ctx *t, const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = (cap + 4096) * 2;
            char *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL) {
        *len_out = len;
    }
    return arena_keep(t, buf);
}

bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return false;
    }
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

bool make_dir(test_ctx *t, const char *other_secret)
{
    strcpy(t->dir, "/tmp/concur-c-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        t->dir[0] = '\0';
        return false;
    }
    snprintf(t->creds_path, sizeof t->creds_path, "%s/credentials.json", t->dir);
    snprintf(t->token_path, sizeof t->token_path, "%s/refreshTokenObjectFile.json", t->dir);
    char *spec = other_secret != NULL ? arena_printf(t, "{\"client_secret\":\"%s\"}", other_secret) : NULL;
    char *creds = NULL;
    if (admin(t, "POST", "/_admin/fixtures/credentials", spec, &creds) != 200 || creds == NULL) {
        fprintf(stderr, "    the fake server wrote no credentials fixture\n");
        return false;
    }
    return write_file(t->creds_path, creds) && chmod(t->creds_path, 0600) == 0;
}

char *fake_config(test_ctx *t, const char *field)
{
    char *body = NULL;
    if (admin(t, "GET", "/_admin/config", NULL, &body) != 200 || body == NULL) {
        return NULL;
    }
    char *pattern = arena_printf(t, "\"%s\":\"", field);
    const char *start = strstr(body, pattern);
    if (start == NULL) {
        return NULL;
    }
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    return end != NULL ? arena_printf(t, "%.*s", (int)(end - start), start) : NULL;
}

bool make_manager(test_ctx *t)
{
    concur_options *options = concur_options_new();
    if (options == NULL) {
        return false;
    }
    concur_status status = concur_options_set_base_url(options, t->fake.url);
    if (status == CONCUR_STATUS_OK) {
        status = concur_manager_from_files(t->creds_path, t->token_path, options, &t->manager);
    }
    concur_options_free(options);
    if (status != CONCUR_STATUS_OK) {
        status_failed(t, __FILE__, __LINE__, "make_manager", status, CONCUR_STATUS_OK);
        return false;
    }
    return true;
}

bool standard_setup(test_ctx *t, const char *const *fake_args)
{
    return fake_start(t, fake_args) && make_dir(t, NULL) && make_manager(t);
}

/* ---- the fake server --------------------------------------------------- */

bool fake_start(test_ctx *t, const char *const *extra_args)
{
    const char *bin = getenv("FAKE_CONCUR_BIN");
    if (bin == NULL || bin[0] == '\0') {
        fprintf(stderr, "    FAKE_CONCUR_BIN is not set (path of the fake-concur binary)\n");
        return false;
    }
    const char *argv[32] = {bin, "--port", "0", "--exit-on-stdin-eof"};
    size_t argc = 4;
    for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL && argc < 31; i++) {
        argv[argc++] = extra_args[i];
    }
    argv[argc] = NULL;

    int in_pipe[2], out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) {
        return false;
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (rc != 0) {
        fprintf(stderr, "    cannot start %s: %s\n", bin, strerror(rc));
        close(in_pipe[1]);
        close(out_pipe[0]);
        return false;
    }
    t->fake.pid = pid;
    t->fake.stdin_fd = in_pipe[1];
    t->has_fake = true;

    /* The first stdout line is the base URL. */
    char line[64] = {0};
    size_t len = 0;
    while (len < sizeof line - 1) {
        struct pollfd p = {.fd = out_pipe[0], .events = POLLIN};
        if (poll(&p, 1, 20000) <= 0) {
            break;
        }
        ssize_t n = read(out_pipe[0], line + len, 1);
        if (n <= 0 || line[len] == '\n') {
            break;
        }
        len++;
    }
    line[len] = '\0';
    close(out_pipe[0]);
    const char *port = strrchr(line, ':');
    if (strncmp(line, "http://127.0.0.1:", 17) != 0 || port == NULL) {
        fprintf(stderr, "    fake-concur did not print its URL (got '%s')\n", line);
        return false;
    }
    snprintf(t->fake.url, sizeof t->fake.url, "%s", line);
    t->fake.port = atoi(port + 1);
    return true;
}

static void fake_stop(fake_server *fake)
{
    close(fake->stdin_fd);
    kill(fake->pid, SIGTERM);
    int status;
    while (waitpid(fake->pid, &status, 0) < 0 && errno == EINTR) {
    }
}

int admin(test_ctx *t, const char *method, const char *path, const char *json_body, char **body_out)
{
    if (body_out != NULL) {
        *body_out = NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)t->fake.port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    const char *body = json_body != NULL ? json_body : "";
    char *request = arena_printf(t,
                                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                 method, path, t->fake.port, strlen(body), body);
    size_t sent = 0, total = strlen(request);
    while (sent < total) {
        ssize_t n = write(fd, request + sent, total - sent);
        if (n <= 0) {
            close(fd);
            return 0;
        }
        sent += (size_t)n;
    }
    size_t cap = 8192, len = 0;
    char *reply = malloc(cap);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap *= 2;
            reply = realloc(reply, cap);
        }
        ssize_t n = read(fd, reply + len, 4096);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    reply[len] = '\0';
    arena_keep(t, reply);
    int status = 0;
    if (sscanf(reply, "HTTP/1.1 %d", &status) != 1) {
        return 0;
    }
    char *start = strstr(reply, "\r\n\r\n");
    if (body_out != NULL) {
        *body_out = start != NULL ? start + 4 : reply + len;
    }
    return status;
}

long counter(test_ctx *t, const char *name)
{
    char *body = NULL;
    if (admin(t, "GET", "/_admin/counters", NULL, &body) != 200) {
        return -1;
    }
    return (long)json_int(body, name);
}

bool no_secret_in(test_ctx *t, const char *text, const char *what)
{
    if (text == NULL) {
        return true;
    }
    char *body = NULL;
    if (admin(t, "GET", "/_admin/secrets", NULL, &body) != 200 || body == NULL) {
        fprintf(stderr, "    cannot read /_admin/secrets\n");
        t->failed = true;
        return false;
    }
    /* A JSON array of plain strings: ["a","b",...] (tokens hold no quotes). */
    for (const char *p = strchr(body, '"'); p != NULL;) {
        const char *end = strchr(p + 1, '"');
        if (end == NULL) {
            break;
        }
        size_t len = (size_t)(end - p - 1);
        if (len >= 8) {
            char *secret = arena_printf(t, "%.*s", (int)len, p + 1);
            if (strstr(text, secret) != NULL) {
                fprintf(stderr, "    %s contains a secret the server issued\n", what);
                t->failed = true;
                return false;
            }
        }
        p = strchr(end + 1, '"');
    }
    return true;
}

long long json_int(const char *json, const char *key)
{
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = json != NULL ? strstr(json, pattern) : NULL;
    if (p == NULL) {
        return -1;
    }
    p += strlen(pattern);
    while (*p == ' ') {
        p++;
    }
    if (strncmp(p, "true", 4) == 0) {
        return 1;
    }
    if (strncmp(p, "false", 5) == 0) {
        return 0;
    }
    if (*p != '-' && (*p < '0' || *p > '9')) {
        return -1;
    }
    return strtoll(p, NULL, 10);
}

/* ---- the runner -------------------------------------------------------- */

static void release(test_ctx *t)
{
    concur_manager_free(t->manager);
    if (t->has_fake) {
        fake_stop(&t->fake);
    }
    if (t->dir[0] != '\0') {
        remove_dir(t->dir);
    }
    for (size_t i = 0; i < t->arena_len; i++) {
        free(t->arena[i]);
    }
}

bool run_one(const test_case *tc)
{
    test_ctx *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return false;
    }
    tc->run(t);
    bool ok = !t->failed;
    release(t);
    free(t);
    return ok;
}
