/* syscall_exerciser: checks the kernel's memop, allow, subscribe, command and
 * yield semantics from inside an app, printing "PASS <check>" or
 * "FAIL <check>: <why>" for each, and exits with the number of failures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/interface/console.h>
#include <libtock/interface/syscalls/console_syscalls.h>
#include <libtock/tock.h>

/* A driver number no board uses. */
#define MISSING_DRIVER 0x7ff00

static int failures;

static void pass(const char *check)
{
    printf("PASS %s\n", check);
}

static void fail(const char *check, const char *why)
{
    printf("FAIL %s: %s\n", check, why);
    failures++;
}

static void expect(const char *check, int ok, const char *why)
{
    if (ok)
        pass(check);
    else
        fail(check, why);
}

/* Upcalls to swap in and out; never run. */
static void upcall_one(int a, int b, int c, void *ud)
{
    (void)a;
    (void)b;
    (void)c;
    (void)ud;
}

static void upcall_two(int a, int b, int c, void *ud)
{
    (void)a;
    (void)b;
    (void)c;
    (void)ud;
}

/* Memory layout: RAM start < grant start <= RAM end. */
static void check_layout(uintptr_t ram_start, uintptr_t ram_end, uintptr_t grant)
{
    if (ram_start == 0 || ram_end == 0 || grant == 0) {
        fail("memop_layout", "memop 2, 3 or 6 failed");
        return;
    }
    printf("ram_size=%u app_size=%u grant_size=%u\n", (unsigned)(ram_end - ram_start),
           (unsigned)(grant - ram_start), (unsigned)(ram_end - grant));
    expect("memop_layout", ram_start < grant && grant <= ram_end,
           "expected ram_start < grant_start <= ram_end");
}

/* malloc (served from the process block) and then a raw sbrk. */
static void check_heap(uintptr_t ram_start, uintptr_t grant)
{
    char *p = malloc(1000);
    if (p == NULL) {
        fail("malloc", "malloc(1000) returned NULL");
    } else {
        memset(p, 0x5a, 1000);
        expect("malloc", (uintptr_t)p >= ram_start && (uintptr_t)p + 1000 <= grant,
               "block is not inside the process's RAM below the grant region");
        free(p);
    }

    memop_return_t before = memop(1, 0);
    memop_return_t grow = memop(1, 256);
    memop_return_t after = memop(1, 0);
    if (before.status != TOCK_STATUSCODE_SUCCESS || grow.status != TOCK_STATUSCODE_SUCCESS ||
        after.status != TOCK_STATUSCODE_SUCCESS) {
        fail("sbrk", "memop 1 failed");
        return;
    }
    printf("break_offset=%u\n", (unsigned)(before.data - ram_start));
    if (grow.data != before.data)
        fail("sbrk", "sbrk did not return the previous break");
    else if (after.data != before.data + 256)
        fail("sbrk", "the break did not move by the increment");
    else
        pass("sbrk");

    /* memory taken with a raw sbrk is never handed out by malloc */
    uint8_t *mine = (uint8_t *)grow.data;
    memset(mine, 0xa5, 256);
    char *q = malloc(4000);
    bool apart = q != NULL &&
                 ((uintptr_t)q >= (uintptr_t)mine + 256 || (uintptr_t)q + 4000 <= (uintptr_t)mine);
    bool intact = true;
    for (int i = 0; i < 256; i++)
        intact = intact && mine[i] == 0xa5;
    if (q)
        memset(q, 0, 4000);
    for (int i = 0; i < 256; i++)
        intact = intact && mine[i] == 0xa5;
    expect("malloc_after_sbrk", apart && intact, "malloc handed out memory the app took with sbrk");
    free(q);
}

static void check_allow_swap(void)
{
    static uint8_t buf_a[16], buf_b[16];

    allow_rw_return_t first = allow_readwrite(DRIVER_NUM_CONSOLE, 1, buf_a, sizeof buf_a);
    allow_rw_return_t second = allow_readwrite(DRIVER_NUM_CONSOLE, 1, buf_b, sizeof buf_b);
    allow_rw_return_t third = allow_readwrite(DRIVER_NUM_CONSOLE, 1, NULL, 0);

    if (!first.success || !second.success || !third.success)
        fail("allow_swap", "an allow failed");
    else if (first.ptr != NULL || first.size != 0)
        fail("allow_swap", "first allow did not return the empty buffer");
    else if (second.ptr != buf_a || second.size != sizeof buf_a)
        fail("allow_swap", "second allow did not return the first buffer");
    else if (third.ptr != buf_b || third.size != sizeof buf_b)
        fail("allow_swap", "unallow did not return the second buffer");
    else
        pass("allow_swap");
}

