/* libtock/interface/console.h: asynchronous console write and read, each
 * completing through a callback that runs inside yield(). */
#ifndef LIBTOCK_CONSOLE_H
#define LIBTOCK_CONSOLE_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write-done callback: status and number of bytes written. */
typedef void (*libtock_console_callback_write)(returncode_t, uint32_t);

/* Read-done callback: status and number of bytes read. */
typedef void (*libtock_console_callback_read)(returncode_t, uint32_t);

/* True if the console driver is present. */
bool libtock_console_exists(void);

/* Starts writing `len` bytes of `buffer`; `cb` runs when done. The buffer
 * stays shared with the kernel and must not change until then. */
returncode_t libtock_console_write(const uint8_t *buffer, uint32_t len,
                                   libtock_console_callback_write cb);

/* Starts reading up to `len` bytes into `buffer`; `cb` runs when done. */
returncode_t libtock_console_read(uint8_t *buffer, uint32_t len, libtock_console_callback_read cb);

/* Aborts an outstanding read. */
returncode_t libtock_console_abort_read(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_CONSOLE_H */
