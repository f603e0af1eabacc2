/* alarm.c: the virtual-alarm service -- many tick and millisecond alarms
 * multiplexed onto the one compare value the alarm driver gives a process.
 *
 * Sections: tick arithmetic; the pending list; arming the driver; the
 * driver upcall (dispatch); tick alarms; millisecond and repeating alarms.
 *
 * Every alarm is (reference, dt): it is due once `now - reference >= dt` in
 * wrapping 32-bit arithmetic, which stays right across counter wrap as long
 * as an alarm is looked at less than 2^32 ticks after its reference.
 * Pending alarms sit in one circular list with a sentinel, ordered by due
 * time; the driver is armed for the head. When the driver's upcall runs, the
 * expired prefix moves to a list local to that dispatch, and the callbacks
 * run from there, so callbacks may set or cancel any alarm, and may even
 * yield (and so dispatch again, nested) without confusing the lists.
 */
#include <libtock/services/alarm.h>

/* ---- Tick arithmetic -------------------------------------------------- */

/* Length of one chained step of a millisecond alarm longer than 2^32 ticks:
 * half the counter range, so a step never comes near wrapping. */
#define CHUNK_TICKS 0x80000000u

/* The driver's frequency never changes while a process runs: ask once. */
static uint32_t cached_hz;

/* Returns the tick frequency in Hz, or 0 if the driver cannot tell. */
static uint32_t frequency(void)
{
    if (cached_hz == 0) {
        uint32_t hz = 0;
        if (libtock_alarm_command_get_frequency(&hz) == RETURNCODE_SUCCESS)
            cached_hz = hz;
    }
    return cached_hz;
}

/* Milliseconds to ticks, exact to within one tick, in 64 bits. */
static uint64_t ms_to_ticks(uint32_t ms)
{
    uint64_t hz = frequency();
    return (uint64_t)(ms / 1000u) * hz + (uint64_t)(ms % 1000u) * hz / 1000u;
}

uint32_t libtock_alarm_ticks_to_ms(uint32_t ticks)
{
    uint32_t hz = frequency();
    if (hz == 0)
        return 0;
    uint64_t ms = (uint64_t)(ticks / hz) * 1000u + (uint64_t)(ticks % hz) * 1000u / hz;
    return (uint32_t)ms;
}

static bool has_expired(const libtock_alarm_ticks_t *a, uint32_t now)
{
    return (uint32_t)(now - a->reference) >= a->dt;
}

/* Ticks until `a` is due, 0 once it is. */
static uint32_t ticks_left(const libtock_alarm_ticks_t *a, uint32_t now)
{
    uint32_t elapsed = now - a->reference;
    return elapsed >= a->dt ? 0 : a->dt - elapsed;
}

/* ---- The pending list ------------------------------------------------- */

/* Sentinel of the circular list of pending alarms, ordered by due time. */
static libtock_alarm_ticks_t pending = {.next = &pending, .prev = &pending};

/* One running dispatch: the expired alarms whose callbacks are yet to run. */
struct dispatch_frame {
    libtock_alarm_ticks_t due;    /* sentinel of this dispatch's list */
    struct dispatch_frame *outer; /* the dispatch this one is nested in */
};

/* The innermost running dispatch, NULL outside the upcall. */
static struct dispatch_frame *innermost;

/* Counts dispatches, so one can tell that a callback yielded and a nested
 * dispatch ran (after which its own idea of `now` is stale). */
static uint32_t dispatch_count;

static void list_unlink(libtock_alarm_ticks_t *a)
{
    a->prev->next = a->next;
    a->next->prev = a->prev;
    a->next = NULL;
    a->prev = NULL;
}

/* Links `a` into a circular list just before `pos`. */
static void list_insert_before(libtock_alarm_ticks_t *pos, libtock_alarm_ticks_t *a)
{
    a->next = pos;
    a->prev = pos->prev;
    pos->prev->next = a;
    pos->prev = a;
}

static bool list_contains(const libtock_alarm_ticks_t *sentinel, const libtock_alarm_ticks_t *a)
{
    for (const libtock_alarm_ticks_t *e = sentinel->next; e != sentinel; e = e->next) {
        if (e == a)
            return true;
    }
    return false;
}

/* True if `a` is in the pending list or waiting in some dispatch. Finding it
 * by search, not by its own links, makes cancel and re-set safe on an alarm
 * struct that was never set (whose links may hold garbage). */
static bool is_linked(const libtock_alarm_ticks_t *a)
{
    if (list_contains(&pending, a))
        return true;
    for (const struct dispatch_frame *f = innermost; f != NULL; f = f->outer) {
        if (list_contains(&f->due, a))
            return true;
    }
    return false;
}

