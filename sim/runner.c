/* runner.c: runs one scenario on the libuv loop: creates the simulated SRAM
 * and flash, spawns one Linux process per app instance, relays each
 * syscall to the kernel model and its answer back, and collects the
 * outcome.
 *
 * Sections: memory; host processes; messages from apps; dispatch; kernel
 * events; start and finish; results.
 *
 * Exactly one app runs at a time: the runner answers only the process the
 * kernel model dispatched, and every other app is blocked in its shim
 * waiting for an answer. Host time never enters the kernel model, so the
 * schedule, and everything printed and written, is a function of the
 * scenario, the seed and the binaries.
 */
#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "ipcsim_mbox.h"
#include "ipcsim_proto.h"
#include "trace.h"

#define PAGE 4096u

/* Console capture (per app, and the merged transcript) is bounded so that
 * an app printing without end cannot exhaust the simulator's memory; what
 * is cut is counted. run_options.capture_max overrides the default. */
#define CONSOLE_CAPTURE_DEFAULT (8u << 20)

struct runner;
struct app_host;

/* One Linux process of an app instance (an instance has a new one after
 * each restart). Freed when both its handles are closed. */
struct host_proc {
    struct app_host *app;
    uv_process_t proc;
    uv_poll_t poll;
    int fd; /* simulator end of the channel */
    int open_handles;
    bool exited; /* the Linux process has ended */
    bool gone;   /* reported to the kernel model, or expected */
    bool hello;  /* HELLO received */
    bool killed; /* we killed it on purpose */
    /* mailbox transport: its shared page, the last request sequence
     * number taken, the socket messages (FAULT, strays) and operation
     * marks read */
    struct ipcsim_mbox *mb;
    int mb_fd;
    uint32_t req_seen;
    uint32_t sock_read; /* socket messages read, DOORBELLs not counted */
    uint32_t op_read;   /* operation marks read from the ring */
    uint64_t data_lo, data_hi, ro_lo, ro_hi, text_lo, text_hi;
};

struct app_host {
    int index;
    struct runner *r;
    const struct scn_app *cfg;
    struct host_proc *hp; /* current Linux process, NULL if none */
    uint32_t spawns;
    bool have_layout; /* sizes known from the first HELLO */
    uint64_t data_size, ro_size;
    uint32_t flash_addr, flash_size;
    int ctl_fd;               /* control memfd: its memory view */
    struct ipcsim_view *view; /* mapped */
    uint32_t view_gen;        /* generation last written */
    uint32_t view_mpu_gen;    /* kernel's mpu_generation it was made from */
    bool pending_dispatch;    /* dispatched while its process was starting */
    bool death_pending;       /* its process went while it was blocked */
    uint32_t preempts;        /* watchdog preemptions asked for */
    uint64_t rss_peak_kb;     /* host: peak resident memory of its processes */
    enum km_fault_kind death_kind;
    char death_reason[160];
    struct km_dispatch pending;
    char *console; /* capture of everything printed */
    size_t console_len, console_cap;
    uint64_t console_dropped;       /* bytes beyond the capture limit */
    struct run_console_mark *marks; /* when each console chunk arrived */
    size_t n_marks, cap_marks;
    char line[512]; /* live line being assembled */
    size_t line_len;
    struct metrics_app metrics; /* operations it marked (OP messages) */
};

struct runner {
    uv_loop_t loop;
    const struct scn_scenario *s;
    const struct run_options *opt;
    struct run_result *res;
    struct km_kernel *k;
    struct km_config kcfg;
    struct km_proc_config *pcfg;
    struct km_registry_rule reg_rules[SCN_MAX_REGISTRY_RULES]; /* ipc.registry_filter */
    struct app_host *apps;
    size_t n;
    int sram_fd, flash_fd;
    uint8_t *sram, *flash;
    unsigned hellos; /* start-up barrier */
    bool started;    /* every app said HELLO; the kernel runs */
    bool finished;
    int running;   /* app the kernel dispatched, -1 if none */
    bool awaiting; /* its answer is outstanding */
    uv_timer_t watchdog;
    uint32_t watchdog_ms; /* host time an app may run without a syscall */
    size_t capture_max;   /* console bytes kept per app and in the transcript */
    uv_signal_t sigint, sigterm;
    const struct run_transport *tp;
    uv_idle_t pump;                /* mailbox: polls the running app's requests */
    struct ipcsim_mbox_spin kspin; /* how long it polls before it sleeps */
    uint64_t messages;
    int last_request;         /* app whose request was handled last, -1 if none */
    double t0, first_start_s; /* host: run start, and when the first app started */
    struct run_finding *findings;
    size_t n_findings;
    struct run_injection *injections;
    size_t n_injections;
    struct km_inject_rule *rules; /* the kernel's injection rules (owned) */
    char *transcript;             /* merged console lines, see transcript_add */
    size_t transcript_len, transcript_cap;
};

/* How the answers to an app's syscalls reach it, and its requests the
 * simulator (see "Transports" below). */
struct run_transport {
    const char *name;
    /* before the process starts: what it needs; -errno on failure */
    int (*open)(struct host_proc *hp);
    /* when the process is gone */
    void (*close)(struct host_proc *hp);
    /* hands an answer to the running app */
    void (*answer)(struct host_proc *hp, struct ipcsim_msg *m);
};

static void runner_step(struct runner *r);
static void runner_finish(struct runner *r);
static double now_s(void);
static void host_kill(struct host_proc *hp);

static void runner_host_error(struct runner *r, const char *fmt, const char *a, const char *b)
{
    if (!r->res->host_error) {
        r->res->host_error = true;
        snprintf(r->res->host_error_msg, sizeof(r->res->host_error_msg), fmt, a, b);
    }
    runner_finish(r);
}

/* ---- Memory ------------------------------------------------------------ */

