/* flood: sends thousands of syscall messages without waiting for the
 * answers, as a runaway app might; the simulator must fault it and go on. */
#define _GNU_SOURCE 1 /* raw_channel.h uses ipcsim_mbox.h */
#include <stdio.h>

#include "../raw_channel.h"

int main(void)
{
    printf("flooding\n");
    for (unsigned i = 0; i < 20000; i++) {
        struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 2000 + i);
        m.a[0] = 2;   /* command */
        m.a[1] = 0x2; /* led */
        m.a[2] = 0;   /* count */
        if (!raw_request(&m))
            break;
    }
    printf("still alive?\n");
    return 0;
}
