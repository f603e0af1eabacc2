/* shim_sys.c: the architecture-specific syscall entry points of libtock-c
 * (yield, subscribe, command, allow, memop, exit) implemented by sending a
 * message to the simulator and blocking for its answer. Upcalls come back
 * inside yield's answer and run here, on the app's own stack, as on Tock.
 */
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcsim/app.h"
#include "ipcsim_mbox.h"
#include "libtock/tock.h"

static uint32_t shim_seq;

/* The channel's buffers live outside simulated memory: the app's stack and
 * data may sit on pages the MPU view keeps inaccessible (a partly
 * accessible page is trapped and single-stepped, which works for the app's
 * own instructions but not for the host kernel reading a send buffer). */
static struct ipcsim_msg *shim_io;

static struct ipcsim_msg *shim_io_buf(void)
{
    if (shim_io == NULL) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(121);
        shim_io = p;
    }
    return shim_io;
}

/* Sends m over the channel socket without waiting (async-signal-safe: the
 * fault handler sends too; its message is on the alternate stack, outside
 * simulated memory). */
static void shim_sock_send(const struct ipcsim_msg *m)
{
    for (;;) {
        ssize_t n = send(IPCSIM_FD_CHANNEL, m, sizeof(*m), MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof(*m))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EFAULT)
            abort(); /* a shim bug: report it as a crash */
        _exit(0);    /* the simulator is gone */
    }
}

static void shim_sock_recv(struct ipcsim_msg *reply)
{
    struct ipcsim_msg *io = shim_io_buf();
    for (;;) {
        ssize_t n = recv(IPCSIM_FD_CHANNEL, &io[1], sizeof(io[1]), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the simulator closed the channel: we are done */
        if (ipcsim_msg_check(&io[1], (size_t)n) != NULL)
            raise(SIGABRT); /* a broken simulator; report it as a crash */
        *reply = io[1];
        return;
    }
}

/* ---- Transports (ipcsim_proto.h): how an exchange reaches the simulator */

struct shim_transport {
    const char *name;
    /* m is in host memory outside simulated SRAM; the answer goes to reply */
    void (*exchange)(const struct ipcsim_msg *m, struct ipcsim_msg *reply);
    /* a message that gets no answer (FAULT) */
    void (*send)(const struct ipcsim_msg *m);
    /* an operation mark (OP) */
    void (*mark)(const struct ipcsim_msg *m);
};

static void shim_sock_exchange(const struct ipcsim_msg *m, struct ipcsim_msg *reply)
{
    shim_sock_send(m);
    shim_sock_recv(reply);
}

static const struct shim_transport shim_socket_transport = {
    .name = "socket",
    .exchange = shim_sock_exchange,
    .send = shim_sock_send,
    .mark = shim_sock_send,
};

/* The mailbox (ipcsim_mbox.h): requests and answers in shared memory; the
 * socket carries what gets no answer, and the doorbell when the simulator
 * has stopped polling. */
static struct ipcsim_mbox *shim_mb;
static uint32_t shim_mb_rep; /* the last answer's sequence number */
static struct ipcsim_mbox_spin shim_mb_spin;

/* Wakes a simulator that stopped polling: a DOORBELL on the socket, built
 * like every message outside simulated memory (the app's stack may be on
 * a page the host cannot hand to the kernel). */
static void shim_mb_bell(uint32_t seq)
{
    struct ipcsim_msg *bell = &shim_io_buf()[3];
    *bell = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, seq);
    shim_sock_send(bell);
}

static void shim_mb_exchange(const struct ipcsim_msg *m, struct ipcsim_msg *reply)
{
    struct ipcsim_mbox *mb = shim_mb;
    mb->req = *m;
    atomic_store_explicit(&mb->blocked, 0, memory_order_relaxed);
    if (ipcsim_mbox_post(&mb->req_seq, &mb->kern_sleeping))
        shim_mb_bell(m->seq);
    shim_mb_rep =
        ipcsim_mbox_wait(&mb->rep_seq, shim_mb_rep, &mb->app_sleeping, &shim_mb_spin, &mb->blocked);
    struct ipcsim_msg *io = shim_io_buf();
    io[1] = mb->rep;
    if (ipcsim_msg_check(&io[1], sizeof(io[1])) != NULL)
        raise(SIGABRT); /* a broken simulator; report it as a crash */
    *reply = io[1];
}

static void shim_mb_send(const struct ipcsim_msg *m)
{
    shim_sock_send(m);
    /* read by the simulator before the next request: it drains the socket
     * first, so this message keeps its place in the order */
    atomic_fetch_add_explicit(&shim_mb->sock_sent, 1, memory_order_seq_cst);
}

