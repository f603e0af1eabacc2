/* console.c: asynchronous console write and read with completion callbacks.
 *
 * The kernel's console capsule reports write completion as (written, 0, 0)
 * and read completion as (status, read, 0); both are turned into the
 * (returncode, count) callbacks of libtock/interface/console.h.
 */
#include <libtock/interface/console.h>
#include <libtock/interface/syscalls/console_syscalls.h>

/* The console serves one write and one read per process at a time, so one
 * pending callback of each kind is all there is to remember. */
static libtock_console_callback_write pending_write_cb;
static libtock_console_callback_read pending_read_cb;

static void write_done_upcall(int written, int unused1, int unused2, void *opaque)
{
    (void)unused1;
    (void)unused2;
    (void)opaque;
    libtock_console_callback_write cb = pending_write_cb;
    pending_write_cb = NULL;
    if (cb != NULL)
        cb(RETURNCODE_SUCCESS, (uint32_t)written);
}

static void read_done_upcall(int status, int count, int unused, void *opaque)
{
    (void)unused;
    (void)opaque;
    libtock_console_callback_read cb = pending_read_cb;
    pending_read_cb = NULL;
    if (cb != NULL)
        cb(tock_status_to_returncode((statuscode_t)status), (uint32_t)count);
}

bool libtock_console_exists(void)
{
    return libtock_console_driver_exists();
}

returncode_t libtock_console_write(const uint8_t *buffer, uint32_t len,
                                   libtock_console_callback_write cb)
{
    returncode_t err;

    pending_write_cb = cb;
    err = libtock_console_write_done_set_upcall(write_done_upcall, NULL);
    if (err != RETURNCODE_SUCCESS)
        return err;
    err = libtock_console_set_read_allow(buffer, len);
    if (err != RETURNCODE_SUCCESS)
        return err;
    return libtock_console_command_write((int)len);
}

returncode_t libtock_console_read(uint8_t *buffer, uint32_t len, libtock_console_callback_read cb)
{
    returncode_t err;

    pending_read_cb = cb;
    err = libtock_console_read_done_set_upcall(read_done_upcall, NULL);
    if (err != RETURNCODE_SUCCESS)
        return err;
    err = libtock_console_set_readwrite_allow(buffer, len);
    if (err != RETURNCODE_SUCCESS)
        return err;
    return libtock_console_command_read((int)len);
}

returncode_t libtock_console_abort_read(void)
{
    return libtock_console_command_abort_read();
}
