/* libtock-sync/interface/console.h: blocking console write and read. */
#ifndef LIBTOCKSYNC_CONSOLE_H
#define LIBTOCKSYNC_CONSOLE_H

#include <libtock/interface/console.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if the console driver is present. */
bool libtocksync_console_exists(void);

/* Writes `length` bytes of `buffer` and waits until the driver is done;
 * *written gets the count. No other upcall runs while it waits. */
returncode_t libtocksync_console_write(const uint8_t *buffer, uint32_t length, uint32_t *written);

/* Reads up to `length` bytes into `buffer` and waits for them; *read gets
 * the count. No other upcall runs while it waits. */
returncode_t libtocksync_console_read(uint8_t *buffer, uint32_t length, uint32_t *read);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_CONSOLE_H */
