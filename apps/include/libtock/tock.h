/* libtock/tock.h: the core system-call interface of the libtock-c compatible
 * userspace library (types, return-code conventions, syscall entry points).
 *
 * Names, types, enum values and signatures match libtock-c so that app code
 * ports without edits. The architecture-specific entry points (yield,
 * command, subscribe, allow, memop, exit) are provided by the simulator's
 * syscall shim; everything else declared here is portable library code.
 */
#ifndef LIBTOCK_TOCK_H
#define LIBTOCK_TOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An upcall: three values from the driver plus the appdata pointer that was
 * passed to subscribe(). */
typedef void(subscribe_upcall)(int, int, int, void *);

/* ---- Return and error types ----------------------------------------- */

/* The return variant the kernel puts in r0 (TRD104). */
typedef enum {
    TOCK_SYSCALL_FAILURE = 0,
    TOCK_SYSCALL_FAILURE_U32 = 1,
    TOCK_SYSCALL_FAILURE_U32_U32 = 2,
    TOCK_SYSCALL_FAILURE_U64 = 3,
    TOCK_SYSCALL_SUCCESS = 128,
    TOCK_SYSCALL_SUCCESS_U32 = 129,
    TOCK_SYSCALL_SUCCESS_U32_U32 = 130,
    TOCK_SYSCALL_SUCCESS_U64 = 131,
    TOCK_SYSCALL_SUCCESS_U32_U32_U32 = 132,
    TOCK_SYSCALL_SUCCESS_U32_U64 = 133
} syscall_rtype_t;

/* Userspace return codes: 0 on success, the negated kernel ErrorCode on
 * failure; EBADRVAL marks an unexpected return variant. */
typedef enum {
    RETURNCODE_SUCCESS = 0,
    RETURNCODE_FAIL = -1,
    RETURNCODE_EBUSY = -2,
    RETURNCODE_EALREADY = -3,
    RETURNCODE_EOFF = -4,
    RETURNCODE_ERESERVE = -5,
    RETURNCODE_EINVAL = -6,
    RETURNCODE_ESIZE = -7,
    RETURNCODE_ECANCEL = -8,
    RETURNCODE_ENOMEM = -9,
    RETURNCODE_ENOSUPPORT = -10,
    RETURNCODE_ENODEVICE = -11,
    RETURNCODE_EUNINSTALLED = -12,
    RETURNCODE_ENOACK = -13,
    RETURNCODE_EBADRVAL = -1024
} returncode_t;

/* The kernel's StatusCode: ErrorCode numbers plus 0 for success. */
typedef enum {
    TOCK_STATUSCODE_SUCCESS = 0,
    TOCK_STATUSCODE_FAIL = 1,
    TOCK_STATUSCODE_BUSY = 2,
    TOCK_STATUSCODE_ALREADY = 3,
    TOCK_STATUSCODE_OFF = 4,
    TOCK_STATUSCODE_RESERVE = 5,
    TOCK_STATUSCODE_INVAL = 6,
    TOCK_STATUSCODE_SIZE = 7,
    TOCK_STATUSCODE_CANCEL = 8,
    TOCK_STATUSCODE_NOMEM = 9,
    TOCK_STATUSCODE_NOSUPPORT = 10,
    TOCK_STATUSCODE_NODEVICE = 11,
    TOCK_STATUSCODE_UNINSTALLED = 12,
    TOCK_STATUSCODE_NOACK = 13,
} statuscode_t;

/* Raw result of a command: the variant and up to three 32-bit values. On a
 * failure variant data[0] holds the error code. */
typedef struct {
    syscall_rtype_t type;
    uint32_t data[3];
} syscall_return_t;

/* Result of subscribe(): on success the previously installed upcall and
 * appdata; on failure the ones that were passed and the error. */
typedef struct {
    bool success;
    subscribe_upcall *callback;
    void *userdata;
    statuscode_t status;
} subscribe_return_t;

/* Result of allow_readwrite(): on success the previously allowed buffer; on
 * failure the one that was passed and the error. */
typedef struct {
    bool success;
    void *ptr;
    size_t size;
    statuscode_t status;
} allow_rw_return_t;

/* Result of allow_readonly(), same shape as allow_rw_return_t. */
typedef struct {
    bool success;
    const void *ptr;
    size_t size;
    statuscode_t status;
} allow_ro_return_t;

/* Result of allow_userspace_read(), same shape as allow_rw_return_t. */
typedef struct {
    bool success;
    void *ptr;
    size_t size;
    statuscode_t status;
} allow_userspace_r_return_t;

/* Result of memop(). */
typedef struct {
    statuscode_t status; /* TOCK_STATUSCODE_SUCCESS or the error */
    uintptr_t data;      /* the returned value, if any and on success only */
} memop_return_t;

/* Result of yield_wait_for(): the three values the awaited upcall would
 * have been given. */
typedef struct {
    uint32_t data0; /* upcall argument 1 */
    uint32_t data1; /* upcall argument 2 */
    uint32_t data2; /* upcall argument 3 */
} yield_waitfor_return_t;

/* ---- Return-value helpers (portable, in the library) ----------------- */

/* Maps a kernel StatusCode to the matching returncode_t (its negation). */
returncode_t tock_status_to_returncode(statuscode_t);

