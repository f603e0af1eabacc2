/* gen_channel_seeds.c: writes the seed inputs of fuzz_channel into a
 * directory: one well-formed message of each kind an app sends, one the
 * simulator sends, and a short and a long datagram.
 *
 * Usage: gen_channel_seeds <dir>
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ipcsim_proto.h"

static int put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static int put_msg(const char *dir, const char *name, const struct ipcsim_msg *m)
{
    return put(dir, name, m, sizeof *m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int bad = 0;
    struct ipcsim_msg m;

    m = ipcsim_msg_make(IPCSIM_MSG_HELLO, 0);
    m.a[IPCSIM_HELLO_PID] = 4242;
    m.a[IPCSIM_HELLO_DATA_LO] = 0x555555560000u;
    m.a[IPCSIM_HELLO_DATA_HI] = 0x555555562000u;
    m.a[IPCSIM_HELLO_RO_LO] = 0x555555554000u;
    m.a[IPCSIM_HELLO_RO_HI] = 0x555555556000u;
    m.a[IPCSIM_HELLO_TEXT_LO] = 0x555555556000u;
    m.a[IPCSIM_HELLO_TEXT_HI] = 0x55555555a123u;
    bad |= put_msg(dir, "hello", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 7);
    m.a[0] = 2; /* command */
    m.a[1] = 1; /* console */
    m.a[2] = 1;
    m.a[3] = 12;
    bad |= put_msg(dir, "syscall_command", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 8);
    m.a[0] = 0; /* yield-wait */
    m.a[1] = 1;
    bad |= put_msg(dir, "syscall_yield", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_COMPUTE, 9);
    m.a[0] = 5000;
    bad |= put_msg(dir, "compute", &m);
    m.a[1] = IPCSIM_COMPUTE_PREEMPTED;
    bad |= put_msg(dir, "compute_preempted", &m);
    m.a[0] = 256;
    m.a[1] = IPCSIM_COMPUTE_COPY;
    bad |= put_msg(dir, "compute_copy", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_FAULT, 10);
    m.a[0] = SIGSEGV;
    m.a[1] = 0x20004000u;
    m.a[2] = IPCSIM_ACCESS_WRITE;
    m.a[3] = 0x555555557abcu;
    bad |= put_msg(dir, "fault_segv", &m);
    m.a[0] = SIGABRT;
    m.a[2] = IPCSIM_ACCESS_UNKNOWN;
    bad |= put_msg(dir, "fault_abort", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_OP, 11);
    m.a[0] = IPCSIM_OP_BEGIN;
    m.a[1] = IPCSIM_OP_CALL;
    bad |= put_msg(dir, "op_begin", &m);
    m.a[0] = IPCSIM_OP_END;
    m.a[2] = (uint32_t)-4; /* a libtock error code */
    bad |= put_msg(dir, "op_end", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, 14);
    bad |= put_msg(dir, "doorbell", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_RETURN, 12);
    bad |= put_msg(dir, "return", &m);

    m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 13);
    bad |= put(dir, "short", &m, sizeof m - 8);
    unsigned char big[sizeof m + 16];
    memset(big, 0, sizeof big);
    memcpy(big, &m, sizeof m);
    bad |= put(dir, "long", big, sizeof big);
    return bad;
}
