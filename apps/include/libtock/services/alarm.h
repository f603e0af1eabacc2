/* libtock/services/alarm.h: any number of one-shot and repeating software
 * alarms multiplexed onto the process's single alarm-driver compare value.
 *
 * Ticks are 32-bit and wrap; an alarm is (reference, dt) and expires once
 * dt ticks have passed since reference, so wrapping is harmless as long as
 * dt < 2^32. Millisecond alarms longer than 2^32 ticks are split into
 * several chained alarms. Callbacks run inside yield(), never elsewhere.
 */
#ifndef LIBTOCK_SERVICES_ALARM_H
#define LIBTOCK_SERVICES_ALARM_H

#include <sys/time.h>

#include <libtock/peripherals/syscalls/alarm_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Alarm callback: the tick count when it runs, the tick value the alarm was
 * due at (reference + dt), and the caller's opaque pointer. */
typedef void (*libtock_alarm_callback)(uint32_t, uint32_t, void *);

/* Converts a tick count to milliseconds (rounded down). */
uint32_t libtock_alarm_ticks_to_ms(uint32_t);

/* A one-shot alarm in ticks. The caller owns the memory; the library links
 * it into its list while the alarm is pending. Treat the fields as private. */
typedef struct alarm {
    uint32_t reference;              /* tick value dt is counted from */
    uint32_t dt;                     /* ticks after reference it expires */
    libtock_alarm_callback callback; /* run on expiry; may be NULL */
    void *ud;                        /* passed to callback */
    struct alarm *next;              /* list links, library-owned */
    struct alarm *prev;
} libtock_alarm_ticks_t;

/* A millisecond alarm, one-shot or repeating. Caller-owned, like
 * libtock_alarm_ticks_t; the fields are private to the library. */
typedef struct alarm_data {
    uint32_t interval_ms;            /* period of a repeating alarm */
    uint32_t overflows_left;         /* full-length chunks still to wait */
    uint32_t remaining_ticks;        /* length of the final chunk */
    libtock_alarm_callback callback; /* the caller's callback */
    void *user_data;                 /* passed to callback */
    libtock_alarm_ticks_t alarm;     /* the tick alarm currently pending */
} libtock_alarm_t;

/* Schedules `alarm` to fire `dt` ticks after `reference` (dt < 2^32). The
 * alarm memory must stay valid until it fires or is cancelled. Returns
 * RETURNCODE_SUCCESS or a negative code from the driver. */
int libtock_alarm_at(uint32_t reference, uint32_t dt, libtock_alarm_callback callback, void *opaque,
                     libtock_alarm_ticks_t *alarm);

/* Cancels a pending tick alarm; harmless if it already fired or was never
 * set. The caller keeps ownership of the memory. */
void libtock_alarm_cancel(libtock_alarm_ticks_t *alarm);

/* Fills *tv with the tick counter converted to seconds and microseconds
 * (time since the counter was 0, not wall-clock time). Returns 0, or a
 * negative code if the driver cannot be read. */
int libtock_alarm_gettimeasticks(struct timeval *tv) __attribute__((nonnull));

/* Schedules `alarm` to fire once, `ms` milliseconds from now. Any length
 * that fits in 32 bits of milliseconds works. Returns RETURNCODE_SUCCESS or
 * a negative code. */
int libtock_alarm_in_ms(uint32_t ms, libtock_alarm_callback cb, void *opaque,
                        libtock_alarm_t *alarm);

/* Starts `alarm` firing every `ms` milliseconds until cancelled with
 * libtock_alarm_ms_cancel(). Periods are counted from each due time, so a
 * late callback does not make the series drift. */
void libtock_alarm_repeating_every_ms(uint32_t ms, libtock_alarm_callback cb, void *opaque,
                                      libtock_alarm_t *alarm);

/* Cancels a millisecond alarm (one-shot or repeating). */
void libtock_alarm_ms_cancel(libtock_alarm_t *alarm);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_SERVICES_ALARM_H */