/* Rings the doorbell if the simulator has stopped polling. */
static void shim_mb_ring(void)
{
    atomic_thread_fence(memory_order_seq_cst); /* the ring's state before the look */
    if (atomic_load_explicit(&shim_mb->kern_sleeping, memory_order_seq_cst))
        shim_mb_bell(0);
}

static void shim_mb_mark(const struct ipcsim_msg *m)
{
    struct ipcsim_mbox *mb = shim_mb;
    uint32_t head = atomic_load_explicit(&mb->op_head, memory_order_relaxed);
    for (;;) {
        uint32_t tail = atomic_load_explicit(&mb->op_tail, memory_order_acquire);
        if (head - tail < IPCSIM_MBOX_OPS)
            break;
        /* full: the simulator empties the ring while it waits for this
         * app's next request; make sure it looks, then wait for it */
        shim_mb_ring();
        ipcsim_mbox_wait(&mb->op_tail, tail, &mb->app_sleeping, &shim_mb_spin, NULL);
    }
    mb->ops[head % IPCSIM_MBOX_OPS] =
        (struct ipcsim_mbox_op){(uint32_t)m->a[0], (uint32_t)m->a[1], (uint32_t)m->a[2], 0};
    atomic_store_explicit(&mb->op_head, head + 1, memory_order_release);
}

static const struct shim_transport shim_mailbox_transport = {
    .name = "mailbox",
    .exchange = shim_mb_exchange,
    .send = shim_mb_send,
    .mark = shim_mb_mark,
};

/* Until START the socket carries everything. */
static const struct shim_transport *shim_tp = &shim_socket_transport;

void shim_transport_start(void)
{
    if (fcntl(IPCSIM_FD_MAILBOX, F_GETFD) < 0)
        return; /* socket transport */
    struct stat st;
    void *p;
    if (fstat(IPCSIM_FD_MAILBOX, &st) < 0 || st.st_size != IPCSIM_MBOX_SIZE ||
        (p = mmap(NULL, IPCSIM_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, IPCSIM_FD_MAILBOX,
                  0)) == MAP_FAILED)
        _exit(121);
    shim_mb = p;
    if (shim_mb->magic != IPCSIM_MBOX_MAGIC || shim_mb->version != IPCSIM_PROTO_VERSION)
        _exit(121);
    shim_mb_rep = atomic_load(&shim_mb->rep_seq);
    /* poll for a simple syscall's answer, then give the CPU away; never
     * poll when no other CPU can answer meanwhile (this runs on the host
     * stack, where clocks may be read) */
    shim_mb_spin = ipcsim_mbox_spin_default(true);
    shim_tp = &shim_mailbox_transport;
}

void shim_send(struct ipcsim_msg *m)
{
    shim_tp->send(m);
}

/* Set while the app is inside an exchange with the simulator: a watchdog
 * preemption signal that arrives then is ignored (the app is not
 * spinning, and the simulator already has its message). */
volatile sig_atomic_t shim_in_kernel;

void shim_exchange(struct ipcsim_msg *m, struct ipcsim_msg *reply)
{
    struct ipcsim_msg *io = shim_io_buf();
    shim_in_kernel = 1;
    m->seq = ++shim_seq;
    io[0] = *m;
    shim_tp->exchange(&io[0], reply);
    shim_in_kernel = 0;
}

/* The host watchdog caught the app computing without syscalls and the
 * scenario says preempt: give the CPU back to the kernel and wait, inside
 * the handler, until it schedules the app again. */
static void shim_preempt_handler(int sig)
{
    (void)sig;
    if (shim_in_kernel || !shim_layout.started)
        return;
    int saved = errno;
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_COMPUTE, 0), reply;
    m.a[1] = IPCSIM_COMPUTE_PREEMPTED;
    shim_exchange(&m, &reply);
    if (reply.a[IPCSIM_VIEW_ARG] != 0)
        shim_mpu_apply((uint32_t)reply.a[IPCSIM_VIEW_ARG]);
    errno = saved;
}

void shim_install_preempt_handler(void)
{
    _Static_assert(IPCSIM_PREEMPT_SIGNAL == SIGUSR2, "the preemption signal is SIGUSR2");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = shim_preempt_handler;
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
}

uint64_t shim_to_sim(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    const struct shim_layout *l = &shim_layout;
    if (!l->started)
        return a;
    if (a >= l->data_lo && a < l->data_hi)
        return l->data_addr + (a - l->data_lo);
    if (a >= l->ro_lo && a < l->ro_hi)
        return l->flash_addr + (a - l->ro_lo);
    return a;
}

void *shim_from_sim(uint64_t addr)
{
    const struct shim_layout *l = &shim_layout;
    if (l->started) {
        if (addr >= l->data_addr && addr < l->data_addr + (l->data_hi - l->data_lo))
            return (void *)(l->data_lo + (addr - l->data_addr));
        if (addr >= l->flash_addr && addr < l->flash_addr + (l->ro_hi - l->ro_lo))
            return (void *)(l->ro_lo + (addr - l->flash_addr));
    }
    return (void *)(uintptr_t)addr;
}

