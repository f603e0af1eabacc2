/* tock.c: the portable part of libtock/tock.h -- return-code conversions,
 * yield_for, memop-based layout queries, driver_exists and error strings.
 *
 * The syscall entry points themselves (yield, command, subscribe, allow,
 * memop, exit) live in the simulator's syscall shim.
 */
#include <stdio.h>

#include <libtock/tock.h>

/* Memop operation numbers (TRD104, section 4.6). */
enum {
    MEMOP_RAM_START = 2,
    MEMOP_RAM_END = 3,
    MEMOP_FLASH_START = 4,
    MEMOP_FLASH_END = 5,
    MEMOP_GRANT_START = 6,
    MEMOP_WFLASH_COUNT = 7,
    MEMOP_WFLASH_START = 8,
    MEMOP_WFLASH_END = 9,
};

returncode_t tock_status_to_returncode(statuscode_t status)
{
    /* ReturnCode numbers are the negated StatusCode numbers; 0 stays 0. */
    return (returncode_t)(-(int)status);
}

/* Shared by the command converters: the error of a failure variant, or
 * EBADRVAL for a variant the caller did not expect. */
static int unexpected_variant(syscall_return_t r)
{
    if (r.type == TOCK_SYSCALL_FAILURE)
        return tock_status_to_returncode((statuscode_t)r.data[0]);
    return RETURNCODE_EBADRVAL;
}

int tock_command_return_novalue_to_returncode(syscall_return_t r)
{
    if (r.type == TOCK_SYSCALL_SUCCESS)
        return RETURNCODE_SUCCESS;
    return unexpected_variant(r);
}

int tock_command_return_u32_to_returncode(syscall_return_t r, uint32_t *val)
{
    if (r.type == TOCK_SYSCALL_SUCCESS_U32) {
        *val = r.data[0];
        return RETURNCODE_SUCCESS;
    }
    return unexpected_variant(r);
}

int tock_command_return_u32_u32_to_returncode(syscall_return_t r, uint32_t *val1, uint32_t *val2)
{
    if (r.type == TOCK_SYSCALL_SUCCESS_U32_U32) {
        *val1 = r.data[0];
        *val2 = r.data[1];
        return RETURNCODE_SUCCESS;
    }
    return unexpected_variant(r);
}

int tock_command_return_u64_to_returncode(syscall_return_t r, uint64_t *val)
{
    if (r.type == TOCK_SYSCALL_SUCCESS_U64) {
        *val = (uint64_t)r.data[1] << 32 | r.data[0];
        return RETURNCODE_SUCCESS;
    }
    return unexpected_variant(r);
}

int tock_subscribe_return_to_returncode(subscribe_return_t r)
{
    return r.success ? RETURNCODE_SUCCESS : tock_status_to_returncode(r.status);
}

int tock_allow_rw_return_to_returncode(allow_rw_return_t r)
{
    return r.success ? RETURNCODE_SUCCESS : tock_status_to_returncode(r.status);
}

int tock_allow_ro_return_to_returncode(allow_ro_return_t r)
{
    return r.success ? RETURNCODE_SUCCESS : tock_status_to_returncode(r.status);
}

int tock_allow_userspace_r_return_to_returncode(allow_userspace_r_return_t r)
{
    return r.success ? RETURNCODE_SUCCESS : tock_status_to_returncode(r.status);
}

void yield_for(bool *cond)
{
    /* The flag is set by an upcall that runs inside yield(); read it through
     * a volatile lvalue so the loop never caches it. */
    while (!*(volatile bool *)cond)
        yield();
}

/* Runs a layout memop and returns its value as a pointer, NULL on error. */
static void *memop_address(uint32_t op, uintptr_t arg)
{
    memop_return_t r = memop(op, arg);
    return r.status == TOCK_STATUSCODE_SUCCESS ? (void *)r.data : NULL;
}

void *tock_app_memory_begins_at(void)
{
    return memop_address(MEMOP_RAM_START, 0);
}

void *tock_app_memory_ends_at(void)
{
    return memop_address(MEMOP_RAM_END, 0);
}

void *tock_app_flash_begins_at(void)
{
    return memop_address(MEMOP_FLASH_START, 0);
}

void *tock_app_flash_ends_at(void)
{
    return memop_address(MEMOP_FLASH_END, 0);
}

void *tock_app_grant_begins_at(void)
{
    return memop_address(MEMOP_GRANT_START, 0);
}

int tock_app_number_writeable_flash_regions(void)
{
    memop_return_t r = memop(MEMOP_WFLASH_COUNT, 0);
    return r.status == TOCK_STATUSCODE_SUCCESS ? (int)r.data : 0;
}

void *tock_app_writeable_flash_region_begins_at(int region_index)
{
    return memop_address(MEMOP_WFLASH_START, (uintptr_t)region_index);
}

void *tock_app_writeable_flash_region_ends_at(int region_index)
{
    return memop_address(MEMOP_WFLASH_END, (uintptr_t)region_index);
}

bool driver_exists(uint32_t driver)
{
    syscall_return_t r = command(driver, 0, 0, 0);
    /* Any success variant counts: some drivers (led) answer SUCCESS_U32. */
    return r.type >= TOCK_SYSCALL_SUCCESS;
}

const char *tock_strerr(statuscode_t status)
{
    return tock_strrcode(tock_status_to_returncode(status));
}

const char *tock_strrcode(returncode_t returncode)
{
    switch (returncode) {
    case RETURNCODE_SUCCESS:
        return "Success";
    case RETURNCODE_FAIL:
        return "Generic failure";
    case RETURNCODE_EBUSY:
        return "Busy, try again later";
    case RETURNCODE_EALREADY:
        return "Already in the requested state";
    case RETURNCODE_EOFF:
        return "Component is powered off";
    case RETURNCODE_ERESERVE:
        return "Needs a reservation first";
    case RETURNCODE_EINVAL:
        return "Invalid argument";
    case RETURNCODE_ESIZE:
        return "Argument too large";
    case RETURNCODE_ECANCEL:
        return "Cancelled";
    case RETURNCODE_ENOMEM:
        return "Out of memory";
    case RETURNCODE_ENOSUPPORT:
        return "Not supported";
    case RETURNCODE_ENODEVICE:
        return "No such device";
    case RETURNCODE_EUNINSTALLED:
        return "Device not installed";
    case RETURNCODE_ENOACK:
        return "Not acknowledged";
    case RETURNCODE_EBADRVAL:
        return "Unexpected syscall return variant";
    }
    return "Unknown error code";
}

void tock_expect(int expected, int actual, const char *file, unsigned line)
{
    if (expected == actual)
        return;
    printf("%s:%u: expectation failed\n", file, line);
    printf("  expected %d, got %d (%s)\n", expected, actual, tock_strrcode((returncode_t)actual));
    tock_exit(1);
}
