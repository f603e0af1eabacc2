/* garbage: prints a line, then writes bytes that are no protocol message
 * onto its channel, to check that the simulator faults it and goes on. */
#define _GNU_SOURCE 1 /* raw_channel.h uses ipcsim_mbox.h */
#include <stdio.h>

#include "../raw_channel.h"

int main(void)
{
    printf("about to send garbage\n");
    static const char junk[] = "this is not a syscall message";
    raw_send(junk, sizeof(junk));
    printf("still alive?\n");
    return 0;
}
