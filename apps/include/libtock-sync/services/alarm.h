/* libtock-sync/services/alarm.h: blocking delays and timed waits built on the
 * libtock alarm service. */
#ifndef LIBTOCKSYNC_SERVICES_ALARM_H
#define LIBTOCKSYNC_SERVICES_ALARM_H

#include <libtock/services/alarm.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks (yielding) for `ms` milliseconds. Other upcalls keep running while
 * it waits. Returns RETURNCODE_SUCCESS or a negative code. */
int libtocksync_alarm_delay_ms(uint32_t ms);

/* Like yield_for(cond), but gives up after `ms` milliseconds. Returns
 * RETURNCODE_SUCCESS if *cond became true, RETURNCODE_FAIL on timeout. */
int libtocksync_alarm_yield_for_with_timeout(bool *cond, uint32_t ms);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_SERVICES_ALARM_H */
