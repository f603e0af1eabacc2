/* rot13_service: a legacy-IPC service that ROT13s, in place, the text a
 * client shares with it and notifies the client back.
 *
 * The shared buffer holds a length byte followed by that many bytes of
 * text; a length larger than the buffer is cut to what fits. The service
 * registers under its own package name, which must be the scenario's
 * package_name for it.
 *
 * Usage: rot13_service [crash_after [package_name [overrun]]]
 *   crash_after   fault on purpose (a write through a null pointer) while
 *                 handling request number N, counted from 1 (0, the
 *                 default, never)
 *   package_name  default "org.ipcsim.rot13"
 *   overrun       "overrun": after the first request, write one byte past
 *                 the end of the shared buffer (a bug the MPU window must
 *                 catch exactly)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

static unsigned long crash_after;
static unsigned long requests;
static bool overrun;
/* The name is allowed to the kernel, so it must live in the app's own
 * memory: argv strings are host memory the kernel cannot see. */
static char package_name[64] = "org.ipcsim.rot13";

static char rot13(char c)
{
    if (c >= 'a' && c <= 'z')
        return (char)('a' + (c - 'a' + 13) % 26);
    if (c >= 'A' && c <= 'Z')
        return (char)('A' + (c - 'A' + 13) % 26);
    return c;
}

/* A client notified us: (client index, shared length, shared address). */
static void on_request(int client, int len, int addr, void *ud)
{
    (void)ud;
    requests++;
    if (crash_after != 0 && requests == crash_after) {
        printf("request %lu from client %d: crashing on purpose\n", requests, client);
        uint8_t *volatile nowhere = NULL;
        *nowhere = 1;
    }
    if (addr != 0 && len >= 1) {
        /* The address the kernel passed, as an integer, is the client's
         * buffer: this is only safe because simulated SRAM lies below 2^31. */
        uint8_t *buf = (uint8_t *)(uintptr_t)(uint32_t)addr;
        unsigned n = buf[0];
        if (n > (unsigned)len - 1)
            n = (unsigned)len - 1;
        for (unsigned i = 0; i < n; i++)
            buf[1 + i] = (uint8_t)rot13((char)buf[1 + i]);
        if (overrun) {
            printf("writing one byte past the shared buffer, at 0x%08x\n", (unsigned)(addr + len));
            buf[len] = 0;
        }
    }
    int rc = ipc_notify_client((size_t)client);
    if (rc != RETURNCODE_SUCCESS)
        printf("notify client %d: %s\n", client, tock_strrcode(rc));
}

int main(int argc, char **argv)
{
    if (argc > 1)
        crash_after = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        snprintf(package_name, sizeof(package_name), "%s", argv[2]);
    overrun = argc > 3 && strcmp(argv[3], "overrun") == 0;
    size_t self = 0;
    int rc = ipc_discover(package_name, &self);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_register_service_callback(package_name, on_request, NULL);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot register %s: %s\n", package_name, tock_strrcode(rc));
        return 1;
    }
    printf("rot13 service %s ready (process index %zu)\n", package_name, self);
    for (;;)
        yield();
}
