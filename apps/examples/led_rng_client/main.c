/* led_rng_client: uses two legacy-IPC services at once: each round it asks
 * the rng service for two random bytes and then the led service to switch
 * the LED they pick, on or off.
 *
 * Usage: led_rng_client [rounds [period_ms]]   (defaults: 5, 200)
 * Exits 0, or 1 if a service could not be found or did not answer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

#define TIMEOUT_MS 1000u

/* One buffer per service, each 32 bytes aligned to 32: an MPU of any kind
 * can expose them to the service. */
static uint8_t rng_buf[32] __attribute__((aligned(32)));
static uint8_t led_buf[32] __attribute__((aligned(32)));
static bool answered;

static void on_answer(int svc, int len, int addr, void *ud)
{
    (void)svc;
    (void)len;
    (void)addr;
    (void)ud;
    answered = true;
}

/* Finds service `name`, listens to it and shares buf with it. */
static int connect(const char *name, uint8_t *buf, int len, size_t *svc)
{
    int rc = ipc_discover(name, svc);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_register_client_callback(*svc, on_answer, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_share(*svc, buf, len);
    if (rc != RETURNCODE_SUCCESS)
        printf("cannot use %s: %s\n", name, tock_strrcode(rc));
    return rc;
}

/* Notifies svc and waits for its answer. */
static int ask(size_t svc)
{
    answered = false;
    int rc = ipc_notify_service(svc);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtocksync_alarm_yield_for_with_timeout(&answered, TIMEOUT_MS);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
    unsigned long period = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
    size_t rng = 0, led = 0;
    if (connect("org.ipcsim.rng", rng_buf, sizeof(rng_buf), &rng) != RETURNCODE_SUCCESS ||
        connect("org.ipcsim.led", led_buf, sizeof(led_buf), &led) != RETURNCODE_SUCCESS)
        return 1;

    led_buf[0] = 'n';
    if (ask(led) != RETURNCODE_SUCCESS || (int8_t)led_buf[3] != 0 || led_buf[1] == 0) {
        printf("the led service gave no LED count\n");
        return 1;
    }
    unsigned count = led_buf[1];
    printf("%u LEDs\n", count);

    for (unsigned long i = 1; i <= rounds; i++) {
        rng_buf[0] = 2;
        if (ask(rng) != RETURNCODE_SUCCESS || rng_buf[0] != 2) {
            printf("round %lu: no random bytes\n", i);
            return 1;
        }
        unsigned which = rng_buf[1] % count;
        bool on = rng_buf[2] & 1u;
        led_buf[0] = 's';
        led_buf[1] = (uint8_t)which;
        led_buf[2] = on;
        if (ask(led) != RETURNCODE_SUCCESS || (int8_t)led_buf[3] != 0) {
            printf("round %lu: the led service did not switch LED %u\n", i, which);
            return 1;
        }
        printf("round %lu: LED %u %s\n", i, which, on ? "on" : "off");
        libtocksync_alarm_delay_ms((uint32_t)period);
    }
    printf("done\n");
    return 0;
}
