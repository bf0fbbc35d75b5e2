/* progress.c — training and scoring progress on stderr: on a terminal a bar
 * redrawn in place with the rate, the time left and the current losses; in a
 * log file (stderr not a terminal) a plain line every 10 seconds. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "tool.h"

#define BAR 24

void fg_progress_start(fg_progress *p, const char *label, int64_t total, int64_t done) {
    *p = (fg_progress){.label = label, .total = total, .done = done, .start_done = done, .t0 = fg_now(),
                       .tty = isatty(2) != 0};
    p->last = p->t0;
}

/* "1:02:03" or "2:03" */
static void clock_text(double s, char *buf, size_t n) {
    long t = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void draw(fg_progress *p, const char *status, bool final) {
    double now = fg_now(), dt = now - p->t0;
    double rate = dt > 0 ? (double)(p->done - p->start_done) / dt : 0;
    char eta[32], spent[32];
    clock_text(rate > 0 ? (double)(p->total - p->done) / rate : 0, eta, sizeof eta);
    clock_text(dt, spent, sizeof spent);
    int pct = p->total ? (int)(100 * p->done / p->total) : 100;
    if (p->tty) {
        char bar[BAR + 1];
        int fill = p->total ? (int)(BAR * p->done / p->total) : BAR;
        for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
        bar[BAR] = 0;
        fprintf(stderr, "\r\033[K%s [%s] %3d%% %lld/%lld %.1f/s %s %s%s%s", p->label, bar, pct, (long long)p->done,
                (long long)p->total, rate, final ? "took" : "ETA", final ? spent : eta, status ? "  " : "",
                status ? status : "");
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %lld/%lld (%d%%), %.1f/s, %s %s%s%s\n", p->label, (long long)p->done,
                (long long)p->total, pct, rate, final ? "took" : "ETA", final ? spent : eta, status ? ", " : "",
                status ? status : "");
    }
    fflush(stderr);
    p->last = now;
}

void fg_progress_update(fg_progress *p, int64_t done, const char *status) {
    p->done = done;
    double now = fg_now();
    if (now - p->last >= (p->tty ? 0.2 : 10.0)) draw(p, status, false);
}

void fg_progress_end(fg_progress *p, const char *status) { draw(p, status, true); }
