/* garbage: prints a line, then writes bytes that are no protocol message
 * onto its channel, to check that the simulator faults it and goes on. */
#include <stdio.h>
#include <sys/socket.h>

#include "ipcsim_proto.h"

int main(void)
{
    printf("about to send garbage\n");
    static const char junk[] = "this is not a syscall message";
    send(IPCSIM_FD_CHANNEL, junk, sizeof(junk), 0);
    printf("still alive?\n");
    return 0;
}
