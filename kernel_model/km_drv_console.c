/* km_drv_console.c: the console driver 0x1 (capsules/core/src/console.rs):
 * command 1 writes read-only allow 1 through one shared UART in chunks of
 * 64 bytes, then upcall 1 (written, 0, 0). Bytes reach the outside world
 * (a KM_EV_CONSOLE event) when their chunk has finished transmitting.
 *
 * Reading (command 2) needs an input source the simulator does not have
 * yet, so it answers NOSUPPORT; command 3 (abort read) succeeds.
 */
#include "km_internal.h"

#include <string.h>

#define CONSOLE_NUM 0x1u
/* 115200 baud, 8N1: 10 bit times per byte. */
#define CONSOLE_BAUD 115200u
#define CONSOLE_BITS_PER_BYTE 10u

/* grant driver_state words (the capsule's App struct) */
enum { CO_WRITE_LEN = 0, CO_WRITE_REMAINING = 1, CO_PENDING_WRITE = 2 };

static uint64_t console_tx_cycles(const struct km_kernel *k, uint32_t bytes)
{
    return k->cfg.clock_hz * CONSOLE_BITS_PER_BYTE * bytes / CONSOLE_BAUD;
}

/* console.rs send(): put the next chunk of p's write on the wire, or mark
 * the write pending if the UART is busy. */
static void console_send(struct km_kernel *k, struct km_process *p, struct km_grant *g)
{
    if (k->console_tx_proc >= 0) {
        g->driver_state[CO_PENDING_WRITE] = 1;
        return;
    }
    uint32_t len = (uint32_t)g->driver_state[CO_WRITE_LEN];
    uint32_t remaining = (uint32_t)g->driver_state[CO_WRITE_REMAINING];
    uint32_t off = len - remaining;
    uint32_t n = remaining < sizeof(k->console_chunk) ? remaining : sizeof(k->console_chunk);
    const uint8_t *src = NULL;
    if (off + n <= g->ro[1].len)
        src = km_mem_ptr(k, g->ro[1].ptr + off, n);
    if (src == NULL && n > 0) {
        /* the buffer shrank under the write: end it (upstream does too) */
        g->driver_state[CO_WRITE_LEN] = len - remaining;
        g->driver_state[CO_WRITE_REMAINING] = 0;
        n = 0;
    } else {
        if (n)
            memcpy(k->console_chunk, src, n);
        g->driver_state[CO_WRITE_REMAINING] = remaining - n;
    }
    k->console_chunk_len = n;
    k->console_tx_proc = p->index;
    k->console_tx_pid = p->process_id;
    km_timer_arm(k, -1, CONSOLE_NUM, (uint64_t)p->index, k->now + console_tx_cycles(k, n));
}

static void console_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                            uint32_t a2, struct km_regs *ret)
{
    (void)a2;
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, CONSOLE_NUM, true, &err);
    if (g == NULL) {
        km_ret_failure(ret, err);
        return;
    }
    switch (cmd) {
    case 0:
        km_ret_success(ret);
        break;
    case 1: {
        uint32_t len = a1 < g->ro[1].len ? a1 : g->ro[1].len;
        g->driver_state[CO_WRITE_LEN] = len;
        g->driver_state[CO_WRITE_REMAINING] = len;
        console_send(k, p, g);
        km_ret_success(ret);
        break;
    }
    case 2:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    case 3:
        km_ret_success(ret);
        break;
    default:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
}

/* transmitted_buffer(): a chunk is out. Its bytes left the UART whether or
 * not their writer is still there; the writer (the same incarnation, not a
 * restarted one) continues or finishes its write; then the next pending
 * write starts (lowest process index first, the grant iteration order). */
static void console_timer(struct km_kernel *k, struct km_process *unused, uint64_t tag)
{
    (void)unused;
    struct km_process *p = km_proc(k, (int)tag);
    uint32_t pid = k->console_tx_pid;
    k->console_tx_proc = -1;
    if (p == NULL)
        return;
    if (k->console_chunk_len) {
        struct km_event ev = {.kind = KM_EV_CONSOLE, .time = k->now, .proc = p->index};
        ev.u.console.data = k->console_chunk;
        ev.u.console.len = k->console_chunk_len;
        km_emit(k, &ev);
    }
    struct km_grant *g = p->process_id == pid ? km_grant_get(k, p, CONSOLE_NUM, false, NULL) : NULL;
    if (g != NULL) {
        if (g->driver_state[CO_WRITE_REMAINING] > 0) {
            console_send(k, p, g);
            return;
        }
        uint32_t written = (uint32_t)g->driver_state[CO_WRITE_LEN];
        g->driver_state[CO_WRITE_LEN] = 0;
        km_schedule_upcall(k, p, CONSOLE_NUM, 1, written, 0, 0);
    }
    for (unsigned i = 0; i < k->nprocs && k->console_tx_proc < 0; i++) {
        struct km_process *q = &k->procs[i];
        struct km_grant *qg = km_grant_get(k, q, CONSOLE_NUM, false, NULL);
        if (qg && qg->driver_state[CO_PENDING_WRITE]) {
            qg->driver_state[CO_PENDING_WRITE] = 0;
            console_send(k, q, qg);
        }
    }
}

const struct km_driver_ops km_drv_console_ops = {
    .num = CONSOLE_NUM,
    .has_grant = true,
    .name = "console",
    .n_upcalls = 3,
    .n_ro = 2,
    .n_rw = 2,
    .command = console_command,
    .timer = console_timer,
};
