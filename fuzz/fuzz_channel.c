/* fuzz_channel.c: libFuzzer target for the channel decoder. Each input is
 * one datagram received from an app: ipcsim_msg_check() and the runner's
 * run_decode_msg() (sim/runner.h) decode it as the runner does before it
 * looks at any process state.
 *
 * The input is handed over in a buffer of exactly its own size, so a read
 * beyond a short message is reported; the runner itself receives into a
 * larger buffer and passes the length recv() returned. The target also
 * checks that what the decoder accepts meets the rules of ipcsim_proto.h.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcsim_proto.h"
#include "runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_channel: %s\n", what);
    abort();
}

static void check_decoded(const struct ipcsim_msg *m, const struct run_msg *d)
{
    if (ipcsim_msg_type_name(m->type) == NULL || m->magic != IPCSIM_PROTO_MAGIC ||
        m->version != IPCSIM_PROTO_VERSION || m->reserved != 0)
        fuzz_fail("a message with a bad header was accepted");
    switch (d->kind) {
    case RUN_MSG_FORBIDDEN:
        if (m->type != IPCSIM_MSG_START && m->type != IPCSIM_MSG_RETURN &&
            m->type != IPCSIM_MSG_UPCALL)
            fuzz_fail("a message an app may send was refused");
        if (d->bad == NULL)
            fuzz_fail("a refused message without a reason");
        break;
    case RUN_MSG_HELLO:
        if (m->type != IPCSIM_MSG_HELLO)
            fuzz_fail("HELLO decoded from another type");
        if (d->bad == NULL &&
            (d->data_hi <= d->data_lo || d->ro_hi <= d->ro_lo || d->data_lo % 4096 != 0 ||
             d->data_hi % 4096 != 0 || d->ro_lo % 4096 != 0 || d->ro_hi % 4096 != 0 ||
             d->data_hi - d->data_lo > (64u << 20) || d->ro_hi - d->ro_lo > (256u << 20) ||
             d->text_hi <= d->text_lo))
            fuzz_fail("HELLO with impossible segment ranges accepted");
        break;
    case RUN_MSG_FAULT:
        if (m->type != IPCSIM_MSG_FAULT || d->bad != NULL)
            fuzz_fail("FAULT decoded wrongly");
        if (d->fault_reason[0] == '\0' ||
            memchr(d->fault_reason, '\0', sizeof d->fault_reason) == NULL)
            fuzz_fail("FAULT without a reason");
        if ((d->fault_kind == KM_FAULT_MEMORY) !=
            (d->fault_signal == SIGSEGV || d->fault_signal == SIGBUS))
            fuzz_fail("FAULT classified wrongly");
        break;
    case RUN_MSG_OP:
        if (m->type != IPCSIM_MSG_OP)
            fuzz_fail("OP decoded from another type");
        if (d->bad == NULL &&
            (ipcsim_op_kind_name(d->op_kind) == NULL || (d->op_begin && d->op_status != 0)))
            fuzz_fail("a malformed operation mark accepted");
        break;
    case RUN_MSG_DOORBELL: {
        bool args = false;
        for (int i = 0; i < IPCSIM_MSG_NARGS; i++)
            args |= m->a[i] != 0;
        if (m->type != IPCSIM_MSG_DOORBELL || (d->bad != NULL) != args)
            fuzz_fail("DOORBELL decoded wrongly");
        break;
    }
    case RUN_MSG_SYSCALL:
        if (m->type != IPCSIM_MSG_SYSCALL || d->bad != NULL)
            fuzz_fail("SYSCALL decoded wrongly");
        break;
    case RUN_MSG_COMPUTE:
    case RUN_MSG_PREEMPTED:
    case RUN_MSG_COPY:
        if (m->type != IPCSIM_MSG_COMPUTE || d->bad != NULL || d->amount != m->a[0])
            fuzz_fail("COMPUTE decoded wrongly");
        break;
    default:
        fuzz_fail("a well-formed message decoded to no kind");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        return 0;
    if (size > 0)
        memcpy(buf, data, size);
    const struct ipcsim_msg *m = (const struct ipcsim_msg *)(void *)buf;
    const char *bad = ipcsim_msg_check(m, size);
    struct run_msg d;
    run_decode_msg(m, size, &d);
    if ((bad != NULL) != (d.kind == RUN_MSG_INVALID))
        fuzz_fail("the decoder and ipcsim_msg_check disagree");
    if (d.kind == RUN_MSG_INVALID && d.bad == NULL)
        fuzz_fail("an invalid message without a reason");
    if (d.kind != RUN_MSG_INVALID)
        check_decoded(m, &d);
    free(buf);
    return 0;
}