/* Converts a command result whose only success variant is SUCCESS. Other
 * success variants give RETURNCODE_EBADRVAL. */
int tock_command_return_novalue_to_returncode(syscall_return_t);

/* Converts a command result whose only success variant is SUCCESS_U32 and
 * stores that value in *val on success. */
int tock_command_return_u32_to_returncode(syscall_return_t, uint32_t *);

/* Converts a command result whose only success variant is SUCCESS_U32_U32
 * and stores the two values on success. */
int tock_command_return_u32_u32_to_returncode(syscall_return_t, uint32_t *, uint32_t *);

/* Converts a command result whose only success variant is SUCCESS_U64
 * (data[0] low word, data[1] high word) and stores the value on success. */
int tock_command_return_u64_to_returncode(syscall_return_t command_return, uint64_t *val);

/* Converts a subscribe result to 0 or a negative returncode_t. */
int tock_subscribe_return_to_returncode(subscribe_return_t);

/* Converts a read-write allow result to 0 or a negative returncode_t. */
int tock_allow_rw_return_to_returncode(allow_rw_return_t);

/* Converts a read-only allow result to 0 or a negative returncode_t. */
int tock_allow_ro_return_to_returncode(allow_ro_return_t);

/* Converts a userspace-readable allow result to 0 or a negative code. */
int tock_allow_userspace_r_return_to_returncode(allow_userspace_r_return_t);

/* ---- Yield ------------------------------------------------------------ */

/* Yield-wait: blocks until one upcall has run (provided by the shim). */
void yield(void);

/* Yields (wait) until *cond becomes true; an upcall is expected to set it. */
void yield_for(bool *);

/* Yield-no-wait: runs one pending upcall if there is one; returns 1 if an
 * upcall ran, 0 otherwise (provided by the shim). */
int yield_no_wait(void);

/* Yield-wait-for: blocks until the given (driver, subscribe number) upcall is
 * scheduled and returns its values without running any upcall (shim). */
yield_waitfor_return_t yield_wait_for(uint32_t driver, uint32_t subscribe);

/* ---- Exit ------------------------------------------------------------- */

/* Terminates the process with a completion code (provided by the shim). */
void tock_exit(uint32_t completion_code) __attribute__((noreturn));

/* Asks the kernel to restart the process (provided by the shim). */
void tock_restart(uint32_t completion_code) __attribute__((noreturn));

/* ---- Command, subscribe, allow, memop (provided by the shim) ---------- */

/* Issues a command to a driver; returns the raw result. */
__attribute__((warn_unused_result)) syscall_return_t command(uint32_t driver, uint32_t command,
                                                             int arg1, int arg2);

/* Pass as the upcall to subscribe() to install the Null upcall. */
#define TOCK_NULL_UPCALL 0

/* Installs an upcall for (driver, subscribe number). */
__attribute__((warn_unused_result)) subscribe_return_t
subscribe(uint32_t driver, uint32_t subscribe, subscribe_upcall uc, void *userdata);

/* Shares a read-write buffer with a driver (swapping out the previous one). */
__attribute__((warn_unused_result)) allow_rw_return_t
allow_readwrite(uint32_t driver, uint32_t allow, void *ptr, size_t size);

/* Shares a buffer the kernel writes and the process may keep reading. */
__attribute__((warn_unused_result)) allow_userspace_r_return_t
allow_userspace_read(uint32_t driver, uint32_t allow, void *ptr, size_t size);

/* Shares a read-only buffer (which may be in flash) with a driver. */
__attribute__((warn_unused_result)) allow_ro_return_t
allow_readonly(uint32_t driver, uint32_t allow, const void *ptr, size_t size);

/* Issues a memory operation (brk, sbrk, layout queries). */
memop_return_t memop(uint32_t op_type, uintptr_t arg1);

/* ---- Memory layout introspection (portable, over memop) --------------- */

/* Start of the process's RAM region, or NULL on error. */
void *tock_app_memory_begins_at(void);
/* First address after the process's RAM region, or NULL on error. */
void *tock_app_memory_ends_at(void);
/* Start of the process's flash region, or NULL on error. */
void *tock_app_flash_begins_at(void);
/* First address after the process's flash region, or NULL on error. */
void *tock_app_flash_ends_at(void);
/* Start of the kernel-owned grant region at the top of RAM, or NULL. */
void *tock_app_grant_begins_at(void);
/* Number of writeable flash regions in the process header (0 on error). */
int tock_app_number_writeable_flash_regions(void);
/* Start of writeable flash region `region_index`, or NULL. */
void *tock_app_writeable_flash_region_begins_at(int region_index);
/* First address after writeable flash region `region_index`, or NULL. */
void *tock_app_writeable_flash_region_ends_at(int region_index);

/* ---- Miscellaneous ---------------------------------------------------- */

/* True if the driver answers its existence check (command 0) with success. */
bool driver_exists(uint32_t driver);

/* Describes a kernel StatusCode in words. */
const char *tock_strerr(statuscode_t status);
/* Describes a returncode_t in words. */
const char *tock_strrcode(returncode_t returncode);

/* Prints a diagnostic and exits with code 1 when expected != actual. */
void tock_expect(int expected, int actual, const char *file, unsigned line);
#define TOCK_EXPECT(_e, _a) tock_expect((_e), (_a), __FILE__, __LINE__)

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_TOCK_H */