/* Inserts `a` in due order (after alarms due at the same time). */
static void pending_insert(libtock_alarm_ticks_t *a, uint32_t now)
{
    uint32_t left = ticks_left(a, now);
    libtock_alarm_ticks_t *pos = pending.next;
    while (pos != &pending && ticks_left(pos, now) <= left)
        pos = pos->next;
    list_insert_before(pos, a);
}

/* ---- Arming the driver ------------------------------------------------ */

static void alarm_upcall(int kernel_now, int due, int unused, void *opaque);

static bool upcall_installed;              /* our upcall is subscribed */
static bool armed;                         /* the driver is set on our behalf ... */
static uint32_t armed_reference, armed_dt; /* ... for this expiry */

/* Points the driver at the head of the pending list (or stops it when the
 * list is empty); does nothing if it is already set that way. */
static int arm_head(void)
{
    libtock_alarm_ticks_t *head = pending.next;
    int err;

    if (head == &pending) {
        if (armed)
            (void)libtock_alarm_command_stop();
        armed = false;
        return RETURNCODE_SUCCESS;
    }
    if (armed && armed_reference == head->reference && armed_dt == head->dt)
        return RETURNCODE_SUCCESS;
    if (!upcall_installed) {
        err = libtock_alarm_set_upcall(alarm_upcall, NULL);
        if (err != RETURNCODE_SUCCESS)
            return err;
        upcall_installed = true;
    }
    err = libtock_alarm_command_set_absolute(head->reference, head->dt);
    if (err != RETURNCODE_SUCCESS) {
        armed = false;
        return err;
    }
    armed = true;
    armed_reference = head->reference;
    armed_dt = head->dt;
    return RETURNCODE_SUCCESS;
}

/* When no alarm is left, forgets the subscription so that the next alarm
 * subscribes afresh: that drops any stale upcall still queued, and
 * reclaims the upcall if the app used the driver directly meanwhile. */
static void release_if_idle(void)
{
    if (pending.next == &pending && innermost == NULL)
        upcall_installed = false;
}

/* ---- The driver upcall ------------------------------------------------ */

/* Runs the callbacks of every alarm that is due, then re-arms the driver.
 * The kernel's (now, due) arguments are not trusted to be current: the
 * process may run long after the upcall was queued, and the upcall may be
 * stale, so the counter is read afresh. */
static void alarm_upcall(int kernel_now, int due, int unused, void *opaque)
{
    struct dispatch_frame frame;
    uint32_t now;

    (void)due;
    (void)unused;
    (void)opaque;
    armed = false; /* the driver's compare has fired */
    if (libtock_alarm_command_read(&now) != RETURNCODE_SUCCESS)
        now = (uint32_t)kernel_now;

    frame.due.next = &frame.due;
    frame.due.prev = &frame.due;
    frame.outer = innermost;
    innermost = &frame;
    dispatch_count++;

    while (pending.next != &pending && has_expired(pending.next, now)) {
        libtock_alarm_ticks_t *a = pending.next;
        list_unlink(a);
        list_insert_before(&frame.due, a);
    }
    /* Keep the remaining alarms running while the callbacks do: one of them
     * may yield and wait for another alarm. */
    (void)arm_head();
    while (frame.due.next != &frame.due) {
        libtock_alarm_ticks_t *a = frame.due.next;
        uint32_t count = dispatch_count;
        list_unlink(a);
        if (a->callback != NULL)
            a->callback(now, a->reference + a->dt, a->ud);
        if (dispatch_count != count)
            (void)libtock_alarm_command_read(&now);
    }

    innermost = frame.outer;
    (void)arm_head();
    release_if_idle();
}

/* ---- Tick alarms ------------------------------------------------------ */

/* Sets `a` and makes it pending, given the current tick count. */
static int alarm_start(libtock_alarm_ticks_t *a, uint32_t now, uint32_t reference, uint32_t dt,
                       libtock_alarm_callback cb, void *ud)
{
    if (is_linked(a))
        list_unlink(a);
    a->reference = reference;
    a->dt = dt;
    a->callback = cb;
    a->ud = ud;
    pending_insert(a, now);

    int err = arm_head();
    if (err != RETURNCODE_SUCCESS) {
        list_unlink(a);
        (void)arm_head();
    }
    return err;
}

int libtock_alarm_at(uint32_t reference, uint32_t dt, libtock_alarm_callback callback, void *opaque,
                     libtock_alarm_ticks_t *alarm)
{
    uint32_t now;
    int err = libtock_alarm_command_read(&now);
    if (err != RETURNCODE_SUCCESS)
        return err;
    return alarm_start(alarm, now, reference, dt, callback, opaque);
}

void libtock_alarm_cancel(libtock_alarm_ticks_t *alarm)
{
    if (!is_linked(alarm))
        return;
    bool was_head = pending.next == alarm;
    list_unlink(alarm);
    if (was_head)
        (void)arm_head();
    release_if_idle();
}