/* Creates a memfd of `size` bytes mapped at simulated address `base`. */
static int mem_create(const char *name, uint32_t base, uint32_t size, int *fd_out,
                      uint8_t **map_out, char *err, size_t errlen)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, size) < 0) {
        snprintf(err, errlen, "%s: cannot create shared memory: %s", name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    void *m = mmap((void *)(uintptr_t)base, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    if (m == MAP_FAILED || m != (void *)(uintptr_t)base) {
        snprintf(err, errlen, "%s: cannot map at 0x%08x: %s", name, base, strerror(errno));
        if (m != MAP_FAILED)
            munmap(m, size);
        close(fd);
        return -1;
    }
    *fd_out = fd;
    *map_out = m;
    return 0;
}

/* ---- Host processes ----------------------------------------------------- */

static void host_handle_closed(uv_handle_t *h)
{
    struct host_proc *hp = h->data;
    if (--hp->open_handles == 0)
        free(hp);
}

static void host_close(struct host_proc *hp)
{
    hp->app->r->tp->close(hp);
    if (hp->fd >= 0) {
        uv_poll_stop(&hp->poll);
        uv_close((uv_handle_t *)&hp->poll, host_handle_closed);
        close(hp->fd);
        hp->fd = -1;
    }
    if (hp->app && hp->app->hp == hp)
        hp->app->hp = NULL;
}

/* The peak resident memory of a live process in KiB (VmHWM), 0 if it
 * cannot be read: a host figure for the results' host section. */
static uint64_t host_rss_peak_kb(int pid)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    uint64_t kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtoull(line + 6, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return kb;
}

/* Ends a host process on purpose (the kernel terminated or replaced it). */
static void host_kill(struct host_proc *hp)
{
    if (hp == NULL)
        return;
    hp->killed = true;
    hp->gone = true;
    if (!hp->exited && hp->hello) {
        uint64_t kb = host_rss_peak_kb(hp->proc.pid);
        if (kb > hp->app->rss_peak_kb)
            hp->app->rss_peak_kb = kb;
    }
    if (!hp->exited)
        uv_process_kill(&hp->proc, SIGKILL);
    host_close(hp);
}

static void console_flush_line(struct app_host *a);

/* Prints a fault report in the manner of Tock's process fault dump: the
 * reason, then the process's memory map and MPU regions at the fault. */
static void fault_dump(struct runner *r, struct app_host *a, const char *reason)
{
    FILE *f = r->opt->console;
    if (r->opt->quiet || f == NULL)
        return;
    if (a->line_len)
        console_flush_line(a);
    struct km_proc_info info;
    km_proc_info(r->k, a->index, &info);
    fprintf(f, "[%s] ---| fault at %llu ns virtual: %s |---\n", a->cfg->name,
            (unsigned long long)km_cycles_to_ns(r->k, km_now(r->k)), reason);
    runner_print_memory_map(f, &r->kcfg.mpu, a->cfg->name, &info);
}

/* The host process ended or broke its channel without the kernel asking:
 * to the kernel that is a fault of the app. */
static void host_gone(struct host_proc *hp, enum km_fault_kind kind, const char *reason)
{
    if (hp->gone)
        return;
    hp->gone = true;
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    bool was_running = r->running == a->index;
    host_kill(hp);
    if (!r->started) {
        runner_host_error(r, "app %s: %s before it started", a->cfg->name, reason);
        return;
    }
    if (r->finished)
        return;
    if (!was_running) {
        /* An app blocked in the kernel cannot fault on a real MCU. When
         * its host process goes, the kernel learns it when it next
         * dispatches the app: a point in virtual time that does not depend
         * on when the host noticed. */
        a->death_pending = true;
        a->death_kind = kind;
        snprintf(a->death_reason, sizeof(a->death_reason), "%s", reason);
        return;
    }
    struct km_fault_info f = {.kind = kind, .reason = reason};
    km_fault(r->k, a->index, &f);
    r->awaiting = false;
    uv_timer_stop(&r->watchdog);
    runner_step(r);
}

/* What the kernel is told when an app's process ends without tock_exit.
 * One fixed text, whichever the host notices first (the closed channel or
 * the exit status), so that results stay deterministic; the status goes to
 * stderr as a host diagnostic. */
#define HOST_DIED_REASON "app process died outside tock_exit"

static void host_readable(uv_poll_t *h, int status, int events);
static bool mailbox_take(struct runner *r, struct host_proc *hp);
static void mailbox_ops(struct host_proc *hp);
static bool awaited(const struct runner *r, const struct host_proc *hp);

/* The app's process is gone (its channel closed or it exited). What it
 * sent before it went is handled first, in order: the rest of its socket,
 * then (mailbox) a request it posted, as the socket transport reads a
 * message sent before the channel closed. */
static void host_died(struct host_proc *hp, bool drain_socket)
{
    if (hp->gone)
        return;
    if (drain_socket && hp->fd >= 0) {
        host_readable(&hp->poll, 0, UV_READABLE); /* ends in host_died at EOF */
        if (hp->gone)
            return;
    }
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    if (hp->mb != NULL && r->started && !a->pending_dispatch && awaited(r, hp))
        mailbox_take(r, hp);
    host_gone(hp, KM_FAULT_DIED, HOST_DIED_REASON);
}

static void host_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
    struct host_proc *hp = proc->data;
    hp->exited = true;
    if (!hp->killed) {
        if (sig)
            fprintf(stderr, "ipcsim: app %s: process %d killed by signal %d\n", hp->app->cfg->name,
                    proc->pid, sig);
        else
            fprintf(stderr, "ipcsim: app %s: process %d exited with status %lld\n",
                    hp->app->cfg->name, proc->pid, (long long)status);
    }
    host_died(hp, true);
    uv_close((uv_handle_t *)proc, host_handle_closed);
}

/* Starts a Linux process for app a. Returns 0 or a negative libuv error. */
static int host_spawn(struct app_host *a)
{
    struct runner *r = a->r;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    struct host_proc *hp = calloc(1, sizeof(*hp));
    if (hp == NULL) {
        close(sv[0]);
        close(sv[1]);
        return UV_ENOMEM;
    }
    hp->app = a;
    hp->fd = sv[0];
    hp->mb_fd = -1;
    int orc = r->tp->open(hp);
    if (orc < 0) {
        close(sv[0]);
        close(sv[1]);
        free(hp);
        return orc;
    }

    char *args[2 + 16 + 1];
    size_t na = 0;
    args[na++] = (char *)a->cfg->program_path;
    for (size_t i = 0; i < a->cfg->argc && na < 18; i++)
        args[na++] = a->cfg->argv[i];
    args[na] = NULL;

    uv_stdio_container_t stdio[8];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD; /* stray host output goes to stderr */
    stdio[1].data.fd = 2;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    stdio[3].flags = UV_INHERIT_FD;
    stdio[3].data.fd = sv[1];
    stdio[4].flags = UV_INHERIT_FD;
    stdio[4].data.fd = r->sram_fd;
    stdio[5].flags = UV_INHERIT_FD;
    stdio[5].data.fd = r->flash_fd;
    stdio[6].flags = UV_INHERIT_FD;
    stdio[6].data.fd = a->ctl_fd;
    stdio[7].flags = UV_INHERIT_FD;
    stdio[7].data.fd = hp->mb_fd;

    uv_process_options_t po = {0};
    po.file = a->cfg->program_path;
    po.args = args;
    po.exit_cb = host_exit_cb;
    po.stdio = stdio;
    po.stdio_count = hp->mb_fd >= 0 ? 8 : 7;
    hp->proc.data = hp;
    int rc = uv_spawn(&r->loop, &hp->proc, &po);
    close(sv[1]);
    if (rc < 0) {
        r->tp->close(hp);
        close(sv[0]);
        /* a failed uv_spawn still needs its handle closed */
        hp->open_handles = 1;
        hp->fd = -1;
        hp->exited = hp->gone = true;
        uv_close((uv_handle_t *)&hp->proc, host_handle_closed);
        return rc;
    }
    hp->open_handles = 2;
    hp->poll.data = hp;
    uv_poll_init(&r->loop, &hp->poll, hp->fd);
    uv_poll_start(&hp->poll, UV_READABLE | UV_DISCONNECT, host_readable);
    a->hp = hp;
    a->spawns++;
    return 0;
}

/* ---- Dispatch ----------------------------------------------------------- */

/* How long a Linux process may take to start and say HELLO: the watchdog
 * is meant for running apps, and a short one must not fail a slow start. */
static uint32_t startup_ms(const struct runner *r)
{
    return r->watchdog_ms > 10000 ? r->watchdog_ms : 10000;
}

static void watchdog_fired(uv_timer_t *t)
{
    struct runner *r = t->data;
    if (r->running < 0 || !r->awaiting)
        return;
    struct app_host *a = &r->apps[r->running];
    if (r->s->hang_preempt && a->hp && a->hp->hello && !a->pending_dispatch) {
        /* hang_policy "preempt": ask the shim to give the CPU back; it
         * answers with a preemption message from its signal handler */
        a->preempts++;
        uv_process_kill(&a->hp->proc, IPCSIM_PREEMPT_SIGNAL);
        uv_timer_start(&r->watchdog, watchdog_fired, r->watchdog_ms, 0);
        return;
    }
    char why[128];
    if (a->pending_dispatch)
        snprintf(why, sizeof(why), "restarted app process did not start within %u ms",
                 startup_ms(r));
    else
        snprintf(why, sizeof(why), "app made no syscall for %u ms of host time (hung)",
                 r->watchdog_ms);
    if (a->hp)
        host_gone(a->hp, KM_FAULT_CRASH, why);
}

static void send_msg(struct host_proc *hp, struct ipcsim_msg *m)
{
    ssize_t n = send(hp->fd, m, sizeof(*m), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == (ssize_t)sizeof(*m))
        return;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        /* a well-behaved app reads every answer before it sends again */
        host_gone(hp, KM_FAULT_PROTOCOL,
                  "channel protocol error: app does not read its answers (it sent "
                  "messages without waiting)");
    else
        host_gone(hp, KM_FAULT_DIED, HOST_DIED_REASON);
}

/* ---- Transports --------------------------------------------------------
 *
 * How the answers to an app's syscalls reach it (the app side is in
 * apps/shim/shim_sys.c). START always goes over the socket; after it the
 * transport carries RETURN and UPCALL, and the app's requests arrive over
 * it: on the socket through host_readable, from the mailbox through the
 * pump (mailbox_pump). */
static int socket_open(struct host_proc *hp)
{
    (void)hp;
    return 0;
}

static void socket_close(struct host_proc *hp)
{
    (void)hp;
}

static const struct run_transport socket_transport = {
    .name = "socket",
    .open = socket_open,
    .close = socket_close,
    .answer = send_msg,
};

static int mailbox_open(struct host_proc *hp)
{
    int fd = memfd_create("ipcsim-mbox", MFD_CLOEXEC);
    void *p = MAP_FAILED;
    if (fd < 0 || ftruncate(fd, IPCSIM_MBOX_SIZE) < 0 ||
        (p = mmap(NULL, IPCSIM_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
            MAP_FAILED) {
        int e = -errno;
        if (fd >= 0)
            close(fd);
        return e;
    }
    hp->mb = p;
    hp->mb->magic = IPCSIM_MBOX_MAGIC;
    hp->mb->version = IPCSIM_PROTO_VERSION;
    /* nobody polls it until the first request rings */
    atomic_store(&hp->mb->kern_sleeping, 1);
    hp->mb_fd = fd;
    return 0;
}

static void mailbox_close(struct host_proc *hp)
{
    if (hp->mb)
        munmap(hp->mb, IPCSIM_MBOX_SIZE);
    hp->mb = NULL;
    if (hp->mb_fd >= 0)
        close(hp->mb_fd);
    hp->mb_fd = -1;
}

static void mailbox_pump(uv_idle_t *h);

static void mailbox_answer(struct host_proc *hp, struct ipcsim_msg *m)
{
    struct ipcsim_mbox *mb = hp->mb;
    struct runner *r = hp->app->r;
    if (atomic_load_explicit(&mb->req_seq, memory_order_acquire) != hp->req_seen) {
        host_gone(hp, KM_FAULT_PROTOCOL,
                  "channel protocol error: app does not wait for its answers (it wrote "
                  "another request into its mailbox)");
        return;
    }
    mb->rep = *m;
    atomic_store_explicit(&mb->kern_sleeping, 0, memory_order_relaxed);
    /* the app whose request came last waits for an answer that is not
     * coming soon: it stops busy-polling and lets this one have the CPU */
    if (r->last_request >= 0 && r->last_request != hp->app->index) {
        struct host_proc *prev = r->apps[r->last_request].hp;
        if (prev != NULL && prev->mb != NULL)
            atomic_store_explicit(&prev->mb->blocked, 1, memory_order_relaxed);
    }
    if (ipcsim_mbox_post(&mb->rep_seq, &mb->app_sleeping))
        ipcsim_mbox_wake(&mb->rep_seq);
    uv_idle_start(&r->pump, mailbox_pump);
}

static const struct run_transport mailbox_transport = {
    .name = "mailbox",
    .open = mailbox_open,
    .close = mailbox_close,
    .answer = mailbox_answer,
};

static const struct run_transport *const transports[] = {
    [RUN_TRANSPORT_MAILBOX] = &mailbox_transport,
    [RUN_TRANSPORT_SOCKET] = &socket_transport,
};

int run_transport_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
        if (strcmp(name, transports[i]->name) == 0)
            return (int)i;
    return -1;
}

const char *run_transport_name(enum run_transport_kind kind)
{
    return transports[kind]->name;
}

struct view_build {
    struct ipcsim_view *v;
    bool overflow;
};

static void view_add_run(void *ctx, uint32_t start, uint32_t end, unsigned access)
{
    struct view_build *b = ctx;
    if (b->v->nruns == IPCSIM_VIEW_MAX_RUNS) {
        b->overflow = true;
        return;
    }
    struct ipcsim_view_run *run = &b->v->runs[b->v->nruns++];
    run->start = start;
    run->end = end;
    run->access = access;
    run->reserved = 0;
}

/* Rewrites app a's memory view from its MPU configuration if that changed
 * since the last dispatch; returns the view generation to announce. */
static uint32_t view_refresh(struct runner *r, struct app_host *a)
{
    uint32_t gen;
    const struct km_mpu_config *mpu = km_proc_mpu(r->k, a->index, &gen);
    if (a->view_gen != 0 && gen == a->view_mpu_gen)
        return a->view_gen;
    const struct scn_platform *pl = &r->s->platform;
    struct view_build b = {a->view, false};
    a->view->nruns = 0;
    km_mpu_for_each_run(&r->kcfg.mpu, mpu, pl->sram_base, pl->sram_base + pl->sram_size,
                        view_add_run, &b);
    km_mpu_for_each_run(&r->kcfg.mpu, mpu, pl->flash_base, pl->flash_base + pl->flash_size,
                        view_add_run, &b);
    if (b.overflow)
        fprintf(stderr, "ipcsim: app %s: memory view has more than %d runs; the rest is denied\n",
                a->cfg->name, IPCSIM_VIEW_MAX_RUNS);
    a->view->magic = IPCSIM_VIEW_MAGIC;
    a->view->flags = r->s->mpu_page ? IPCSIM_VIEW_PAGE_GRANULAR : 0;
    a->view->generation = ++a->view_gen;
    a->view_mpu_gen = gen;
    return a->view_gen;
}

/* Hands the dispatch d to app a's process. */
static void dispatch_send(struct runner *r, struct app_host *a, const struct km_dispatch *d)
{
    struct host_proc *hp = a->hp;
    struct ipcsim_msg m;
    if (r->opt->trace) {
        struct km_proc_info info;
        km_proc_info(r->k, a->index, &info);
        trace_dispatch(r->opt->trace, km_now(r->k), a->index, d, info.process_id);
    }
    switch (d->resume) {
    case KM_RESUME_START: {
        struct km_proc_info info;
        km_proc_info(r->k, a->index, &info);
        uint32_t stack_top = info.ram_start + a->cfg->stack;
        uint32_t data_addr = (stack_top + PAGE - 1) & ~(PAGE - 1);
        view_refresh(r, a);
        m = ipcsim_msg_make(IPCSIM_MSG_START, 0);
        m.a[IPCSIM_START_RAM_START] = info.ram_start;
        m.a[IPCSIM_START_RAM_END] = info.ram_end;
        m.a[IPCSIM_START_STACK_TOP] = stack_top;
        m.a[IPCSIM_START_DATA] = data_addr;
        m.a[IPCSIM_START_FLASH] = a->flash_addr;
        m.a[IPCSIM_START_SRAM_BASE] = r->s->platform.sram_base;
        m.a[IPCSIM_START_SRAM_SIZE] = r->s->platform.sram_size;
        m.a[IPCSIM_START_FLASH_BASE] =
            r->s->platform.flash_base | ((uint64_t)r->s->platform.flash_size << 32);
        break;
    }
    case KM_RESUME_RETURN:
        m = ipcsim_msg_make(IPCSIM_MSG_RETURN, 0);
        for (int i = 0; i < 4; i++)
            m.a[i] = d->regs.r[i];
        m.a[IPCSIM_VIEW_ARG] = view_refresh(r, a);
        break;
    case KM_RESUME_UPCALL:
    default:
        m = ipcsim_msg_make(IPCSIM_MSG_UPCALL, 0);
        m.a[0] = d->upcall.fn;
        m.a[1] = d->upcall.args[0];
        m.a[2] = d->upcall.args[1];
        m.a[3] = d->upcall.args[2];
        m.a[4] = d->upcall.appdata;
        m.a[5] = d->upcall_nowait ? IPCSIM_UPCALL_NOWAIT : IPCSIM_UPCALL_WAIT;
        m.a[IPCSIM_VIEW_ARG] = view_refresh(r, a);
        break;
    }
    if (d->host_inject != KM_HOST_NONE && d->resume != KM_RESUME_START) {
        m.a[IPCSIM_INJECT_ARG] = (uint64_t)d->host_inject | ((uint64_t)d->host_inject_addr << 32);
    }
    r->awaiting = true;
    if (r->watchdog_ms)
        uv_timer_start(&r->watchdog, watchdog_fired, r->watchdog_ms, 0);
    if (d->resume == KM_RESUME_START && r->first_start_s == 0)
        r->first_start_s = now_s() - r->t0;
    if (d->resume == KM_RESUME_START)
        send_msg(hp, &m);
    else
        r->tp->answer(hp, &m);
}

/* Asks the kernel model what runs next and hands it over, or finishes. */
static void runner_step(struct runner *r)
{
    if (r->finished)
        return;
    struct km_dispatch d;
    struct app_host *a;
    for (;;) {
        km_next(r->k, &d);
        if (d.end) {
            runner_finish(r);
            return;
        }
        a = &r->apps[d.proc];
        if (!a->death_pending)
            break;
        /* the app's process died while it was blocked: it faults now */
        a->death_pending = false;
        km_fault(r->k, d.proc,
                 &(struct km_fault_info){.kind = a->death_kind, .reason = a->death_reason});
    }
    r->running = d.proc;
    if (a->hp == NULL || !a->hp->hello) {
        /* its (re)started process has not announced itself yet */
        a->pending_dispatch = true;
        a->pending = d;
        r->awaiting = true;
        if (r->watchdog_ms)
            uv_timer_start(&r->watchdog, watchdog_fired, startup_ms(r), 0);
        return;
    }
    dispatch_send(r, a, &d);
}

/* ---- Messages from apps -------------------------------------------------- */

static void protocol_fault(struct host_proc *hp, const char *what)
{
    char why[160];
    snprintf(why, sizeof(why), "channel protocol error: %s", what);
    host_gone(hp, KM_FAULT_PROTOCOL, why);
}

static void on_km_event(void *ctx, const struct km_event *ev);

static const char *perm_name(enum km_perm p)
{
    static const char *const n[] = {"rwx", "rw-", "r-x", "r--", "--x"};
    return (unsigned)p < 5 ? n[p] : "?";
}

/* Prints one process's memory map and MPU regions, in the manner of Tock's
 * process fault dump (kernel/src/process_standard.rs, print_full_process). */
void runner_print_memory_map(FILE *f, const struct km_mpu *mpu, const char *name,
                             const struct km_proc_info *in)
{
    fprintf(f, "[%s] memory map (process id %u)\n", name, in->process_id);
    fprintf(f, "  0x%08x +----------------------  RAM end\n", in->ram_end);
    fprintf(f, "             | grant region           %6u bytes used by the kernel\n",
            in->ram_end - in->kernel_break);
    fprintf(f, "  0x%08x +----------------------  kernel break\n", in->kernel_break);
    fprintf(f, "             | unused                 %6u bytes\n",
            in->kernel_break > in->app_break ? in->kernel_break - in->app_break : 0);
    fprintf(f, "  0x%08x +----------------------  app break\n", in->app_break);
    fprintf(f, "             | app memory             %6u bytes (allowed up to 0x%08x)\n",
            in->app_break - in->ram_start, in->allow_high_water_mark);
    fprintf(f, "  0x%08x +----------------------  RAM start\n", in->ram_start);
    fprintf(f, "  flash 0x%08x-0x%08x\n", in->flash_start, in->flash_end);
    fprintf(f, "  MPU (%s, %u regions):\n", mpu->ops->name, mpu->ops->number_total_regions(mpu));
    for (int i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        const struct km_mpu_region *g = &in->mpu.r[i];
        if (!g->enabled)
            continue;
        fprintf(f, "    region %2d: 0x%08x-0x%08llx %s", i, g->base,
                (unsigned long long)(g->base + g->size), perm_name(g->perm));
        if (g->subregions != 0xff)
            fprintf(f, " subregions 0x%02x", g->subregions);
        fprintf(f, "  for 0x%08x+0x%x  regs 0x%08x 0x%08x", g->loc_start, g->loc_size, g->reg[0],
                g->reg[1]);
        if (strcmp(mpu->ops->name, "riscv_pmp") == 0)
            fprintf(f, " 0x%08x", g->reg[2]);
        fprintf(f, "\n");
    }
}

static void memory_map_print(struct runner *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct km_proc_info info;
        km_proc_info(r->k, (int)i, &info);
        runner_print_memory_map(r->opt->console ? r->opt->console : stdout, &r->kcfg.mpu,
                                r->apps[i].cfg->name, &info);
    }
}

/* Smallest power of two >= n (n >= 1). */
static uint64_t pow2_up(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* Every app has announced itself: place the flash images in app order (so
 * the layout does not depend on start-up timing), each padded to a power
 * of two and aligned to its size as tockloader does for Cortex-M, which
 * every MPU model can cover with one region; then boot the kernel, which
 * loads the processes as Tock does, and start. */
static void runner_boot(struct runner *r)
{
    const struct scn_platform *pl = &r->s->platform;
    uint64_t at = pl->flash_base, end = (uint64_t)pl->flash_base + pl->flash_size;
    for (size_t i = 0; i < r->n; i++) {
        struct app_host *x = &r->apps[i];
        uint64_t size = pow2_up(x->ro_size);
        at = (at + size - 1) & ~(size - 1);
        if (at + size > end) {
            runner_host_error(r, "flash too small for app %s (%s)", x->cfg->name,
                              "raise the platform's flash_size");
            return;
        }
        x->flash_addr = (uint32_t)at;
        x->flash_size = (uint32_t)size;
        r->pcfg[i].flash_start = x->flash_addr;
        r->pcfg[i].flash_size = x->flash_size;
        at += size;
    }
    char err[256];
    r->k = km_create(&r->kcfg, err, sizeof(err));
    if (r->k == NULL) {
        runner_host_error(r, "%.200s: %.280s", r->s->path, err);
        return;
    }
    for (size_t i = 0; i < r->n; i++)
        km_set_code(r->k, (int)i, r->apps[i].hp->text_lo, r->apps[i].hp->text_hi);
    r->started = true;
    if (r->opt->memory_map)
        memory_map_print(r);
    runner_step(r);
}

/* The pure part of the decoder (runner.h): everything that depends on the
 * message alone. */
void run_decode_msg(const struct ipcsim_msg *m, size_t len, struct run_msg *out)
{
    *out = (struct run_msg){.kind = RUN_MSG_INVALID};
    out->bad = ipcsim_msg_check(m, len);
    if (out->bad)
        return;
    switch (m->type) {
    case IPCSIM_MSG_HELLO: {
        out->kind = RUN_MSG_HELLO;
        uint64_t dlo = m->a[IPCSIM_HELLO_DATA_LO], dhi = m->a[IPCSIM_HELLO_DATA_HI];
        uint64_t rlo = m->a[IPCSIM_HELLO_RO_LO], rhi = m->a[IPCSIM_HELLO_RO_HI];
        if (dhi <= dlo || rhi <= rlo || (dlo | dhi | rlo | rhi) % PAGE != 0 ||
            dhi - dlo > (64u << 20) || rhi - rlo > (256u << 20) ||
            m->a[IPCSIM_HELLO_TEXT_HI] <= m->a[IPCSIM_HELLO_TEXT_LO])
            out->bad = "HELLO with impossible segment ranges";
        out->data_lo = dlo;
        out->data_hi = dhi;
        out->ro_lo = rlo;
        out->ro_hi = rhi;
        out->text_lo = m->a[IPCSIM_HELLO_TEXT_LO];
        out->text_hi = m->a[IPCSIM_HELLO_TEXT_HI];
        return;
    }
    case IPCSIM_MSG_FAULT: {
        out->kind = RUN_MSG_FAULT;
        int sig = (int)m->a[0];
        const char *acc = m->a[2] == IPCSIM_ACCESS_WRITE  ? "write"
                          : m->a[2] == IPCSIM_ACCESS_READ ? "read"
                                                          : "access";
        out->fault_kind = KM_FAULT_CRASH;
        if (sig == SIGSEGV || sig == SIGBUS) {
            out->fault_kind = KM_FAULT_MEMORY;
            snprintf(out->fault_reason, sizeof(out->fault_reason),
                     "memory fault: %s at 0x%08llx (signal %d)", acc, (unsigned long long)m->a[1],
                     sig);
        } else if (sig == SIGABRT) {
            snprintf(out->fault_reason, sizeof(out->fault_reason), "app aborted (signal %d)", sig);
        } else {
            snprintf(out->fault_reason, sizeof(out->fault_reason), "hard fault (signal %d)", sig);
        }
        out->fault_signal = sig;
        out->fault_pc = m->a[3];
        return;
    }
    case IPCSIM_MSG_OP: {
        out->kind = RUN_MSG_OP;
        uint64_t mark = m->a[0], kind = m->a[1], status = m->a[2];
        bool extra = false;
        for (int i = 3; i < IPCSIM_MSG_NARGS; i++)
            extra |= m->a[i] != 0;
        if ((mark != IPCSIM_OP_BEGIN && mark != IPCSIM_OP_END) ||
            ipcsim_op_kind_name(kind) == NULL || (mark == IPCSIM_OP_BEGIN && status != 0) ||
            status > UINT32_MAX || extra) {
            out->bad = "malformed operation mark";
            return;
        }
        out->op_begin = mark == IPCSIM_OP_BEGIN;
        out->op_kind = (unsigned)kind;
        out->op_status = (int32_t)(uint32_t)status;
        return;
    }
    case IPCSIM_MSG_SYSCALL:
        out->kind = RUN_MSG_SYSCALL;
        out->syscall_class = (uint32_t)m->a[0];
        out->regs = (struct km_regs){{m->a[1], m->a[2], m->a[3], m->a[4]}};
        return;
    case IPCSIM_MSG_COMPUTE:
        out->kind = m->a[1] == IPCSIM_COMPUTE_PREEMPTED ? RUN_MSG_PREEMPTED
                    : m->a[1] == IPCSIM_COMPUTE_COPY    ? RUN_MSG_COPY
                                                        : RUN_MSG_COMPUTE;
        out->amount = m->a[0];
        return;
    case IPCSIM_MSG_DOORBELL:
        out->kind = RUN_MSG_DOORBELL;
        for (int i = 0; i < IPCSIM_MSG_NARGS; i++)
            if (m->a[i] != 0)
                out->bad = "DOORBELL with arguments";
        return;
    default:
        out->kind = RUN_MSG_FORBIDDEN;
        out->bad = "message type an app may not send";
        return;
    }
}

static void handle_hello(struct host_proc *hp, const struct run_msg *d)
{
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    if (hp->hello) {
        protocol_fault(hp, "second HELLO");
        return;
    }
    if (d->bad) {
        protocol_fault(hp, d->bad);
        return;
    }
    uint64_t dlo = d->data_lo, dhi = d->data_hi, rlo = d->ro_lo, rhi = d->ro_hi;
    if (a->have_layout && (dhi - dlo != a->data_size || rhi - rlo != a->ro_size)) {
        protocol_fault(hp, "restarted process has a different image");
        return;
    }
    hp->hello = true;
    hp->data_lo = dlo;
    hp->data_hi = dhi;
    hp->ro_lo = rlo;
    hp->ro_hi = rhi;
    hp->text_lo = d->text_lo;
    hp->text_hi = d->text_hi;
    if (!a->have_layout) {
        a->have_layout = true;
        a->data_size = dhi - dlo;
        a->ro_size = rhi - rlo;
    }
    if (!r->started) {
        if (++r->hellos == r->n)
            runner_boot(r);
        return;
    }
    /* a restarted process: same image, possibly at new host addresses */
    km_set_code(r->k, a->index, hp->text_lo, hp->text_hi);
    if (a->pending_dispatch) {
        a->pending_dispatch = false;
        dispatch_send(r, a, &a->pending);
    }
}

static void handle_fault_msg(struct host_proc *hp, const struct run_msg *d)
{
    /* the host program counter changes with address randomisation: a host
     * diagnostic, never part of the results */
    fprintf(stderr, "ipcsim: app %s: signal %d at host pc 0x%llx\n", hp->app->cfg->name,
            d->fault_signal, (unsigned long long)d->fault_pc);
    host_gone(hp, d->fault_kind, d->fault_reason);
}

/* An operation mark: stamped with the current virtual time, answered
 * with nothing, and no syscall (the kernel model never sees it). */
static void handle_op(struct host_proc *hp, const struct run_msg *d)
{
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    if (d->bad) {
        protocol_fault(hp, d->bad);
        return;
    }
    if (!hp->hello || r->running != a->index || !r->awaiting || a->pending_dispatch) {
        protocol_fault(hp, "operation mark while not scheduled");
        return;
    }
    uint64_t now = km_now(r->k);
    if (d->op_begin)
        metrics_op_begin(&a->metrics, d->op_kind, now);
    else
        metrics_op_end(&a->metrics, d->op_kind, d->op_status, now);
    if (r->opt->trace)
        trace_op(r->opt->trace, now, a->index, d->op_begin, ipcsim_op_kind_name(d->op_kind),
                 d->op_status);
}

/* A DOORBELL: the app wrote a request into its mailbox while the pump
 * slept. One that comes late (the pump found the request meanwhile) is
 * harmless. */
static void handle_doorbell(struct host_proc *hp, const struct run_msg *d)
{
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    if (d->bad) {
        protocol_fault(hp, d->bad);
        return;
    }
    if (hp->mb == NULL) {
        protocol_fault(hp, "DOORBELL without a mailbox");
        return;
    }
    if (r->running == a->index && r->awaiting)
        uv_idle_start(&r->pump, mailbox_pump);
}

/* Handles one message of app process hp: from its socket, or (mailbox)
 * the request in its mailbox, which may only be a syscall or COMPUTE. */
static void handle_message(struct host_proc *hp, const struct ipcsim_msg *m, size_t len,
                           bool mailbox)
{
    struct app_host *a = hp->app;
    struct runner *r = a->r;
    struct run_msg d;
    run_decode_msg(m, len, &d);
    if (d.kind == RUN_MSG_INVALID) {
        protocol_fault(hp, d.bad);
        return;
    }
    r->messages++;
    bool request = d.kind == RUN_MSG_SYSCALL || d.kind == RUN_MSG_COMPUTE ||
                   d.kind == RUN_MSG_PREEMPTED || d.kind == RUN_MSG_COPY;
    if (mailbox && !request) {
        protocol_fault(hp, "a mailbox request that is no syscall");
        return;
    }
    if (!mailbox && request && hp->mb != NULL && hp->hello) {
        protocol_fault(hp, "a syscall on the socket instead of the mailbox");
        return;
    }
    switch (d.kind) {
    case RUN_MSG_HELLO:
        handle_hello(hp, &d);
        return;
    case RUN_MSG_FAULT:
        handle_fault_msg(hp, &d);
        return;
    case RUN_MSG_OP:
        handle_op(hp, &d);
        return;
    case RUN_MSG_DOORBELL:
        handle_doorbell(hp, &d);
        return;
    case RUN_MSG_SYSCALL:
    case RUN_MSG_COMPUTE:
    case RUN_MSG_PREEMPTED:
    case RUN_MSG_COPY:
        break;
    default:
        protocol_fault(hp, d.bad);
        return;
    }
    if (!hp->hello || r->running != a->index || !r->awaiting || a->pending_dispatch) {
        protocol_fault(hp, "syscall while not scheduled");
        return;
    }
    r->awaiting = false;
    r->last_request = a->index;
    uv_timer_stop(&r->watchdog);
    int rc;
    if (r->opt->trace && d.kind == RUN_MSG_SYSCALL)
        trace_syscall(r->opt->trace, km_now(r->k), a->index, d.syscall_class, &d.regs);
    else if (r->opt->trace)
        trace_compute(r->opt->trace, km_now(r->k), a->index,
                      d.kind == RUN_MSG_COPY ? km_copy_cycles(r->k, d.amount) : d.amount,
                      d.kind == RUN_MSG_PREEMPTED);
    if (d.kind == RUN_MSG_SYSCALL) {
        metrics_syscall(&a->metrics);
        struct km_regs regs = d.regs;
        rc = km_syscall(r->k, a->index, d.syscall_class, &regs);
    } else if (d.kind == RUN_MSG_PREEMPTED) {
        rc = a->preempts ? km_preempt(r->k, a->index) : -1;
    } else if (d.kind == RUN_MSG_COPY) {
        rc = km_compute_copy(r->k, a->index, d.amount);
    } else {
        rc = km_compute(r->k, a->index, d.amount);
    }
    if (rc < 0) {
        protocol_fault(hp, "syscall the kernel did not expect");
        return;
    }
    runner_step(r);
}

static void host_readable(uv_poll_t *h, int status, int events)
{
    struct host_proc *hp = h->data;
    (void)events;
    if (status < 0) {
        host_died(hp, false);
        return;
    }
    /* Operation marks in the mailbox were made before anything still on
     * the socket (a FAULT): they come first. */
    if (hp->mb != NULL && !hp->gone)
        mailbox_ops(hp);
    /* Drain what is there; stop if the process went away meanwhile. */
    while (hp->fd >= 0 && !hp->gone) {
        union {
            struct ipcsim_msg m;
            uint8_t raw[sizeof(struct ipcsim_msg) + 64];
        } buf;
        ssize_t n = recv(hp->fd, &buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) {
            host_died(hp, false); /* the channel closed: the process went */
            return;
        }
        /* counted as the app counts them in its mailbox: after HELLO,
         * DOORBELLs left out */
        if (hp->hello && (n != (ssize_t)sizeof(buf.m) || buf.m.type != IPCSIM_MSG_DOORBELL))
            hp->sock_read++;
        handle_message(hp, &buf.m, (size_t)n, false);
    }
}

/* ---- The mailbox pump ---------------------------------------------------
 *
 * While the running app is a mailbox app and its answer went out, the pump
 * (an idle handle, so the loop does not block) polls its mailbox for the
 * next request and handles it, which dispatches the next app, and so on,
 * up to a budget per loop turn so that signals, timers and exits are seen.
 * When no request comes within the polling window, it flags itself
 * asleep in the mailbox and stops; the app then rings the DOORBELL. */

#define PUMP_BUDGET 512 /* requests handled per turn of the loop */

/* Handles the operation marks in hp's ring, in order (each as an OP
 * message), and hands the ring back; wakes the app if it waits for room. */
static void mailbox_ops(struct host_proc *hp)
{
    struct ipcsim_mbox *mb = hp->mb;
    uint32_t head = atomic_load_explicit(&mb->op_head, memory_order_seq_cst);
    uint32_t tail = hp->op_read;
    if (head == tail)
        return;
    if (head - tail > IPCSIM_MBOX_OPS) {
        protocol_fault(hp, "operation marks overran their ring in the mailbox");
        return;
    }
    while (tail != head) {
        struct ipcsim_mbox_op op;
        memcpy(&op, &mb->ops[tail % IPCSIM_MBOX_OPS], sizeof(op));
        tail++;
        struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_OP, 0);
        m.a[0] = op.mark;
        m.a[1] = op.kind;
        m.a[2] = op.status;
        m.a[3] = op.reserved; /* must be zero, as the message's a[3] */
        struct run_msg d;
        run_decode_msg(&m, sizeof(m), &d);
        hp->app->r->messages++;
        handle_op(hp, &d);
        if (hp->gone)
            return; /* faulted: its mailbox is gone */
    }
    hp->op_read = tail;
    atomic_store_explicit(&mb->op_tail, tail, memory_order_seq_cst);
    if (atomic_load_explicit(&mb->app_sleeping, memory_order_seq_cst))
        ipcsim_mbox_wake(&mb->op_tail);
}

/* Is hp still the live process of the running app, whose request the
 * runner waits for? (Handling an earlier message may have faulted it or
 * moved on.) */
static bool awaited(const struct runner *r, const struct host_proc *hp)
{
    return !hp->gone && !r->finished && r->running >= 0 && r->awaiting &&
           r->apps[r->running].hp == hp;
}

/* Takes the running app's request if there is one: true if it was handled
 * (or the app was faulted for a bad one). */
static bool mailbox_take(struct runner *r, struct host_proc *hp)
{
    struct ipcsim_mbox *mb = hp->mb;
    uint32_t seq = atomic_load_explicit(&mb->req_seq, memory_order_acquire);
    if (seq == hp->req_seen)
        return false;
    if (seq != hp->req_seen + 1) {
        protocol_fault(hp, "mailbox request sequence number jumped");
        return true;
    }
    hp->req_seen = seq;
    /* operation marks, then socket messages (FAULT) sent before this
     * request come first */
    mailbox_ops(hp);
    if (!awaited(r, hp))
        return true;
    if (atomic_load_explicit(&mb->sock_sent, memory_order_relaxed) != hp->sock_read) {
        host_readable(&hp->poll, 0, UV_READABLE);
        if (!awaited(r, hp))
            return true;
    }
    struct ipcsim_msg m;
    memcpy(&m, &mb->req, sizeof(m)); /* the app may write on: decode a copy */
    handle_message(hp, &m, sizeof(m), true);
    return true;
}

static void mailbox_pump(uv_idle_t *h)
{
    struct runner *r = h->data;
    for (unsigned n = 0; n < PUMP_BUDGET; n++) {
        struct host_proc *hp = NULL;
        if (!r->finished && r->running >= 0 && r->awaiting)
            hp = r->apps[r->running].hp;
        if (hp == NULL || hp->mb == NULL || hp->gone || !hp->hello ||
            r->apps[r->running].pending_dispatch) {
            uv_idle_stop(h); /* nothing to poll: a socket event comes next */
            return;
        }
        if (mailbox_take(r, hp))
            continue;
        if (ipcsim_mbox_poll(&hp->mb->req_seq, hp->req_seen, &r->kspin, NULL))
            continue;
        mailbox_ops(hp); /* an app with a full ring waits for room */
        if (hp->gone)
            continue;
        atomic_store_explicit(&hp->mb->kern_sleeping, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&hp->mb->req_seq, memory_order_seq_cst) != hp->req_seen ||
            atomic_load_explicit(&hp->mb->op_head, memory_order_seq_cst) != hp->op_read)
            continue;
        uv_idle_stop(h); /* asleep: the DOORBELL wakes the loop */
        return;
    }
}

