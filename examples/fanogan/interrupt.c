/* interrupt.c — Ctrl-C during training: the first SIGINT (or a SIGTERM) only
 * sets a flag, which the training loop checks between steps to save a
 * checkpoint and stop cleanly; the handler is then reset, so a second Ctrl-C
 * ends the program at once. */
#include <signal.h>
#include <string.h>
#include "tool.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

void fg_interrupt_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool fg_interrupted(void) { return interrupted != 0; }
