/* libtock/interface/syscalls/console_syscalls.h: one-syscall wrappers for the
 * console driver (0x1): write via read-only allow 1, read via read-write
 * allow 1, completion upcalls on subscribe 1 (write) and 2 (read). */
#ifndef LIBTOCK_CONSOLE_SYSCALLS_H
#define LIBTOCK_CONSOLE_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_CONSOLE 0x1

/* Installs the write-done upcall (subscribe 1); it gets (written, 0, 0). */
returncode_t libtock_console_write_done_set_upcall(subscribe_upcall callback, void *opaque);

/* Installs the read-done upcall (subscribe 2); it gets (status, read, 0). */
returncode_t libtock_console_read_done_set_upcall(subscribe_upcall callback, void *opaque);

/* Shares the buffer to be written (read-only allow 1); NULL, 0 unshares. */
returncode_t libtock_console_set_read_allow(const uint8_t *buffer, uint32_t len);

/* Shares the buffer to read into (read-write allow 1); NULL, 0 unshares. */
returncode_t libtock_console_set_readwrite_allow(uint8_t *buffer, uint32_t len);

/* True if the console driver is present. */
bool libtock_console_driver_exists(void);

/* Starts writing `length` bytes of the shared write buffer (command 1). */
returncode_t libtock_console_command_write(int length);

/* Starts reading up to `length` bytes into the shared read buffer (command 2). */
returncode_t libtock_console_command_read(int length);

/* Aborts an outstanding read; the read-done upcall reports what arrived. */
returncode_t libtock_console_command_abort_read(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_CONSOLE_SYSCALLS_H */