/* ---- Kernel events ------------------------------------------------------- */

/* Grows *buf (capacity *cap) to hold at least `need` bytes; false if out
 * of memory. */
static bool buf_reserve(char **buf, size_t *cap, size_t need, size_t initial)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : initial;
    while (n < need)
        n *= 2;
    char *nb = realloc(*buf, n);
    if (nb == NULL)
        return false;
    *buf = nb;
    *cap = n;
    return true;
}

static void console_append(struct app_host *a, const uint8_t *data, uint32_t len)
{
    size_t max = a->r->capture_max;
    if (a->console_len + len > max) {
        size_t room = a->console_len < max ? max - a->console_len : 0;
        a->console_dropped += len - room;
        len = (uint32_t)room;
        if (len == 0)
            return;
    }
    if (!buf_reserve(&a->console, &a->console_cap, a->console_len + len + 1, 1024))
        return;
    memcpy(a->console + a->console_len, data, len);
    a->console_len += len;
    a->console[a->console_len] = '\0';
}

/* Appends to the merged transcript (all apps' lines in the order they
 * were printed), bounded like the per-app capture. */
static void transcript_add(struct runner *r, const char *name, const char *text, size_t len)
{
    size_t need = strlen(name) + len + 4;
    if (r->transcript_len + need > r->capture_max)
        return;
    if (!buf_reserve(&r->transcript, &r->transcript_cap, r->transcript_len + need + 1, 4096))
        return;
    r->transcript_len +=
        (size_t)sprintf(r->transcript + r->transcript_len, "[%s] %.*s\n", name, (int)len, text);
}