/* Carries out a misbehaviour the scenario injects (fault injection): the
 * app itself touches a forbidden address (the real SIGSEGV path) or stops
 * making syscalls. */
static void shim_inject(uint64_t op)
{
    switch ((uint32_t)op) {
    case IPCSIM_INJECT_TOUCH:
        *(volatile uint8_t *)(uintptr_t)(op >> 32) = 0;
        break;
    case IPCSIM_INJECT_HANG:
        for (volatile unsigned long spin = 0;; spin++) {
        }
    default:
        break;
    }
}

/* Runs an upcall the simulator delivered. */
static void shim_run_upcall(const struct ipcsim_msg *r)
{
    subscribe_upcall *fn = (subscribe_upcall *)(uintptr_t)r->a[0];
    if (fn)
        fn((int)(uint32_t)r->a[1], (int)(uint32_t)r->a[2], (int)(uint32_t)r->a[3],
           (void *)(uintptr_t)r->a[4]);
}

void shim_syscall(uint32_t cls, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t out[4])
{
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 0), reply;
    m.a[0] = cls;
    m.a[1] = r0;
    m.a[2] = r1;
    m.a[3] = r2;
    m.a[4] = r3;
    shim_exchange(&m, &reply);
    if (reply.a[IPCSIM_VIEW_ARG] != 0)
        shim_mpu_apply((uint32_t)reply.a[IPCSIM_VIEW_ARG]);
    if (reply.a[IPCSIM_INJECT_ARG] != 0)
        shim_inject(reply.a[IPCSIM_INJECT_ARG]);
    if (reply.type == IPCSIM_MSG_UPCALL) {
        shim_run_upcall(&reply);
        memset(out, 0, 4 * sizeof(out[0]));
        return;
    }
    if (reply.type != IPCSIM_MSG_RETURN)
        raise(SIGABRT);
    memcpy(out, reply.a, 4 * sizeof(out[0]));
}

/* ---- libtock-c's architecture-specific entry points ------------------- */

void yield(void)
{
    uint64_t out[4];
    shim_syscall(0, 1, 0, 0, 0, out);
}

int yield_no_wait(void)
{
    /* The kernel sets this byte to 1 if an upcall ran. It lives on the
     * app's stack, in simulated SRAM. */
    volatile uint8_t result = 0;
    uint64_t out[4];
    shim_syscall(0, 0, shim_to_sim((const void *)&result), 0, 0, out);
    return result;
}

yield_waitfor_return_t yield_wait_for(uint32_t driver, uint32_t subscribe_num)
{
    uint64_t out[4];
    shim_syscall(0, 2, driver, subscribe_num, 0, out);
    yield_waitfor_return_t r = {(uint32_t)out[0], (uint32_t)out[1], (uint32_t)out[2]};
    return r;
}

void tock_exit(uint32_t completion_code)
{
    uint64_t out[4];
    for (;;)
        shim_syscall(6, 0, completion_code, 0, 0, out);
}

void tock_restart(uint32_t completion_code)
{
    uint64_t out[4];
    for (;;)
        shim_syscall(6, 1, completion_code, 0, 0, out);
}

syscall_return_t command(uint32_t driver, uint32_t cmd, int arg1, int arg2)
{
    uint64_t out[4];
    shim_syscall(2, driver, cmd, (uint32_t)arg1, (uint32_t)arg2, out);
    syscall_return_t r = {(syscall_rtype_t)out[0],
                          {(uint32_t)out[1], (uint32_t)out[2], (uint32_t)out[3]}};
    return r;
}

subscribe_return_t subscribe(uint32_t driver, uint32_t subscribe_num, subscribe_upcall uc,
                             void *userdata)
{
    uint64_t out[4];
    shim_syscall(1, driver, subscribe_num, (uint64_t)(uintptr_t)uc, (uint64_t)(uintptr_t)userdata,
                 out);
    subscribe_return_t r;
    if (out[0] == TOCK_SYSCALL_SUCCESS_U32_U32) {
        r.success = true;
        r.callback = (subscribe_upcall *)(uintptr_t)out[1];
        r.userdata = (void *)(uintptr_t)out[2];
        r.status = TOCK_STATUSCODE_SUCCESS;
    } else {
        r.success = false;
        r.callback = (subscribe_upcall *)(uintptr_t)out[2];
        r.userdata = (void *)(uintptr_t)out[3];
        r.status = (statuscode_t)out[1];
    }
    return r;
}

/* The allow classes share one shape: swap, and on failure hand back what
 * was passed. */
