/* interrupt.c — Ctrl-C during training: the first SIGINT (or a SIGTERM) only
 * sets a flag, which the training loop checks between steps to save a
 * checkpoint and stop cleanly; the handler is then reset, so a second Ctrl-C
 * ends the program at once. Outside training (loading, scoring, writing
 * results, all to temporary files renamed when done) there is nothing to save:
 * the signals keep their default action and end the program at once. */
#include <signal.h>
#include <string.h>
#include "tool.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

static void set_handler(void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void fg_interrupt_install(void) { set_handler(on_signal, SA_RESETHAND); }

void fg_interrupt_remove(void) { set_handler(SIG_DFL, 0); }

bool fg_interrupted(void) { return interrupted != 0; }
