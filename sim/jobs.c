/* jobs.c: parallel child runs from a libuv loop (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

/* One per job: a handle is never reused, since a closed handle is only
 * released on a later loop iteration. */
struct jobs_slot {
    uv_process_t proc;
    size_t index;
    bool running;
    double began;
};

struct jobs_loop {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    struct jobs_job *jobs;
    struct jobs_slot *slots;
    size_t next;
    unsigned parallel;
    jobs_done_fn done;
    void *ctx;
    struct jobs_status *st;
    bool closed;
};

double jobs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned jobs_default_parallel(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

void jobs_progress(const struct jobs_status *st, const char *noun, size_t n_bad, const char *bad,
                   bool final)
{
    if (!isatty(STDERR_FILENO))
        return;
    const int width = 30;
    int fill = st->n ? (int)(st->done * (size_t)width / st->n) : width;
    double el = jobs_now() - st->started;
    fprintf(stderr, "\r[");
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu %s, %zu %s, %.1f %s/s", st->done, st->n, noun, n_bad, bad,
            el > 0 ? (double)st->done / el : 0.0, noun);
    if (final)
        fprintf(stderr, "\n");
    fflush(stderr);
}

static void close_signals(struct jobs_loop *l)
{
    if (l->closed)
        return;
    l->closed = true;
    uv_close((uv_handle_t *)&l->sigint, NULL);
    uv_close((uv_handle_t *)&l->sigterm, NULL);
}

static void stop_all(struct jobs_loop *l)
{
    for (size_t i = 0; i < l->next; i++)
        if (l->slots[i].running)
            uv_process_kill(&l->slots[i].proc, SIGTERM);
}

static void launch(struct jobs_loop *l);

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct jobs_slot *slot = p->data;
    struct jobs_loop *l = p->loop->data;
    struct jobs_job *job = &l->jobs[slot->index];
    job->exit_status = status;
    job->term_signal = sig;
    job->seconds = jobs_now() - slot->began;
    slot->running = false;
    l->st->running--;
    l->st->done++;
    if (sig != 0 || status != 0)
        l->st->failed++;
    uv_close((uv_handle_t *)p, NULL);
    if (l->done && !l->st->interrupted && !l->st->stopped &&
        l->done(job, slot->index, l->st, l->ctx)) {
        l->st->stopped = true;
        stop_all(l);
    }
    launch(l);
}

static int start(struct jobs_loop *l, struct jobs_slot *slot, size_t index)
{
    struct jobs_job *job = &l->jobs[index];
    int fd = -1, efd = -1;
    if (job->log && (fd = open(job->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "ipcsim: %s: %s\n", job->log, strerror(errno));
        return -1;
    }
    if (job->err_log &&
        (efd = open(job->err_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "ipcsim: %s: %s\n", job->err_log, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_IGNORE}};
    if (fd >= 0)
        stdio[1] = stdio[2] = (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = fd};
    if (efd >= 0)
        stdio[2] = (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = efd};
    uv_process_options_t o = {.file = job->argv[0],
                              .args = job->argv,
                              .env = job->env,
                              .exit_cb = on_exit_cb,
                              .stdio_count = 3,
                              .stdio = stdio};
    slot->proc.data = slot;
    slot->index = index;
    slot->began = jobs_now();
    int rc = uv_spawn(&l->loop, &slot->proc, &o);
    if (fd >= 0)
        close(fd);
    if (efd >= 0)
        close(efd);
    if (rc < 0) {
        fprintf(stderr, "ipcsim: cannot start %s: %s\n", job->argv[0], uv_strerror(rc));
        uv_close((uv_handle_t *)&slot->proc, NULL);
        return -1;
    }
    slot->running = true;
    l->st->running++;
    return 0;
}

static void launch(struct jobs_loop *l)
{
    while (!l->st->interrupted && !l->st->stopped && l->st->running < l->parallel &&
           l->next < l->st->n) {
        size_t i = l->next++;
        if (start(l, &l->slots[i], i) < 0) {
            l->jobs[i].exit_status = JOBS_NOT_STARTED;
            l->st->done++;
            l->st->failed++;
        }
    }
    if (l->st->running == 0 && (l->st->interrupted || l->st->stopped || l->next >= l->st->n))
        close_signals(l);
}

static void on_signal(uv_signal_t *h, int sig)
{
    struct jobs_loop *l = h->loop->data;
    (void)sig;
    if (l->st->interrupted)
        return;
    l->st->interrupted = true;
    stop_all(l);
    if (l->st->running == 0)
        close_signals(l);
}

int jobs_run(struct jobs_job *jobs, size_t n, unsigned parallel, jobs_done_fn done, void *ctx,
             struct jobs_status *st)
{
    memset(st, 0, sizeof(*st));
    st->n = n;
    st->started = jobs_now();
    for (size_t i = 0; i < n; i++) {
        jobs[i].exit_status = JOBS_CANCELLED;
        jobs[i].term_signal = 0;
        jobs[i].seconds = 0;
    }
    if (parallel == 0)
        parallel = 1;
    struct jobs_loop l = {.jobs = jobs, .parallel = parallel, .done = done, .ctx = ctx, .st = st};
    l.slots = calloc(n ? n : 1, sizeof(*l.slots));
    if (l.slots == NULL || uv_loop_init(&l.loop) < 0) {
        free(l.slots);
        return -1;
    }
    l.loop.data = &l;
    uv_signal_init(&l.loop, &l.sigint);
    uv_signal_init(&l.loop, &l.sigterm);
    uv_signal_start(&l.sigint, on_signal, SIGINT);
    uv_signal_start(&l.sigterm, on_signal, SIGTERM);
    launch(&l);
    uv_run(&l.loop, UV_RUN_DEFAULT);
    uv_loop_close(&l.loop);
    free(l.slots);
    return st->interrupted ? 130 : st->stopped ? 1 : 0;
}