/* Remembers at which virtual time the next console bytes of a arrive, for
 * the console_after expectation. */
static void console_mark(struct app_host *a, uint64_t time_us)
{
    if (a->n_marks == a->cap_marks) {
        size_t cap = a->cap_marks ? a->cap_marks * 2 : 64;
        struct run_console_mark *m = realloc(a->marks, cap * sizeof(*m));
        if (m == NULL)
            return;
        a->marks = m;
        a->cap_marks = cap;
    }
    a->marks[a->n_marks].time_us = time_us;
    a->marks[a->n_marks].offset = a->console_len;
    a->n_marks++;
}

static void console_flush_line(struct app_host *a)
{
    struct runner *r = a->r;
    if (!r->opt->quiet && r->opt->console)
        fprintf(r->opt->console, "[%s] %.*s\n", a->cfg->name, (int)a->line_len, a->line);
    transcript_add(r, a->cfg->name, a->line, a->line_len);
    a->line_len = 0;
}

static void console_live(struct app_host *a, const uint8_t *data, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            console_flush_line(a);
            continue;
        }
        if (a->line_len == sizeof(a->line))
            console_flush_line(a);
        a->line[a->line_len++] = (char)data[i];
    }
}

static void injection_add(struct runner *r, struct app_host *a, const struct km_event *ev)
{
    if (!r->opt->quiet && r->opt->console)
        fprintf(r->opt->console, "[%s] injected %s: %s\n", a ? a->cfg->name : "-",
                km_inject_kind_name(ev->u.inject.kind), ev->u.inject.detail);
    struct run_injection *x = realloc(r->injections, (r->n_injections + 1) * sizeof(*x));
    if (x == NULL)
        return;
    r->injections = x;
    x = &x[r->n_injections++];
    x->app = a ? a->cfg->name : "";
    x->rule = ev->u.inject.rule;
    x->kind = ev->u.inject.kind;
    x->time_ns = km_cycles_to_ns(r->k, ev->time);
    snprintf(x->detail, sizeof(x->detail), "%s", ev->u.inject.detail);
}

