/*
 * The benchmarks' HTTP/1.1 load generator in compiled code: the same open-loop schedule and
 * closed loop as bench/loadgen.py, at a fraction of its CPU per request.
 *
 * Why: the generator shares the machine's cores with the server it measures, so every
 * millisecond of CPU it spends on a request is taken from the server (in a real deployment the
 * clients are on other machines). One thread, one epoll set, non-blocking sockets: per request
 * a socket, a connect, one epoll registration, a write, the reads and a close, and nothing else
 * (a Go program doing the same spent as much CPU as the Python generator, most of it in its
 * runtime's threads waking one another).
 *
 * Each request goes on its own loopback connection ("Connection: close") and is read to the
 * end. Per request one tab-separated line is printed once the run is over: the index of its
 * path, its scheduled time (CLOCK_MONOTONIC seconds, the clock of Python's time.monotonic), its
 * latency from that time and how late the generator began sending it (ms), the status (0: no
 * answer), Retry-After, a JSON error's code and message as they appear between the quotes of
 * the JSON string (escapes undone by the reader), why there was no answer, and the server's own
 * time for it (its Server-Timing "app;dur", ms; -1 without one).
 *
 *   loadgen -addr 127.0.0.1:8000 -paths FILE -mode open -rate 160 -seconds 60 [-timeout 10]
 *   loadgen -addr 127.0.0.1:8000 -paths FILE -mode closed -clients 8 -seconds 10
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KEEP 16384   /* of an answer, its head and an error's JSON body; the rest is dropped */
#define FIELD 256    /* Retry-After, code, message, error: longer is cut */

typedef struct {
    int path;
    double scheduled, latency_ms, lag_ms;
    int status;
    double app_ms;  /* the server's own time for it (Server-Timing: app;dur=), -1 if absent */
    char retry_after[FIELD], code[FIELD], message[FIELD], error[FIELD];
} Result;

typedef struct Conn {
    int fd, client;  /* client: its closed-loop client, -1 in open loop */
    size_t result;
    double deadline;
    int written;
    size_t kept;
    struct Conn *prev, *next;  /* in order of start, which is the order of deadlines */
    char buf[KEEP];
} Conn;

static struct sockaddr_storage address;
static socklen_t address_len;
static char **paths;
static size_t n_paths;
static const char *host;
static Result *results;
static size_t n_results, cap_results;
static Conn *oldest, *newest;
static int epfd;
static double timeout_s = 10;
static char scratch[65536];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void copy_field(char *to, const char *from, size_t n) {
    if (n >= FIELD) n = FIELD - 1;
    for (size_t i = 0; i < n; i++) to[i] = (from[i] == '\t' || from[i] == '\n' || from[i] == '\r') ? ' ' : from[i];
    to[n] = 0;
}

static Result *new_result(int path, double scheduled) {
    if (n_results == cap_results) {
        cap_results = cap_results ? 2 * cap_results : 1024;
        results = realloc(results, cap_results * sizeof *results);
        if (!results) { perror("realloc"); exit(1); }
    }
    Result *r = &results[n_results++];
    memset(r, 0, sizeof *r);
    r->path = path;
    r->scheduled = scheduled;
    r->app_ms = -1;
    return r;
}

static void unlink_conn(Conn *c) {
    if (c->prev) c->prev->next = c->next; else oldest = c->next;
    if (c->next) c->next->prev = c->prev; else newest = c->prev;
}

static void fail(Result *r, const char *why) {
    copy_field(r->error, why, strlen(why));
    r->status = 0;
}

/* Starts the request for paths[path] scheduled at `at`; returns 0 when it could not start. */
static Conn *start(int path, double at, int client) {
    double begun = now();
    Result *r = new_result(path, at);
    r->lag_ms = (begun - at) * 1000;
    Conn *c = malloc(sizeof *c);
    if (!c) { perror("malloc"); exit(1); }
    c->result = r - results;
    c->client = client;
    c->deadline = begun + timeout_s;
    c->written = 0;
    c->kept = 0;
    c->fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&address, address_len) < 0 && errno != EINPROGRESS)) {
        fail(r, strerror(errno));
        r->latency_ms = (now() - at) * 1000;
        if (c->fd >= 0) close(c->fd);
        free(c);
        return NULL;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) { perror("epoll_ctl"); exit(1); }
    c->prev = newest;
    c->next = NULL;
    if (newest) newest->next = c; else oldest = c;
    newest = c;
    return c;
}

