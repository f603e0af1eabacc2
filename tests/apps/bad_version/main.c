/* bad_version: sends a well-sized message with a protocol version the
 * simulator does not speak. */
#include <stdio.h>
#include <sys/socket.h>

#include "ipcsim_proto.h"

int main(void)
{
    printf("about to send a version 99 message\n");
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 1);
    m.version = 99;
    send(IPCSIM_FD_CHANNEL, &m, sizeof(m), 0);
    printf("still alive?\n");
    return 0;
}
