/* libtock-sync/services/syscalls/alarm_syscalls.h: waiting for the alarm
 * driver's upcall with yield-wait-for. */
#ifndef LIBTOCKSYNC_ALARM_SYSCALLS_H
#define LIBTOCKSYNC_ALARM_SYSCALLS_H

#include <libtock/peripherals/syscalls/alarm_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks until the alarm driver's upcall is due, without running it. */
returncode_t libtocksync_alarm_yield_wait_for(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_ALARM_SYSCALLS_H */