/* The JSON string value of "key" at or after p, as written between its quotes. */
static int json_string(const char *p, const char *end, const char *key, const char **value, size_t *len) {
    size_t klen = strlen(key);
    for (const char *q = p; q + klen + 2 <= end; q++) {
        if (*q != '"' || memcmp(q + 1, key, klen) || q[klen + 1] != '"') continue;
        q += klen + 2;
        while (q < end && (*q == ' ' || *q == ':' || *q == '\n' || *q == '\r' || *q == '\t')) q++;
        if (q >= end || *q != '"') return 0;
        const char *s = ++q;
        while (q < end && *q != '"') q += (*q == '\\') ? 2 : 1;
        if (q >= end) return 0;
        *value = s;
        *len = q - s;
        return 1;
    }
    return 0;
}

static void parse(Result *r, const char *raw, size_t n) {
    const char *end = raw + n, *head_end = memmem(raw, n, "\r\n\r\n", 4);
    const char *line_end = memmem(raw, n, "\r\n", 2);
    if (!line_end) line_end = end;
    const char *sp = memchr(raw, ' ', line_end - raw);
    char *after;
    long status = sp ? strtol(sp + 1, &after, 10) : 0;
    if (!sp || after == sp + 1 || status <= 0) {
        fail(r, "no status line");
        return;
    }
    r->status = (int)status;
    int json = 0;
    const char *body = head_end ? head_end + 4 : end;
    for (const char *line = line_end + 2; head_end && line < head_end;) {
        const char *eol = memmem(line, head_end + 2 - line, "\r\n", 2);
        const char *colon = memchr(line, ':', eol - line);
        if (colon) {
            const char *v = colon + 1;
            while (v < eol && *v == ' ') v++;
            size_t name = colon - line, vlen = eol - v;
            while (vlen && v[vlen - 1] == ' ') vlen--;
            if (name == 11 && !strncasecmp(line, "retry-after", 11)) copy_field(r->retry_after, v, vlen);
            if (name == 13 && !strncasecmp(line, "server-timing", 13)) {
                const char *dur = memmem(v, vlen, "app;dur=", 8);
                if (dur) r->app_ms = strtod(dur + 8, NULL);
            }
            if (name == 12 && !strncasecmp(line, "content-type", 12))
                json = vlen >= 16 && !strncasecmp(v, "application/json", 16);
        }
        line = eol + 2;
    }
    if (status >= 400 && json) {
        const char *v, *error = memmem(body, end - body, "\"error\"", 7);
        size_t len;
        if (error && json_string(error, end, "code", &v, &len)) {
            copy_field(r->code, v, len);
            if (json_string(error, end, "message", &v, &len)) copy_field(r->message, v, len);
        } else {
            copy_field(r->code, "unparseable", 11);
        }
    }
}

/* The request on c is over (answered, failed or timed out): record it and free c. */
static void finish(Conn *c, const char *why) {
    Result *r = &results[c->result];
    r->latency_ms = (now() - r->scheduled) * 1000;
    if (why) fail(r, why); else parse(r, c->buf, c->kept);
    close(c->fd);
    unlink_conn(c);
    free(c);
}

