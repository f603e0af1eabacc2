/* die_mid_syscall: issues a yield-wait syscall by hand and exits before the
 * kernel answers, as if the app died in the middle of a syscall. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcsim_proto.h"

int main(void)
{
    printf("dying inside a syscall\n");
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 1000);
    m.a[0] = 0; /* yield */
    m.a[1] = 1; /* wait */
    send(IPCSIM_FD_CHANNEL, &m, sizeof(m), 0);
    _exit(3);
}
