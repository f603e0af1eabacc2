/* libtock-sync/interface/syscalls/console_syscalls.h: waiting for the console
 * driver's completion upcalls with yield-wait-for. */
#ifndef LIBTOCKSYNC_CONSOLE_SYSCALLS_H
#define LIBTOCKSYNC_CONSOLE_SYSCALLS_H

#include <libtock/interface/syscalls/console_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Waits for the write-done upcall; *bytes_written gets the count. */
returncode_t libtocksync_console_yield_wait_for_write(uint32_t *bytes_written);

/* Waits for the read-done upcall; *bytes_read gets the count. */
returncode_t libtocksync_console_yield_wait_for_read(uint32_t *bytes_read);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_CONSOLE_SYSCALLS_H */