/* What the socket is ready for; returns 1 once the exchange is over. */
static int step(Conn *c, unsigned events) {
    if (!c->written && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        char request[8192];
        const char *path = paths[results[c->result].path];
        int len = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
        if (len >= (int)sizeof request) { finish(c, "request too long"); return 1; }
        if (write(c->fd, request, len) != len) { finish(c, strerror(errno)); return 1; }
        c->written = 1;
    }
    if (!c->written || !(events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) return 0;
    for (;;) {
        size_t room = c->kept < KEEP ? KEEP - c->kept : sizeof scratch;
        ssize_t n = read(c->fd, c->kept < KEEP ? c->buf + c->kept : scratch, room);
        if (n > 0) {
            if (c->kept < KEEP) c->kept += n;
            /* Edge-triggered: what arrives after a short read raises a new event, so unless
               the server has closed, a short read means wait (not one more read to EAGAIN). */
            if ((size_t)n < room && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return 0;
            continue;
        }
        if (n == 0) { finish(c, NULL); return 1; }
        if (errno == EAGAIN) return 0;
        if (errno == EINTR) continue;
        finish(c, strerror(errno));
        return 1;
    }
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen -addr HOST:PORT -paths FILE [-mode open|closed] [-rate R] [-clients N] [-seconds S] [-timeout S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1:8000", *paths_file = NULL, *mode = "open";
    double rate = 10, seconds = 10;
    int clients = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-addr")) addr = argv[i + 1];
        else if (!strcmp(argv[i], "-paths")) paths_file = argv[i + 1];
        else if (!strcmp(argv[i], "-mode")) mode = argv[i + 1];
        else if (!strcmp(argv[i], "-rate")) rate = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "-clients")) clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "-timeout")) timeout_s = atof(argv[i + 1]);
        else usage();
    }
    int open_loop = !strcmp(mode, "open");
    if (!paths_file || (!open_loop && strcmp(mode, "closed")) || rate <= 0 || clients <= 0) usage();

    FILE *f = fopen(paths_file, "r");
    if (!f) { perror(paths_file); return 2; }
    size_t cap = 1024;
    paths = malloc(cap * sizeof *paths);
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (!len) continue;
        if (n_paths == cap) paths = realloc(paths, (cap *= 2) * sizeof *paths);
        paths[n_paths++] = strdup(line);
    }
    fclose(f);
    if (!n_paths) { fprintf(stderr, "no paths in %s\n", paths_file); return 2; }

    char *hostport = strdup(addr), *colon = strrchr(hostport, ':');
    if (!colon) usage();
    *colon = 0;
    host = hostport;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int gai = getaddrinfo(hostport, colon + 1, &hints, &ai);
    if (gai) { fprintf(stderr, "%s: %s\n", addr, gai_strerror(gai)); return 2; }
    memcpy(&address, ai->ai_addr, ai->ai_addrlen);
    address_len = ai->ai_addrlen;
    freeaddrinfo(ai);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) { perror("epoll_create1"); return 1; }
    size_t total = open_loop ? (size_t)(rate * seconds) : 0, sent = 0;
    double begin = now() + (open_loop ? 0.2 : 0), until = begin + seconds;
    if (!open_loop)
        for (int k = 0; k < clients; k++) start(k % n_paths, now(), k);
    /* A closed-loop client whose request could not even start is restarted on the next pass. */
    int *idle = calloc(clients, sizeof *idle), *next_path = malloc(clients * sizeof *next_path);
    for (int k = 0; k < clients; k++) next_path[k] = k + clients;
    struct epoll_event events[256];
    for (;;) {
        double t = now();
        if (open_loop)
            while (sent < total && begin + sent / rate <= t) {
                start(sent % n_paths, begin + sent / rate, -1);
                sent++;
            }
        while (oldest && oldest->deadline <= t) {
            char why[64];
            snprintf(why, sizeof why, "no answer within %g s", timeout_s);
            int client = oldest->client;
            finish(oldest, why);
            if (client >= 0) idle[client] = 1;
        }
        if (!open_loop)
            for (int k = 0; k < clients; k++)
                if (idle[k] && t < until) {
                    idle[k] = 0;
                    if (!start(next_path[k] % n_paths, now(), k)) idle[k] = 1;
                    next_path[k] += clients;
                }
        int more = open_loop ? sent < total : t < until;
        if (!more && !oldest) break;
        double wake = oldest ? oldest->deadline : t + 1;
        if (open_loop && sent < total && begin + sent / rate < wake) wake = begin + sent / rate;
        if (!open_loop && t >= until && !oldest) break;
        double wait = wake - now();
        if (wait < 0) wait = 0;
        struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
        int n = epoll_pwait2(epfd, events, 256, &ts, NULL);
        if (n < 0 && errno != EINTR) { perror("epoll_pwait2"); return 1; }
        for (int i = 0; i < n; i++) {
            Conn *c = events[i].data.ptr;
            int client = c->client;
            if (step(c, events[i].events) && client >= 0) idle[client] = 1;
        }
    }

    for (size_t i = 0; i < n_results; i++) {
        Result *r = &results[i];
        printf("%d\t%.6f\t%.3f\t%.3f\t%d\t%s\t%s\t%s\t%s\t%.3f\n", r->path, r->scheduled, r->latency_ms,
               r->lag_ms, r->status, r->retry_after, r->code, r->message, r->error, r->app_ms);
    }
    return fflush(stdout) ? 1 : 0;
}
