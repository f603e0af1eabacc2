/* stdio_console.c: printf, vprintf, puts and putchar for apps, sent through
 * the simulated kernel's console driver instead of the host's stdout.
 *
 * Defining these names in the library that every app links statically makes
 * the app's calls bind here rather than to the C library's (the linker takes
 * the first definition it finds, and the library comes before libc). The
 * fortified entry points __printf_chk and __vprintf_chk are covered too, for
 * apps built with _FORTIFY_SOURCE. Nothing else of stdio is replaced: fputs,
 * fwrite, fprintf(stdout or stderr) and friends still reach the host.
 *
 * Output is unbuffered: every call writes what it formatted before
 * returning, in writes of at most CONSOLE_CHUNK bytes, each one the four
 * syscalls of a blocking console write (allow, command, yield-wait-for,
 * unallow), so no other upcall runs in the middle of a printf -- as with
 * libtock-c, whose stdio ends in the same synchronous write. They are made
 * directly rather than through libtocksync_console_write, so that this file
 * needs the syscall shim only: apps built against libtock-c's own library
 * sources keep this printf (see docs/legacy-ipc.md). The bytes always go
 * out of a static buffer, which sits in the app's RAM where the kernel can
 * read it, whatever memory the caller's string lives in.
 */
#undef _FORTIFY_SOURCE /* so that stdio.h defines no inline printf of its own */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock/tock.h>

/* The console driver (capsules/core/src/console.rs): read-only allow 1 is
 * the buffer to write, command 1 writes it, upcall 1 reports the bytes
 * written as (written, 0, 0). */
#define CONSOLE_DRIVER 0x1
#define CONSOLE_ALLOW_WRITE 1
#define CONSOLE_CMD_WRITE 1
#define CONSOLE_UPCALL_WRITE 1

/* Largest single console write; longer output is split. */
#define CONSOLE_CHUNK 256

static uint8_t out_buf[CONSOLE_CHUNK];

/* Fortified variants the compiler emits for printf/vprintf calls when an
 * app is built with _FORTIFY_SOURCE; the flag is ignored. */
int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);

/* One blocking console write of buf[0..len); stores the bytes written.
 * Returns 0 or a negative code. */
static int console_write(const uint8_t *buf, uint32_t len, uint32_t *written)
{
    /* Return codes are converted here rather than with the library's
     * tock_*_to_returncode helpers: only the shim may be needed. */
    allow_ro_return_t a = allow_readonly(CONSOLE_DRIVER, CONSOLE_ALLOW_WRITE, buf, len);
    if (!a.success)
        return -(int)a.status;
    syscall_return_t c = command(CONSOLE_DRIVER, CONSOLE_CMD_WRITE, (int)len, 0);
    int err = RETURNCODE_SUCCESS;
    if (c.type == TOCK_SYSCALL_FAILURE)
        err = -(int)c.data[0];
    else if (c.type != TOCK_SYSCALL_SUCCESS)
        err = RETURNCODE_EBADRVAL;
    if (err == RETURNCODE_SUCCESS)
        *written = yield_wait_for(CONSOLE_DRIVER, CONSOLE_UPCALL_WRITE).data0;
    allow_ro_return_t back = allow_readonly(CONSOLE_DRIVER, CONSOLE_ALLOW_WRITE, NULL, 0);
    (void)back;
    return err;
}

/* Writes the first `len` bytes of out_buf. Returns 0 or a negative code. */
static int write_out_buf(size_t len)
{
    size_t off = 0;

    while (off < len) {
        uint32_t written = 0;
        int err = console_write(out_buf + off, (uint32_t)(len - off), &written);
        if (err != RETURNCODE_SUCCESS)
            return err;
        if (written == 0)
            return RETURNCODE_FAIL; /* the driver made no progress */
        off += written < len - off ? written : len - off;
    }
    return 0;
}

/* Writes `len` bytes from `src` (any memory), copying them through out_buf
 * in chunks. Returns 0 or a negative code. */
static int emit(const char *src, size_t len)
{
    while (len > 0) {
        size_t n = len < sizeof out_buf ? len : sizeof out_buf;
        memcpy(out_buf, src, n);
        int err = write_out_buf(n);
        if (err < 0)
            return err;
        src += n;
        len -= n;
    }
    return 0;
}

int vprintf(const char *fmt, va_list ap)
{
    va_list again;
    int n;
    int err;

    va_copy(again, ap);
    n = vsnprintf((char *)out_buf, sizeof out_buf, fmt, ap);
    if (n < 0) {
        err = RETURNCODE_FAIL;
    } else if ((size_t)n < sizeof out_buf) {
        err = write_out_buf((size_t)n);
    } else {
        /* Too long for one chunk: format it whole on the heap, then send
         * it piecewise. Without memory, send what fitted and say so. */
        char *whole = malloc((size_t)n + 1);
        if (whole == NULL) {
            err = write_out_buf(sizeof out_buf - 1);
            if (err == 0)
                err = RETURNCODE_ENOMEM;
        } else {
            vsnprintf(whole, (size_t)n + 1, fmt, again);
            err = emit(whole, (size_t)n);
            free(whole);
        }
    }
    va_end(again);
    return err < 0 ? err : n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
    (void)flag;
    return vprintf(fmt, ap);
}

int __printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    (void)flag;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    size_t len = strlen(s);
    int err;

    if (len < sizeof out_buf) {
        /* The common case: string and newline in one write. */
        memcpy(out_buf, s, len);
        out_buf[len] = '\n';
        err = write_out_buf(len + 1);
    } else {
        err = emit(s, len);
        if (err == 0)
            err = emit("\n", 1);
    }
    return err < 0 ? EOF : (len < INT_MAX ? (int)len + 1 : INT_MAX);
}

int putchar(int c)
{
    out_buf[0] = (uint8_t)c;
    return write_out_buf(1) < 0 ? EOF : (unsigned char)c;
}
