/* chan_abuse: breaks the mailbox protocol on purpose, one way per mode, to
 * check that the simulator faults the app for the right reason and goes
 * on (tests/misbehave.sh).
 *
 * Usage: chan_abuse MODE
 *   overrun        (mailbox transport) moves the operation-mark ring's
 *                  head more than the ring holds past what the simulator
 *                  read, then makes a syscall: "operation marks overran
 *                  their ring in the mailbox"
 *   nowait         (mailbox transport) arms an alarm 1 s ahead, posts a
 *                  yield by hand, waits until the simulator has taken it
 *                  (it answers another app: this app's blocked word is
 *                  set) and writes another request into its mailbox: when
 *                  the alarm's upcall answers the yield, "app does not
 *                  wait for its answers"
 *   doorbell_args  (either transport) rings a DOORBELL that carries
 *                  arguments: "DOORBELL with arguments"
 */
#define _GNU_SOURCE 1 /* raw_channel.h uses ipcsim_mbox.h */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libtock/tock.h>

#include "../raw_channel.h"

static void fired(int a, int b, int c, void *d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    struct ipcsim_mbox *mb = raw_mailbox();
    if (strcmp(mode, "doorbell_args") == 0) {
        printf("about to ring with arguments\n");
        struct ipcsim_msg bell = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, 0);
        bell.a[0] = 1;
        raw_send(&bell, sizeof(bell));
        /* the simulator reads the socket before this app's next request */
        syscall_return_t r = command(0, 0, 0, 0);
        (void)r;
        printf("still alive?\n");
        return 0;
    }
    if (mb == NULL) {
        printf("%s needs the mailbox transport\n", mode);
        return 1;
    }
    if (strcmp(mode, "overrun") == 0) {
        printf("about to overrun the ring\n");
        atomic_fetch_add(&mb->op_head, IPCSIM_MBOX_OPS + 1);
        syscall_return_t r = command(0, 0, 0, 0);
        (void)r;
        printf("still alive?\n");
        return 0;
    }
    if (strcmp(mode, "nowait") == 0) {
        /* the alarm driver (0), its upcall due in 1000 ms: it will answer
         * the yield posted below */
        subscribe_return_t sr = subscribe(0, 0, fired, NULL);
        (void)sr;
        syscall_return_t hz = command(0, 1, 0, 0);
        syscall_return_t set = command(0, 5, hz.data[0], 0);
        (void)set;
        printf("about to post two requests\n");
        fflush(stdout);
        uint32_t rep = atomic_load(&mb->rep_seq);
        struct ipcsim_msg y = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 0);
        y.a[0] = 0; /* yield */
        y.a[1] = 1; /* wait */
        raw_request(&y);
        /* the simulator took the yield once it answers another app: it
         * then sets this app's blocked word (ipcsim_mbox.h). The next
         * request, written before the yield is answered, breaks the
         * protocol. */
        while (!atomic_load(&mb->blocked))
            usleep(50);
        if (atomic_load(&mb->rep_seq) != rep) {
            printf("the yield was answered first\n");
            return 1;
        }
        struct ipcsim_msg c = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 0);
        c.a[0] = 2; /* command 0, 0 */
        raw_request(&c);
        for (;;)
            pause(); /* the simulator ends this process */
    }
    printf("unknown mode \"%s\"\n", mode);
    return 1;
}