static void findings_add(struct runner *r, struct app_host *a, const char *text)
{
    struct run_finding *f = realloc(r->findings, (r->n_findings + 1) * sizeof(*f));
    if (f == NULL)
        return;
    r->findings = f;
    f[r->n_findings].app = a ? a->cfg->name : "";
    f[r->n_findings].text = text;
    f[r->n_findings].time_ns = km_cycles_to_ns(r->k, km_now(r->k));
    r->n_findings++;
}

static void on_km_event(void *ctx, const struct km_event *ev)
{
    struct runner *r = ctx;
    struct app_host *a = ev->proc >= 0 ? &r->apps[ev->proc] : NULL;
    if (r->opt->trace)
        trace_km_event(r->opt->trace, ev);
    switch (ev->kind) {
    case KM_EV_CONSOLE:
        console_mark(a, km_cycles_to_ns(r->k, ev->time) / 1000u);
        console_append(a, ev->u.console.data, ev->u.console.len);
        console_live(a, ev->u.console.data, ev->u.console.len);
        break;
    case KM_EV_LED:
        r->res->led_changes++;
        if (ev->u.led.on)
            r->res->led_final |= 1u << ev->u.led.index;
        else
            r->res->led_final &= ~(1u << ev->u.led.index);
        break;
    case KM_EV_TERMINATE:
        metrics_abandon(&a->metrics);
        host_kill(a->hp);
        a->pending_dispatch = false;
        break;
    case KM_EV_RESTART:
        metrics_abandon(&a->metrics);
        host_kill(a->hp);
        a->pending_dispatch = false;
        a->death_pending = false;
        if (!r->finished) {
            int rc = host_spawn(a);
            if (rc < 0)
                runner_host_error(r, "cannot start app %s again: %s", a->cfg->name,
                                  uv_strerror(rc));
        }
        break;
    case KM_EV_PANIC:
        snprintf(r->res->panic_reason, sizeof(r->res->panic_reason), "%s", ev->u.panic.reason);
        break;
    case KM_EV_FINDING:
        if (!r->opt->quiet && r->opt->console)
            fprintf(r->opt->console, "[%s] finding: %s\n", a ? a->cfg->name : "kernel",
                    ev->u.finding.text);
        findings_add(r, a, ev->u.finding.text);
        break;
    case KM_EV_FAULT:
        fault_dump(r, a, ev->u.fault.reason);
        break;
    case KM_EV_KILL:
        /* injected: the process dies as if killed from outside; the
         * kernel learns it like any other death */
        if (a->hp && !a->hp->exited)
            uv_process_kill(&a->hp->proc, SIGKILL);
        break;
    case KM_EV_INJECT:
        injection_add(r, a, ev);
        break;
    case KM_EV_NOTICE: /* e.g. an IPC window the MPU refused (legacy IPC) */
        if (!r->opt->quiet && r->opt->console)
            fprintf(r->opt->console, "[%s] kernel: %s\n", a ? a->cfg->name : "-",
                    ev->u.notice.text);
        break;
    case KM_EV_STATE:
    case KM_EV_IPC:
    case KM_EV_DISCOVER:
        break;
    }
}

