/* shim_start.c: start-up of a simulated app: announce the process to the
 * simulator, wait to be scheduled, move the app's globals into its process
 * block in simulated SRAM, then run main() on a stack inside that block.
 *
 * The executable is linked with -Wl,--wrap=main, so the C runtime calls
 * __wrap_main, which calls the app's own main (__real_main) at the end.
 */
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#include "libtock/tock.h"

int __real_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp);

struct shim_layout shim_layout;

#define SHIM_PAGE 4096u

static uintptr_t page_down(uintptr_t a)
{
    return a & ~(uintptr_t)(SHIM_PAGE - 1);
}

static uintptr_t page_up(uintptr_t a)
{
    return (a + SHIM_PAGE - 1) & ~(uintptr_t)(SHIM_PAGE - 1);
}

/* Finds the main executable's writable, read-only and code segments. */
static int shim_find_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct shim_layout *l = arg;
    uintptr_t relro_end = 0;
    uintptr_t ro_lo = UINTPTR_MAX, ro_hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_GNU_RELRO)
            relro_end = hi;
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_flags & PF_W) {
            l->data_lo = lo;
            l->data_hi = hi;
        } else {
            if (lo < ro_lo)
                ro_lo = lo;
            if (hi > ro_hi)
                ro_hi = hi;
            if (l->n_ro < 8) {
                l->ro_seg[l->n_ro][0] = page_down(lo);
                l->ro_seg[l->n_ro][1] = page_up(hi);
                l->n_ro++;
            }
            if (ph->p_flags & PF_X) {
                l->text_lo = lo;
                l->text_hi = hi;
            }
        }
    }
    /* Relocation-time read-only data stays where it is; the rest of the
     * writable segment (.got.plt, .data, .bss) moves into SRAM. */
    if (relro_end > l->data_lo && relro_end < l->data_hi)
        l->data_lo = relro_end;
    l->data_lo = page_down(l->data_lo);
    l->data_hi = page_up(l->data_hi);
    l->ro_lo = page_down(ro_lo);
    l->ro_hi = page_up(ro_hi);
    return 1; /* the first object is the executable */
}

static void shim_die(const char *what)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "ipcsim app: %s: %s\n", what, strerror(errno));
    if (n > 0)
        (void)!write(2, buf, (size_t)n);
    _exit(120);
}

static int shim_argc;
static char **shim_argv, **shim_envp;
static ucontext_t shim_main_ctx, shim_host_ctx;

static void shim_run_main(void)
{
    int rc = __real_main(shim_argc, shim_argv, shim_envp);
    tock_exit((uint32_t)rc);
}

/* Copies the writable segment into the process block and maps the block
 * over it, so globals are in simulated SRAM at both addresses. Uses no
 * globals between the copy and the mapping: a write there would be lost. */
static void shim_move_data(uintptr_t lo, uintptr_t hi, void *sram_dst, off_t sram_off)
{
    memcpy(sram_dst, (void *)lo, hi - lo);
    void *m = mmap((void *)lo, hi - lo, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                   IPCSIM_FD_SRAM, sram_off);
    if (m == MAP_FAILED)
        shim_die("mapping the data segment onto SRAM");
}

