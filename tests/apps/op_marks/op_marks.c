/* op_marks: marks operations of known virtual duration for the metrics
 * tests (tests/metrics_check.py), or a malformed mark.
 *
 * Usage: op_marks [mode]
 *   dist     (default) 100 calls of 1000, 2000, ..., 100000 cycles of
 *            declared computation; 9 notifications of two syscalls each,
 *            5 ok, 3 ENOACK, 1 ENODEVICE; two nested connects of 15 and
 *            10 cycles; a share end without a begin; a serve left open
 *            at exit
 *   garbage  a mark of an operation kind that does not exist
 *   burst    200 empty notify operations (400 marks) with no syscall
 *            between them: more than the mailbox's ring of 64 holds, so
 *            the app must wait for room while the simulator empties it
 *   copy     one call around a declared copy of 1000 bytes
 *            (ipcsim_compute_copy), one around a declared copy of 0
 */
#include <stdio.h>
#include <string.h>

#include <libtock/tock.h>

#include "ipcsim/app.h"

static void two_syscalls(void)
{
    /* "does the alarm driver exist", twice */
    syscall_return_t a = command(0, 0, 0, 0);
    syscall_return_t b = command(0, 0, 0, 0);
    (void)a;
    (void)b;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "garbage") == 0) {
        printf("about to send a bad mark\n");
        ipcsim_op_begin((enum ipcsim_op)99);
        printf("still alive?\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "burst") == 0) {
        for (int i = 0; i < 200; i++) {
            ipcsim_op_begin(IPCSIM_OP_KIND_NOTIFY);
            ipcsim_op_end(IPCSIM_OP_KIND_NOTIFY, 0);
        }
        printf("burst done\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "copy") == 0) {
        ipcsim_op_begin(IPCSIM_OP_KIND_CALL);
        ipcsim_compute_copy(1000);
        ipcsim_op_end(IPCSIM_OP_KIND_CALL, RETURNCODE_SUCCESS);
        ipcsim_op_begin(IPCSIM_OP_KIND_CALL);
        ipcsim_compute_copy(0);
        ipcsim_op_end(IPCSIM_OP_KIND_CALL, RETURNCODE_SUCCESS);
        printf("op_marks done\n");
        return 0;
    }
    for (unsigned i = 1; i <= 100; i++) {
        ipcsim_op_begin(IPCSIM_OP_KIND_CALL);
        ipcsim_compute(1000u * i);
        ipcsim_op_end(IPCSIM_OP_KIND_CALL, RETURNCODE_SUCCESS);
    }
    static const int outcome[] = {0, RETURNCODE_ENOACK, 0, RETURNCODE_ENODEVICE,
                                  0, RETURNCODE_ENOACK, 0, RETURNCODE_ENOACK,
                                  0};
    for (unsigned i = 0; i < sizeof(outcome) / sizeof(outcome[0]); i++) {
        ipcsim_op_begin(IPCSIM_OP_KIND_NOTIFY);
        two_syscalls();
        ipcsim_op_end(IPCSIM_OP_KIND_NOTIFY, outcome[i]);
    }
    ipcsim_op_begin(IPCSIM_OP_KIND_CONNECT);
    ipcsim_compute(5);
    ipcsim_op_begin(IPCSIM_OP_KIND_CONNECT);
    ipcsim_compute(10);
    ipcsim_op_end(IPCSIM_OP_KIND_CONNECT, RETURNCODE_SUCCESS);
    ipcsim_op_end(IPCSIM_OP_KIND_CONNECT, RETURNCODE_SUCCESS);
    ipcsim_op_end(IPCSIM_OP_KIND_SHARE, RETURNCODE_SUCCESS);
    ipcsim_op_begin(IPCSIM_OP_KIND_SERVE);
    printf("op_marks done\n");
    return 0;
}
