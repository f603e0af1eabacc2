/* bad_version: sends a well-sized message with a protocol version the
 * simulator does not speak. */
#define _GNU_SOURCE 1 /* raw_channel.h uses ipcsim_mbox.h */
#include <stdio.h>

#include "../raw_channel.h"

int main(void)
{
    printf("about to send a version 99 message\n");
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 1);
    m.version = 99;
    raw_send(&m, sizeof(m));
    printf("still alive?\n");
    return 0;
}