static void check_allow_invalid(uintptr_t ram_end, uintptr_t grant)
{
    void *outside = (void *)(ram_end + 64);
    allow_rw_return_t r = allow_readwrite(DRIVER_NUM_CONSOLE, 1, outside, 16);
    if (r.success)
        fail("allow_outside", "allow of memory past the process's RAM succeeded");
    else if (tock_status_to_returncode(r.status) != RETURNCODE_EINVAL)
        fail("allow_outside", tock_strerr(r.status));
    else if (r.ptr != outside || r.size != 16)
        fail("allow_outside", "failure did not hand back the buffer passed");
    else
        pass("allow_outside");

    r = allow_readwrite(DRIVER_NUM_CONSOLE, 1, (void *)grant, 16);
    expect("allow_grant", !r.success && tock_status_to_returncode(r.status) == RETURNCODE_EINVAL,
           "allow of the kernel's grant region was not refused with EINVAL");

    r = allow_readwrite(DRIVER_NUM_CONSOLE, 1, outside, 0);
    expect("allow_zero_length", r.success, "a zero-length allow must accept any address");
    r = allow_readwrite(DRIVER_NUM_CONSOLE, 1, NULL, 0);
    (void)r;
}

static void check_allow_readonly_flash(void)
{
    static const char line[] = "read-only allow from flash works\n";
    uint32_t written = 0;
    /* The string literal is constant data: outside RAM, in the app's flash. */
    returncode_t err = libtocksync_console_write((const uint8_t *)line, sizeof line - 1, &written);
    if (err != RETURNCODE_SUCCESS)
        fail("allow_readonly_flash", tock_strrcode(err));
    else if (written != sizeof line - 1)
        fail("allow_readonly_flash", "not every byte was written");
    else
        pass("allow_readonly_flash");
}

static void check_subscribe_swap(void)
{
    static int token_one, token_two;
    subscribe_return_t a = subscribe(DRIVER_NUM_CONSOLE, 2, upcall_one, &token_one);
    subscribe_return_t b = subscribe(DRIVER_NUM_CONSOLE, 2, upcall_two, &token_two);
    subscribe_return_t c = subscribe(DRIVER_NUM_CONSOLE, 2, TOCK_NULL_UPCALL, NULL);

    if (!a.success || !b.success || !c.success)
        fail("subscribe_swap", "a subscribe failed");
    else if (a.callback != NULL || a.userdata != NULL)
        fail("subscribe_swap", "first subscribe did not return the Null upcall");
    else if (b.callback != upcall_one || b.userdata != &token_one)
        fail("subscribe_swap", "second subscribe did not return the first upcall");
    else if (c.callback != upcall_two || c.userdata != &token_two)
        fail("subscribe_swap", "third subscribe did not return the second upcall");
    else
        pass("subscribe_swap");

    subscribe_return_t m = subscribe(MISSING_DRIVER, 0, upcall_one, NULL);
    expect("subscribe_missing_driver",
           !m.success && tock_status_to_returncode(m.status) == RETURNCODE_ENODEVICE,
           "subscribe to a missing driver did not fail with NODEVICE");

    /* a function pointer outside the app's code and memory is refused,
     * before the driver is even looked up */
    subscribe_upcall *bogus = (subscribe_upcall *)(uintptr_t)0x1234;
    subscribe_return_t v = subscribe(MISSING_DRIVER, 0, bogus, NULL);
    expect("subscribe_bad_pointer",
           !v.success && tock_status_to_returncode(v.status) == RETURNCODE_EINVAL &&
               v.callback == bogus,
           "subscribe with a bogus function pointer did not fail with INVAL");
}

static void check_commands(void)
{
    syscall_return_t r = command(MISSING_DRIVER, 1, 0, 0);
    expect("command_missing_driver",
           tock_command_return_novalue_to_returncode(r) == RETURNCODE_ENODEVICE,
           "command to a missing driver did not fail with NODEVICE");
    expect("driver_exists", driver_exists(DRIVER_NUM_CONSOLE) && !driver_exists(MISSING_DRIVER),
           "driver_exists is wrong for the console or a missing driver");

    r = command(DRIVER_NUM_CONSOLE, 99, 0, 0);
    expect("command_unknown", tock_command_return_novalue_to_returncode(r) == RETURNCODE_ENOSUPPORT,
           "unknown command did not fail with NOSUPPORT");

    memop_return_t m = memop(99, 0);
    expect("memop_unknown", m.status == TOCK_STATUSCODE_NOSUPPORT,
           "unknown memop did not fail with NOSUPPORT");
}

static void check_yield_no_wait(void)
{
    expect("yield_no_wait_idle", yield_no_wait() == 0,
           "yield_no_wait reported an upcall with none pending");
}

int main(void)
{
    uintptr_t ram_start = (uintptr_t)tock_app_memory_begins_at();
    uintptr_t ram_end = (uintptr_t)tock_app_memory_ends_at();
    uintptr_t grant = (uintptr_t)tock_app_grant_begins_at();

    check_layout(ram_start, ram_end, grant);
    check_heap(ram_start, grant);
    check_allow_swap();
    check_allow_invalid(ram_end, grant);
    check_allow_readonly_flash();
    check_subscribe_swap();
    check_commands();
    check_yield_no_wait();

    printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
    return failures;
}