static bool shim_allow(uint32_t cls, uint32_t driver, uint32_t num, const void *ptr, size_t size,
                       void **ret_ptr, size_t *ret_size, statuscode_t *status)
{
    uint64_t out[4];
    shim_syscall(cls, driver, num, shim_to_sim(ptr), size, out);
    if (out[0] == TOCK_SYSCALL_SUCCESS_U32_U32) {
        *ret_ptr = out[1] ? shim_from_sim(out[1]) : NULL;
        *ret_size = (size_t)out[2];
        *status = TOCK_STATUSCODE_SUCCESS;
        return true;
    }
    *ret_ptr = (void *)ptr;
    *ret_size = size;
    *status = (statuscode_t)out[1];
    return false;
}

allow_rw_return_t allow_readwrite(uint32_t driver, uint32_t allow, void *ptr, size_t size)
{
    allow_rw_return_t r;
    r.success = shim_allow(3, driver, allow, ptr, size, &r.ptr, &r.size, &r.status);
    return r;
}

allow_ro_return_t allow_readonly(uint32_t driver, uint32_t allow, const void *ptr, size_t size)
{
    allow_ro_return_t r;
    void *p;
    r.success = shim_allow(4, driver, allow, ptr, size, &p, &r.size, &r.status);
    r.ptr = p;
    return r;
}

allow_userspace_r_return_t allow_userspace_read(uint32_t driver, uint32_t allow, void *ptr,
                                                size_t size)
{
    allow_userspace_r_return_t r;
    r.success = shim_allow(7, driver, allow, ptr, size, &r.ptr, &r.size, &r.status);
    return r;
}

memop_return_t memop(uint32_t op_type, uintptr_t arg1)
{
    uint64_t out[4];
    /* brk and the debug hints take addresses; sbrk takes an increment */
    uint64_t arg = (op_type == 0 || op_type == 10 || op_type == 11)
                       ? shim_to_sim((const void *)arg1)
                       : (uint64_t)arg1;
    shim_syscall(5, op_type, arg, 0, 0, out);
    memop_return_t r;
    if (out[0] == TOCK_SYSCALL_SUCCESS || out[0] == TOCK_SYSCALL_SUCCESS_U32) {
        r.status = TOCK_STATUSCODE_SUCCESS;
        r.data = out[0] == TOCK_SYSCALL_SUCCESS_U32 ? (uintptr_t)out[1] : 0;
    } else {
        r.status = (statuscode_t)out[1];
        r.data = 0;
    }
    return r;
}

static void shim_compute(uint64_t amount, uint64_t kind)
{
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_COMPUTE, 0), reply;
    m.a[0] = amount;
    m.a[1] = kind;
    shim_exchange(&m, &reply);
    if (reply.type != IPCSIM_MSG_RETURN)
        raise(SIGABRT);
    if (reply.a[IPCSIM_VIEW_ARG] != 0)
        shim_mpu_apply((uint32_t)reply.a[IPCSIM_VIEW_ARG]);
    if (reply.a[IPCSIM_INJECT_ARG] != 0)
        shim_inject(reply.a[IPCSIM_INJECT_ARG]);
}

void ipcsim_compute(uint64_t cycles)
{
    shim_compute(cycles, 0);
}

void ipcsim_compute_copy(uint32_t bytes)
{
    if (bytes != 0 && shim_layout.started)
        shim_compute(bytes, IPCSIM_COMPUTE_COPY);
}

/* Operation marks are sent without waiting: the simulator answers nothing
 * and stamps them with the virtual time at which it reads them, which is
 * the time the app is running at (it runs alone until its next syscall). */
_Static_assert((int)IPCSIM_OP_KIND_CALL == (int)IPCSIM_OP_CALL &&
                   (int)IPCSIM_OP_KIND_NOTIFY == (int)IPCSIM_OP_NOTIFY &&
                   (int)IPCSIM_OP_KIND_CONNECT == (int)IPCSIM_OP_CONNECT &&
                   (int)IPCSIM_OP_KIND_SHARE == (int)IPCSIM_OP_SHARE &&
                   (int)IPCSIM_OP_KIND_SERVE == (int)IPCSIM_OP_SERVE,
               "app.h's operation kinds are the protocol's");

static void shim_op_mark(uint32_t mark, uint32_t kind, int32_t rc)
{
    if (!shim_layout.started)
        return;
    struct ipcsim_msg *io = shim_io_buf();
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_OP, ++shim_seq);
    m.a[0] = mark;
    m.a[1] = kind;
    m.a[2] = (uint32_t)rc;
    io[2] = m;
    shim_tp->mark(&io[2]);
}

void ipcsim_op_begin(enum ipcsim_op kind)
{
    shim_op_mark(IPCSIM_OP_BEGIN, (uint32_t)kind, 0);
}

void ipcsim_op_end(enum ipcsim_op kind, int rc)
{
    shim_op_mark(IPCSIM_OP_END, (uint32_t)kind, rc);
}
