/* rng.c: asynchronous random bytes; the driver's (0, bytes, 0) upcall becomes
 * a (returncode, bytes) callback. */
#include <libtock/peripherals/rng.h>
#include <libtock/peripherals/syscalls/rng_syscalls.h>

/* The driver serves one request per process at a time. */
static libtock_rng_callback pending_cb;

static void rng_upcall(int unused0, int received, int unused2, void *opaque)
{
    (void)unused0;
    (void)unused2;
    (void)opaque;
    libtock_rng_callback cb = pending_cb;
    pending_cb = NULL;
    if (cb != NULL)
        cb(RETURNCODE_SUCCESS, received);
}

bool libtock_rng_exists(void)
{
    return libtock_rng_driver_exists();
}

returncode_t libtock_rng_get_random_bytes(uint8_t *buf, uint32_t len, uint32_t num,
                                          libtock_rng_callback cb)
{
    returncode_t err;

    pending_cb = cb;
    err = libtock_rng_set_upcall(rng_upcall, NULL);
    if (err != RETURNCODE_SUCCESS)
        return err;
    err = libtock_rng_set_allow_readwrite(buf, len);
    if (err != RETURNCODE_SUCCESS)
        return err;
    return libtock_rng_command_get_random(num);
}