/* ---- Start and finish ----------------------------------------------------- */

/* Not every app announced itself within the host-time limit. */
static void startup_timeout(uv_timer_t *t)
{
    struct runner *r = t->data;
    if (r->started)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (r->apps[i].hp == NULL || !r->apps[i].hp->hello) {
            runner_host_error(r, "app %s did not start (%s)", r->apps[i].cfg->name,
                              "no HELLO on its channel within the host timeout");
            return;
        }
}

static void on_signal(uv_signal_t *h, int sig)
{
    struct runner *r = h->data;
    (void)sig;
    r->res->interrupted = true;
    runner_finish(r);
}

static void runner_finish(struct runner *r)
{
    if (r->finished)
        return;
    r->finished = true;
    for (size_t i = 0; i < r->n; i++) {
        struct app_host *a = &r->apps[i];
        if (a->line_len)
            console_flush_line(a);
        metrics_abandon(&a->metrics);
        host_kill(a->hp);
    }
    uv_timer_stop(&r->watchdog);
    uv_close((uv_handle_t *)&r->watchdog, NULL);
    uv_idle_stop(&r->pump);
    uv_close((uv_handle_t *)&r->pump, NULL);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void runner_collect(struct runner *r)
{
    struct run_result *res = r->res;
    res->end_reason = km_end_reason_of(r->k);
    snprintf(res->panic_reason, sizeof(res->panic_reason), "%s", km_panic_reason(r->k));
    res->end_cycles = km_now(r->k);
    res->end_ns = km_cycles_to_ns(r->k, res->end_cycles);
    res->clock_hz = r->s->platform.clock_hz;
    res->n_apps = r->n;
    res->transcript = r->transcript;
    r->transcript = NULL;
    res->findings = r->findings;
    res->n_findings = r->n_findings;
    r->findings = NULL;
    res->injections = r->injections;
    res->n_injections = r->n_injections;
    r->injections = NULL;
    res->apps = calloc(r->n, sizeof(*res->apps));
    if (res->apps == NULL) {
        res->n_apps = 0;
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        struct app_host *a = &r->apps[i];
        km_proc_info(r->k, (int)i, &res->apps[i].info);
        res->apps[i].console = a->console;
        res->apps[i].console_len = a->console_len;
        res->apps[i].host_spawns = a->spawns;
        res->apps[i].host_rss_peak_kb = a->rss_peak_kb;
        res->apps[i].console_dropped = a->console_dropped;
        res->apps[i].marks = a->marks;
        res->apps[i].n_marks = a->n_marks;
        res->apps[i].metrics = a->metrics;
        memset(&a->metrics, 0, sizeof(a->metrics));
        a->marks = NULL;
        a->console = NULL;
    }
}

/* Expands the scenario's faults into kernel injection rules, one per
 * targeted instance, in scenario order, with times in cycles. */
static int build_injection(struct runner *r, const struct scn_scenario *s)
{
    size_t n = 0;
    for (size_t f = 0; f < s->n_faults; f++)
        for (size_t i = 0; i < r->n; i++)
            n += strcmp(s->faults[f].app, s->apps[i].name) == 0 ||
                 strcmp(s->faults[f].app, s->apps[i].base_name) == 0;
    if (n == 0)
        return 0;
    struct km_inject_rule *rules = calloc(n, sizeof(*rules));
    if (rules == NULL)
        return -1;
    uint64_t hz = s->platform.clock_hz;
    size_t k = 0;
    for (size_t f = 0; f < s->n_faults; f++) {
        const struct scn_fault *sf = &s->faults[f];
        for (size_t i = 0; i < r->n; i++) {
            if (strcmp(sf->app, s->apps[i].name) != 0 && strcmp(sf->app, s->apps[i].base_name) != 0)
                continue;
            struct km_inject_rule *x = &rules[k++];
            x->kind = sf->kind;
            x->proc = (int)i;
            x->trigger = sf->trigger;
            x->at_cycles = sf->at_us * hz / 1000000u;
            x->nth = sf->nth;
            x->rate_ppm = sf->rate_ppm;
            x->event = sf->event[0] ? sf->event : NULL;
            x->match_class = sf->match_class;
            x->match_driver = sf->match_driver;
            x->match_number = sf->match_number;
            x->error = sf->error;
            x->delay_cycles = sf->delay_us * hz / 1000000u;
            x->bits = sf->bits;
            x->allow_class = sf->allow_class;
            x->exit_code = sf->code;
        }
    }
    r->rules = rules;
    r->kcfg.inject = rules;
    r->kcfg.ninject = (unsigned)n;
    return 0;
}

int run_scenario(const struct scn_scenario *s, const struct run_options *opt,
                 struct run_result *res)
{
    memset(res, 0, sizeof(*res));
    struct runner rr = {0}, *r = &rr;
    r->s = s;
    r->opt = opt;
    r->res = res;
    r->n = s->n_apps;
    r->running = -1;
    r->last_request = -1;
    r->sram_fd = r->flash_fd = -1;
    /* the CLI's --host-timeout wins, then the scenario's watchdog_ms */
    r->watchdog_ms =
        opt->host_timeout_set || !s->watchdog_ms ? opt->host_timeout_ms : s->watchdog_ms;
    r->capture_max = opt->capture_max ? opt->capture_max : CONSOLE_CAPTURE_DEFAULT;
    r->tp = transports[opt->transport];
    /* the simulator polls only when another CPU can run the app meanwhile */
    if (r->tp == &mailbox_transport)
        r->kspin = ipcsim_mbox_spin_default(false);
    res->seed = opt->has_seed ? opt->seed : s->seed;
    double t0 = now_s();
    r->t0 = t0;
    bool ran = false;

    char err[256];
    const struct scn_platform *pl = &s->platform;
    if (mem_create("ipcsim-sram", pl->sram_base, pl->sram_size, &r->sram_fd, &r->sram, err,
                   sizeof(err)) < 0 ||
        mem_create("ipcsim-flash", pl->flash_base, pl->flash_size, &r->flash_fd, &r->flash, err,
                   sizeof(err)) < 0) {
        snprintf(res->host_error_msg, sizeof(res->host_error_msg), "%s", err);
        res->host_error = true;
        goto out_mem;
    }

    r->pcfg = calloc(r->n, sizeof(*r->pcfg));
    r->apps = calloc(r->n, sizeof(*r->apps));
    if (!r->pcfg || !r->apps) {
        snprintf(res->host_error_msg, sizeof(res->host_error_msg), "out of memory");
        res->host_error = true;
        goto out_mem;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct scn_app *sa = &s->apps[i];
        r->pcfg[i].name = sa->name;
        r->pcfg[i].package_name = sa->package_name;
        r->pcfg[i].min_ram = sa->ram;
        r->pcfg[i].priority = sa->priority;
        r->pcfg[i].fault_policy = sa->fault_policy;
        r->pcfg[i].short_id = sa->short_id;
        r->apps[i].index = (int)i;
        r->apps[i].r = r;
        r->apps[i].ctl_fd = -1;
        r->apps[i].cfg = sa;
    }
    struct km_config *kc = &r->kcfg;
    kc->mem.sram_base = pl->sram_base + pl->kernel_ram;
    kc->mem.sram_size = pl->sram_size - pl->kernel_ram;
    kc->mem.flash = r->flash;
    kc->mem.flash_base = pl->flash_base;
    kc->mem.flash_size = pl->flash_size;
    kc->mpu.ops = km_mpu_find(pl->mpu);
    kc->mpu.p.num_regions = pl->mpu_regions;
    kc->mpu.p.min_region_size = pl->mpu_min_region_size;
    kc->mpu.p.epmp = pl->mpu_epmp;
    kc->initial_app_brk = strcmp(pl->mpu, "riscv_pmp") == 0 ? 0 : 32;
    /* the model addresses SRAM from the start of the app area */
    kc->mem.sram = r->sram + pl->kernel_ram;
    kc->clock_hz = pl->clock_hz;
    kc->alarm_hz = pl->alarm_hz;
    kc->led_count = pl->led_count;
    kc->seed = res->seed;
    kc->duration_cycles = s->duration_ms * pl->clock_hz / 1000u;
    kc->scheduler = s->scheduler;
    kc->timeslice_us = s->timeslice_us;
    kc->costs = pl->costs;
    kc->nprocs = (unsigned)r->n;
    kc->procs = r->pcfg;
    if (build_injection(r, s) < 0) {
        snprintf(res->host_error_msg, sizeof(res->host_error_msg), "out of memory");
        res->host_error = true;
        goto out_mem;
    }
    kc->ipc.mechanism = s->ipc_mechanism;
    kc->ipc.refuse_unexposable = s->ipc_refuse_unexposable;
    kc->ipc.planted_bug = s->ipc_planted_bug;
    for (size_t i = 0; i < s->n_registry_rules; i++) {
        /* registry names are 20 bytes, zero padded */
        memset(r->reg_rules[i].name, 0, sizeof r->reg_rules[i].name);
        memcpy(r->reg_rules[i].name, s->registry_rules[i].name, strlen(s->registry_rules[i].name));
        r->reg_rules[i].package_name = s->registry_rules[i].package_name;
    }
    kc->ipc.n_registry_rules = (unsigned)s->n_registry_rules;
    kc->ipc.registry_rules = r->reg_rules;
    kc->on_event = on_km_event;
    kc->ctx = r;
    for (size_t i = 0; i < r->n; i++) {
        struct app_host *a = &r->apps[i];
        uint8_t *ctl;
        char name[32];
        snprintf(name, sizeof(name), "ipcsim-ctl-%zu", i);
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, IPCSIM_CONTROL_SIZE) < 0 ||
            (ctl = mmap(NULL, IPCSIM_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
                MAP_FAILED) {
            snprintf(res->host_error_msg, sizeof(res->host_error_msg),
                     "cannot create control memory: %s", strerror(errno));
            res->host_error = true;
            if (fd >= 0)
                close(fd);
            goto out_mem;
        }
        a->ctl_fd = fd;
        a->view = (struct ipcsim_view *)ctl;
    }

    uv_loop_init(&r->loop);
    uv_timer_init(&r->loop, &r->watchdog);
    r->watchdog.data = r;
    uv_signal_init(&r->loop, &r->sigint);
    uv_signal_init(&r->loop, &r->sigterm);
    r->sigint.data = r->sigterm.data = r;
    uv_idle_init(&r->loop, &r->pump);
    r->pump.data = r;
    uv_signal_start(&r->sigint, on_signal, SIGINT);
    uv_signal_start(&r->sigterm, on_signal, SIGTERM);
    signal(SIGPIPE, SIG_IGN);

    for (size_t i = 0; i < r->n && !r->finished; i++) {
        int rc = host_spawn(&r->apps[i]);
        if (rc < 0)
            runner_host_error(r, "cannot start app %s: %s", r->apps[i].cfg->name, uv_strerror(rc));
    }
    if (!r->finished && r->watchdog_ms)
        uv_timer_start(&r->watchdog, startup_timeout, startup_ms(r), 0);
    ran = true;
    uv_run(&r->loop, UV_RUN_DEFAULT);
    uv_loop_close(&r->loop);

    if (r->k)
        runner_collect(r);
    res->host_messages = r->messages;
    res->host_transport = r->tp->name;
    res->host_first_start_s = r->first_start_s;
    km_destroy(r->k);
out_mem:
    if (r->apps)
        for (size_t i = 0; i < r->n; i++) {
            free(r->apps[i].console);
            free(r->apps[i].marks);
            metrics_app_free(&r->apps[i].metrics);
            if (r->apps[i].view)
                munmap(r->apps[i].view, IPCSIM_CONTROL_SIZE);
            if (r->apps[i].ctl_fd >= 0)
                close(r->apps[i].ctl_fd);
        }
    free(r->apps);
    free(r->pcfg);
    free(r->transcript);
    free(r->findings);
    free(r->injections);
    free(r->rules);
    if (r->sram)
        munmap(r->sram, pl->sram_size);
    if (r->flash)
        munmap(r->flash, pl->flash_size);
    if (r->sram_fd >= 0)
        close(r->sram_fd);
    if (r->flash_fd >= 0)
        close(r->flash_fd);
    res->host_wall_s = now_s() - t0;
    return ran ? 0 : -1;
}

void run_result_free(struct run_result *res)
{
    for (size_t i = 0; i < res->n_apps; i++) {
        free(res->apps[i].console);
        free(res->apps[i].marks);
        metrics_app_free(&res->apps[i].metrics);
    }
    free(res->apps);
    res->apps = NULL;
    res->n_apps = 0;
    free(res->transcript);
    res->transcript = NULL;
    free(res->findings);
    res->findings = NULL;
    res->n_findings = 0;
    free(res->injections);
    res->injections = NULL;
    res->n_injections = 0;
}
