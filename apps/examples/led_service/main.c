/* led_service: a legacy-IPC service that owns the board's LEDs; clients
 * ask it to count them or switch one.
 *
 * Request (the client's buffer, at least 4 bytes): byte 0 the operation,
 * 'n' (how many LEDs: answered in byte 1) or 's' (set LED byte 1 on if
 * byte 2 is non-zero, else off). Byte 3 receives the outcome as a
 * returncode_t (0 or a negative code). The service registers as
 * "org.ipcsim.led" (or argv[1]).
 */
#include <stdint.h>
#include <stdio.h>

#include <libtock/interface/led.h>
#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

static char package_name[64] = "org.ipcsim.led";

static void on_request(int client, int len, int addr, void *ud)
{
    (void)ud;
    if (addr != 0 && len >= 4) {
        uint8_t *req = (uint8_t *)(uintptr_t)(uint32_t)addr;
        int rc = RETURNCODE_EINVAL;
        if (req[0] == 'n') {
            int count = 0;
            rc = libtock_led_count(&count);
            req[1] = (uint8_t)count;
        } else if (req[0] == 's') {
            rc = req[2] ? libtock_led_on(req[1]) : libtock_led_off(req[1]);
        }
        req[3] = (uint8_t)(int8_t)rc;
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