int __wrap_main(int argc, char **argv, char **envp)
{
    /* Die with the simulator, whatever kills it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (fcntl(IPCSIM_FD_CHANNEL, F_GETFD) < 0 || fcntl(IPCSIM_FD_SRAM, F_GETFD) < 0 ||
        fcntl(IPCSIM_FD_FLASH, F_GETFD) < 0) {
        fprintf(stderr, "%s: this program is a simulated Tock app; run it with ipcsim\n",
                argc > 0 ? argv[0] : "app");
        return 2;
    }
    if (getppid() == 1)
        _exit(0);

    struct shim_layout l = {0};
    dl_iterate_phdr(shim_find_segments, &l);

    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_HELLO, 0), reply;
    m.a[IPCSIM_HELLO_PID] = (uint64_t)getpid();
    m.a[IPCSIM_HELLO_DATA_LO] = l.data_lo;
    m.a[IPCSIM_HELLO_DATA_HI] = l.data_hi;
    m.a[IPCSIM_HELLO_RO_LO] = l.ro_lo;
    m.a[IPCSIM_HELLO_RO_HI] = l.ro_hi;
    m.a[IPCSIM_HELLO_TEXT_LO] = l.text_lo;
    m.a[IPCSIM_HELLO_TEXT_HI] = l.text_hi;
    shim_exchange(&m, &reply);
    if (reply.type != IPCSIM_MSG_START) {
        errno = EPROTO;
        shim_die("expected START from the simulator");
    }
    uint32_t sram_base = (uint32_t)reply.a[IPCSIM_START_SRAM_BASE];
    uint32_t sram_size = (uint32_t)reply.a[IPCSIM_START_SRAM_SIZE];
    uint32_t flash_base = (uint32_t)reply.a[IPCSIM_START_FLASH_BASE];
    uint32_t flash_size = (uint32_t)(reply.a[IPCSIM_START_FLASH_BASE] >> 32);
    l.ram_start = (uint32_t)reply.a[IPCSIM_START_RAM_START];
    l.ram_end = (uint32_t)reply.a[IPCSIM_START_RAM_END];
    l.stack_top = (uint32_t)reply.a[IPCSIM_START_STACK_TOP];
    l.data_addr = (uint32_t)reply.a[IPCSIM_START_DATA];
    l.flash_addr = (uint32_t)reply.a[IPCSIM_START_FLASH];

    void *sram = mmap((void *)(uintptr_t)sram_base, sram_size, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_FIXED_NOREPLACE, IPCSIM_FD_SRAM, 0);
    if (sram == MAP_FAILED || sram != (void *)(uintptr_t)sram_base)
        shim_die("mapping simulated SRAM");
    void *flash = mmap((void *)(uintptr_t)flash_base, flash_size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_FIXED_NOREPLACE, IPCSIM_FD_FLASH, 0);
    if (flash == MAP_FAILED || flash != (void *)(uintptr_t)flash_base)
        shim_die("mapping simulated flash");
    shim_transport_start(); /* its memory mapped where simulated memory is not */

    /* The app's "flash": a copy of its code and constant data, so read-only
     * allows of string literals work; then read-only, as flash is. */
    for (unsigned i = 0; i < l.n_ro; i++)
        memcpy((void *)(uintptr_t)(l.flash_addr + (l.ro_seg[i][0] - l.ro_lo)),
               (void *)l.ro_seg[i][0], l.ro_seg[i][1] - l.ro_seg[i][0]);
    mprotect(flash, flash_size, PROT_READ);

    /* From here on the app sees only what its MPU configuration allows. */
    if (shim_mpu_init(sram_base, sram_size, flash_base, flash_size) < 0)
        shim_die("setting up memory protection");
    shim_mpu_apply(0);
    shim_install_fault_handlers();

    /* Like crt0: move the break over stack and data before using them. */
    uint32_t data_end = l.data_addr + (uint32_t)(l.data_hi - l.data_lo);
    uint64_t out[4];
    shim_syscall(5, 0, data_end, 0, 0, out);
    if (out[0] != TOCK_SYSCALL_SUCCESS) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "ipcsim app: the process block [0x%08x, 0x%08x) cannot hold stack and data "
                 "up to 0x%08x: raise the app's ram\n",
                 l.ram_start, l.ram_end, data_end);
        (void)!write(2, msg, strlen(msg));
        raise(SIGABRT);
    }
    shim_move_data(l.data_lo, l.data_hi, (void *)(uintptr_t)l.data_addr,
                   (off_t)(l.data_addr - sram_base));
    l.started = true;
    shim_layout = l;
    if (shim_mpu_add_alias(l.data_lo, l.data_addr, (uint32_t)(l.data_hi - l.data_lo)) < 0)
        shim_die("protecting the data segment");
    shim_mpu_apply(0);

    shim_syscall(5, 10, l.stack_top, 0, 0, out); /* stack start (debug) */
    shim_syscall(5, 11, data_end, 0, 0, out);    /* heap start (debug) */
    shim_heap_start();
    shim_install_preempt_handler();

    shim_argc = argc;
    shim_argv = argv;
    shim_envp = envp;
    getcontext(&shim_main_ctx);
    shim_main_ctx.uc_stack.ss_sp = (void *)(uintptr_t)l.ram_start;
    shim_main_ctx.uc_stack.ss_size = l.stack_top - l.ram_start;
    shim_main_ctx.uc_link = NULL;
    makecontext(&shim_main_ctx, shim_run_main, 0);
    swapcontext(&shim_host_ctx, &shim_main_ctx);
    return 0; /* not reached: tock_exit never returns */
}
