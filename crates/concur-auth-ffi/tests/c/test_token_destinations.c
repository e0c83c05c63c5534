/*
 * Where a token may go (issue 11), from C: concur_manager_request with every
 * hostile path of tests/token-destinations/hostile-inputs.json delivers no
 * token to a recording listener on 127.0.0.2, nor to one on another 127.0.0.1
 * port; each refused path comes back as an error, before a connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"

#define HOSTILE_INPUTS "tests/token-destinations/hostile-inputs.json"

/* A listener that counts connections and requests carrying Authorization,
 * answering each with 401. */
typedef struct recorder {
    int fd;
    int port;
    char authority[32];
    int connections;
    int authorizations;
    int stop;
    pthread_t thread;
} recorder;

static void *recorder_run(void *arg)
{
    recorder *r = arg;
    while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int c = accept(r->fd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        __atomic_add_fetch(&r->connections, 1, __ATOMIC_SEQ_CST);
        struct timeval wait = {.tv_sec = 1};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        char head[8192];
        ssize_t got = recv(c, head, sizeof head - 1, 0);
        if (got > 0) {
            head[got] = '\0';
            for (ssize_t i = 0; i < got; i++) {
                head[i] = (char)tolower((unsigned char)head[i]);
            }
            if (strstr(head, "\nauthorization:") != NULL) {
                __atomic_add_fetch(&r->authorizations, 1, __ATOMIC_SEQ_CST);
            }
        }
        static const char reply[] = "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        ssize_t sent = send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
        (void)sent;
        close(c);
    }
    return NULL;
}

static bool recorder_start(recorder *r, const char *ip)
{
    memset(r, 0, sizeof *r);
    r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    socklen_t len = sizeof addr;
    if (r->fd < 0 || inet_pton(AF_INET, ip, &addr.sin_addr) != 1 ||
        bind(r->fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(r->fd, 64) != 0 ||
        getsockname(r->fd, (struct sockaddr *)&addr, &len) != 0) {
        if (r->fd >= 0) {
            close(r->fd);
        }
        return false;
    }
    r->port = ntohs(addr.sin_port);
    snprintf(r->authority, sizeof r->authority, "%s:%d", ip, r->port);
    return pthread_create(&r->thread, NULL, recorder_run, r) == 0;
}

static void recorder_stop(recorder *r)
{
    __atomic_store_n(&r->stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(r->thread, NULL);
    close(r->fd);
}

/* Replaces every `key` in `buf` (of `cap` bytes) by `value`; false if it does not fit. */
static bool replace_all(char *buf, size_t cap, const char *key, const char *value)
{
    char out[1024];
    size_t n = 0;
    const char *text = buf, *at;
    while ((at = strstr(text, key)) != NULL) {
        int wrote = snprintf(out + n, sizeof out - n, "%.*s%s", (int)(at - text), text, value);
        if (wrote < 0 || (size_t)wrote >= sizeof out - n) {
            return false;
        }
        n += (size_t)wrote;
        text = at + strlen(key);
    }
    int wrote = snprintf(out + n, sizeof out - n, "%s", text);
    if (wrote < 0 || (size_t)wrote >= sizeof out - n || n + (size_t)wrote >= cap) {
        return false;
    }
    memcpy(buf, out, n + (size_t)wrote + 1);
    return true;
}

/* Appends code point `cp` as UTF-8. */
static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* The strings of the file's "inputs" array (the escapes json.dumps writes with
 * ensure_ascii: \\ \" \t \n \r \uXXXX in the BMP). Returns how many, -1 on error. */
static int read_inputs(test_ctx *t, char **inputs, int max)
{
    const char *json = read_file(t, HOSTILE_INPUTS, NULL);
    const char *p = json != NULL ? strstr(json, "\"inputs\"") : NULL;
    if (p == NULL || (p = strchr(p, '[')) == NULL) {
        return -1;
    }
    int count = 0;
    for (p++; *p != '\0' && *p != ']'; p++) {
        if (*p != '"') {
            continue;
        }
        char buf[512];
        size_t n = 0;
        for (p++; *p != '"' && *p != '\0' && n < sizeof buf - 4; p++) {
            if (*p != '\\') {
                buf[n++] = *p;
                continue;
            }
            p++;
            switch (*p) {
            case 't': buf[n++] = '\t'; break;
            case 'n': buf[n++] = '\n'; break;
            case 'r': buf[n++] = '\r'; break;
            case 'u': {
                char hex[5] = {0};
                memcpy(hex, p + 1, 4);
                n += put_utf8(buf + n, (unsigned)strtoul(hex, NULL, 16));
                p += 4;
                break;
            }
            default: buf[n++] = *p; break; /* \\ \" \/ */
            }
        }
        buf[n] = '\0';
        if (count == max) {
            return -1;
        }
        inputs[count++] = arena_dup(t, buf);
    }
    return count;
}

static void hostile_paths_deliver_no_token(test_ctx *t)
{
    CHECK(standard_setup(t, NULL));
    CHECK_OK(concur_manager_exchange(t->manager, NULL));
    recorder thief, other_port;
    CHECK(recorder_start(&thief, "127.0.0.2"));
    if (!recorder_start(&other_port, "127.0.0.1")) {
        recorder_stop(&thief);
        CHECK(false);
    }
    char *inputs[128];
    int count = read_inputs(t, inputs, 128);
    char thief_port[16], other_port_port[16];
    snprintf(thief_port, sizeof thief_port, "%d", thief.port);
    snprintf(other_port_port, sizeof other_port_port, "%d", other_port.port);
    const char *fills[][2] = {
        {"{thiefport}", thief_port},          {"{thief}", thief.authority},
        {"{loopport}", other_port_port},      {"{loop}", other_port.authority},
        {"{fake}", t->fake.url + strlen("http://")},
    };
    int refused = 0, unfilled = 0;
    for (int i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s", inputs[i]);
        for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
            if (!replace_all(path, sizeof path, fills[f][0], fills[f][1])) {
                unfilled++;
            }
        }
        uint16_t http = 0;
        char *body = NULL;
        concur_status status = concur_manager_request(t->manager, "GET", path, NULL, &http, &body);
        if (status != CONCUR_STATUS_OK) {
            refused++;
        }
        concur_string_free(body);
    }
    recorder_stop(&thief);
    recorder_stop(&other_port);
    CHECK(count >= 50);
    CHECK(unfilled == 0);
    CHECK(refused >= 45);
    CHECK(thief.connections == 0);
    CHECK(other_port.connections == 0);
    CHECK(thief.authorizations + other_port.authorizations == 0);
}

const test_case token_destination_tests[] = {
    {"token_destinations_hostile_paths_deliver_no_token", hostile_paths_deliver_no_token},
};
const size_t token_destination_tests_len = sizeof token_destination_tests / sizeof token_destination_tests[0];
