/* rng_service: a legacy-IPC service that fills a client's shared buffer
 * with random bytes from the rng driver.
 *
 * Request (the client's buffer): byte 0 is the number of random bytes
 * wanted. Answer: bytes 1.. hold the random bytes and byte 0 how many were
 * written (at most the buffer length minus one). The service registers as
 * "org.ipcsim.rng" (or argv[1]); the scenario must give it that package
 * name.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libtock-sync/peripherals/rng.h>
#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

static char package_name[64] = "org.ipcsim.rng";
static uint8_t scratch[255];

static void on_request(int client, int len, int addr, void *ud)
{
    (void)ud;
    if (addr != 0 && len >= 2) {
        uint8_t *buf = (uint8_t *)(uintptr_t)(uint32_t)addr;
        uint32_t want = buf[0];
        if (want > (uint32_t)len - 1)
            want = (uint32_t)len - 1;
        int got = 0;
        if (want > 0 && libtocksync_rng_get_random_bytes(scratch, sizeof(scratch), want, &got) !=
                            RETURNCODE_SUCCESS)
            got = 0;
        memcpy(buf + 1, scratch, (size_t)got);
        buf[0] = (uint8_t)got;
    }
    (void)ipc_notify_client((size_t)client);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        snprintf(package_name, sizeof(package_name), "%s", argv[1]);
    int rc = ipc_register_service_callback(package_name, on_request, NULL);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot register %s: %s\n", package_name, tock_strrcode(rc));
        return 1;
    }
    for (;;)
        yield();
}