int libtock_alarm_gettimeasticks(struct timeval *tv)
{
    uint32_t now;
    uint32_t hz = frequency();
    int err = libtock_alarm_command_read(&now);

    if (err != RETURNCODE_SUCCESS)
        return err;
    if (hz == 0)
        return RETURNCODE_FAIL;
    tv->tv_sec = (time_t)(now / hz);
    tv->tv_usec = (suseconds_t)((uint64_t)(now % hz) * 1000000u / hz);
    return 0;
}

/* ---- Millisecond and repeating alarms --------------------------------- */

/* A millisecond alarm of T ticks is `overflows_left` steps of CHUNK_TICKS
 * followed by one of `remaining_ticks` (when T fits in 32 bits, just the
 * latter). overflows_left counts the chunk steps not yet completed, the
 * pending one included. The tick alarm's callback says which kind of
 * millisecond alarm it is: ms_oneshot_step or ms_repeating_step. */

/* Schedules the next step of `m` from `reference`. */
static int ms_arm_step(libtock_alarm_t *m, uint32_t now, uint32_t reference,
                       libtock_alarm_callback step)
{
    uint32_t dt = m->overflows_left > 0 ? CHUNK_TICKS : m->remaining_ticks;
    return alarm_start(&m->alarm, now, reference, dt, step, m);
}

/* Starts a series of steps that lasts `ticks` from `reference`. */
static int ms_start(libtock_alarm_t *m, uint32_t now, uint32_t reference, uint64_t ticks,
                    libtock_alarm_callback step)
{
    if (ticks <= UINT32_MAX) {
        m->overflows_left = 0;
        m->remaining_ticks = (uint32_t)ticks;
    } else {
        uint64_t chunks = (ticks - 1) / CHUNK_TICKS; /* leaves a final step in (0, CHUNK] */
        m->overflows_left = (uint32_t)chunks;
        m->remaining_ticks = (uint32_t)(ticks - chunks * CHUNK_TICKS);
    }
    return ms_arm_step(m, now, reference, step);
}

/* Advances a chained alarm after one of its chunk steps; returns true if the
 * final step has now fired instead. */
static bool ms_final_step(libtock_alarm_t *m, uint32_t now, uint32_t due,
                          libtock_alarm_callback step)
{
    if (m->overflows_left == 0)
        return true;
    m->overflows_left--;
    (void)ms_arm_step(m, now, due, step);
    return false;
}

static void ms_oneshot_step(uint32_t now, uint32_t due, void *opaque)
{
    libtock_alarm_t *m = opaque;
    if (ms_final_step(m, now, due, ms_oneshot_step) && m->callback != NULL)
        m->callback(now, due, m->user_data);
}

static void ms_repeating_step(uint32_t now, uint32_t due, void *opaque)
{
    libtock_alarm_t *m = opaque;
    if (!ms_final_step(m, now, due, ms_repeating_step))
        return;

    /* Count the next period from this one's due time so the series keeps
     * its rate; only if a whole period has already passed (the process was
     * held up) start afresh from now rather than firing a burst. */
    uint64_t period = ms_to_ticks(m->interval_ms);
    if (period == 0)
        period = 1; /* a zero period would keep the process in its upcall */
    uint32_t reference = due;
    if ((uint64_t)(uint32_t)(now - due) >= period)
        reference = now;
    /* Re-arm before the callback so that it can cancel the series. */
    (void)ms_start(m, now, reference, period, ms_repeating_step);
    if (m->callback != NULL)
        m->callback(now, due, m->user_data);
}

int libtock_alarm_in_ms(uint32_t ms, libtock_alarm_callback cb, void *opaque,
                        libtock_alarm_t *alarm)
{
    uint32_t now;
    int err = libtock_alarm_command_read(&now);
    if (err != RETURNCODE_SUCCESS)
        return err;
    alarm->interval_ms = ms;
    alarm->callback = cb;
    alarm->user_data = opaque;
    return ms_start(alarm, now, now, ms_to_ticks(ms), ms_oneshot_step);
}

void libtock_alarm_repeating_every_ms(uint32_t ms, libtock_alarm_callback cb, void *opaque,
                                      libtock_alarm_t *alarm)
{
    uint32_t now;
    if (libtock_alarm_command_read(&now) != RETURNCODE_SUCCESS)
        return;
    uint64_t period = ms_to_ticks(ms);
    alarm->interval_ms = ms;
    alarm->callback = cb;
    alarm->user_data = opaque;
    (void)ms_start(alarm, now, now, period > 0 ? period : 1, ms_repeating_step);
}

void libtock_alarm_ms_cancel(libtock_alarm_t *alarm)
{
    libtock_alarm_cancel(&alarm->alarm);
}
