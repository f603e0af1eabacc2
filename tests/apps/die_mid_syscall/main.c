/* die_mid_syscall: issues a syscall by hand and exits before the kernel
 * answers, as if the app died in the middle of it. argv[1] "command" (the
 * default: a non-blocking syscall, so the kernel is waiting on this very
 * app) or "yield" (yield-wait: the app is blocked when its process goes,
 * and the kernel only learns it if it ever dispatches the app again). */
#define _GNU_SOURCE 1 /* raw_channel.h uses ipcsim_mbox.h */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../raw_channel.h"

int main(int argc, char **argv)
{
    bool yield = argc > 1 && strcmp(argv[1], "yield") == 0;
    printf("dying inside a syscall\n");
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 1000);
    if (yield) {
        m.a[0] = 0; /* yield */
        m.a[1] = 1; /* wait */
    } else {
        m.a[0] = 2;   /* command */
        m.a[1] = 0x2; /* led */
        m.a[2] = 0;   /* count */
    }
    raw_request(&m);
    _exit(3);
}
