/* relay_demo: the draft IPC design's mechanisms used directly through the
 * libtock-style libraries (libtock/ipc, libtock-sync/ipc).
 *
 *   relay_demo server   registers "demo.upper" in the string-name registry
 *                       (a process holds one name: registering another
 *                       would replace it) and its package name in the
 *                       package-name registry,
 *                       serves Relay Requests (upper-casing them) and
 *                       after each response sends its client a mailbox
 *                       message "done <n>".
 *   relay_demo client   finds the server by string name and by package
 *                       name, makes three calls (with a timeout that
 *                       cancels), reads the mailbox messages, and tries to
 *                       register "demo.locked", which the scenario's
 *                       registry filter reserves for the server.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libtock-sync/ipc/registry.h>
#include <libtock-sync/ipc/relay_request.h>
#include <libtock-sync/services/alarm.h>
#include <libtock/ipc/registry.h>
#include <libtock/ipc/relay_message.h>
#include <libtock/ipc/relay_request.h>
#include <libtock/tock.h>

#define SERVER_PKG "org.ipcsim.upper"

/* ---- Server ---- */

static bool request_waiting;

static void on_request(uint64_t client)
{
    (void)client;
    request_waiting = true;
}

static int server(void)
{
    static uint8_t rx[64], tx[64], note[16];
    int rc = libtocksync_ipc_registry_name_register("demo.upper");
    printf("register demo.upper: %s\n", tock_strrcode(rc));
    rc = libtocksync_ipc_registry_pkg_register();
    printf("register package: %s\n", tock_strrcode(rc));
    rc = libtock_ipc_relay_serve(on_request);
    if (rc != RETURNCODE_SUCCESS)
        return 1;
    for (unsigned served = 0;;) {
        request_waiting = false;
        uint32_t len = 0;
        uint64_t client = 0;
        rc = libtock_ipc_relay_take(rx, sizeof(rx), &len, &client);
        if (rc == RETURNCODE_ENODEVICE) {
            yield_for(&request_waiting);
            continue;
        }
        if (rc != RETURNCODE_SUCCESS && rc != RETURNCODE_ESIZE)
            continue;
        for (uint32_t i = 0; i < len; i++)
            tx[i] = (uint8_t)toupper(rx[i]);
        rc = libtock_ipc_relay_respond(tx, len);
        if (rc != RETURNCODE_SUCCESS)
            printf("respond: %s\n", tock_strrcode(rc));
        int n = snprintf((char *)note, sizeof(note), "done %u", ++served);
        rc = libtock_ipc_relay_message_send(client, note, (uint32_t)n);
        if (rc != RETURNCODE_SUCCESS)
            printf("mailbox send: %s\n", tock_strrcode(rc));
    }
}

/* ---- Client ---- */

static bool message_arrived;

static void on_message(returncode_t status, uint64_t sender)
{
    (void)status;
    (void)sender;
    message_arrived = true;
}

static int client(void)
{
    static uint8_t slices[2][256], resp[64];
    static const char *const words[] = {"hello", "relay", "request"};
    uint64_t by_name = 0, by_pkg = 0;
    int rc;
    while ((rc = libtocksync_ipc_registry_name_discover("demo.upper", &by_name)) ==
           RETURNCODE_ENODEVICE)
        libtocksync_alarm_delay_ms(5); /* discovery may precede registration */
    if (rc != RETURNCODE_SUCCESS)
        return 1;
    rc = libtocksync_ipc_registry_pkg_discover(SERVER_PKG, &by_pkg);
    printf("discovered: %s, same id by package name: %s\n", tock_strrcode(rc),
           by_pkg == by_name ? "yes" : "no");
    uint8_t *slice = slices[0];
    rc = libtock_ipc_relay_message_receive(slice, sizeof(slices[0]), on_message);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_message_allow_sender(by_name);
    if (rc != RETURNCODE_SUCCESS)
        return 1;
    for (unsigned i = 0; i < 3; i++) {
        uint32_t len = 0;
        message_arrived = false;
        rc = libtocksync_ipc_relay_request_call_timeout(by_name, (const uint8_t *)words[i],
                                                        (uint32_t)strlen(words[i]), resp,
                                                        sizeof(resp), &len, 1000);
        if (rc != RETURNCODE_SUCCESS) {
            printf("call %u: %s\n", i, tock_strrcode(rc));
            return 1;
        }
        printf("call %u: %.*s\n", i, (int)len, (const char *)resp);
        yield_for(&message_arrived);
        uint8_t *old = NULL;
        uint32_t old_len = 0;
        slice = slice == slices[0] ? slices[1] : slices[0];
        if (libtock_ipc_relay_message_swap(slice, sizeof(slices[0]), &old, &old_len) !=
            RETURNCODE_SUCCESS)
            return 1;
        uint32_t cursor = 0;
        libtock_ipc_message_t m;
        while (libtock_ipc_relay_message_slice_next(old, &cursor, &m))
            printf("mailbox from %s: %.*s\n", m.sender == by_name ? "server" : "someone else",
                   (int)m.len, (const char *)m.data);
    }
    rc = libtocksync_ipc_registry_name_register("demo.locked");
    printf("client register demo.locked: %s\n", tock_strrcode(rc));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "server") == 0)
        return server();
    return client();
}
